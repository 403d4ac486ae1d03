//! Command-line arguments, as clap structs. Validation and work happen in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Supply-chain security for Perl and CPAN.
///
/// Exit codes: 0 ok, 1 findings at or above the threshold, 2 usage or
/// configuration error, 3 input or runtime error.
#[derive(Debug, Parser)]
#[command(name = "cpansec", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare, sort and normalise Perl versions exactly as version.pm does.
    #[command(subcommand)]
    Version(VersionCommand),
    /// The advisory database: information, lookups, lint, comparison.
    Db(DbArgs),
    /// Find and apply the CPAN security team's patches for releases that have
    /// no fixed version.
    Patch(PatchArgs),
    /// The transparency log of CPAN uploads: create a log, append upload
    /// records, import a mirror's CHECKSUMS files.
    #[command(subcommand)]
    Log(LogCommand),
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Create a log in DIR: generates its Ed25519 key (DIR/log.key, mode
    /// 0600), publishes the empty checkpoint, prints the verifier key.
    Init {
        dir: PathBuf,
        /// The log's origin (checkpoint first line and key name).
        #[arg(long)]
        origin: String,
    },
    /// Append cpan-upload/v1 records (separated by empty lines) from FILE or
    /// stdin. Exit 1 if a path is already logged with another SHA-256.
    Add {
        dir: PathBuf,
        /// Records file; `-` or nothing for stdin.
        file: Option<PathBuf>,
    },
    /// Append a record for every distribution listed in the
    /// authors/id/**/CHECKSUMS files of a local CPAN mirror. Exit 1 if a path
    /// is already logged with another SHA-256.
    ImportChecksums {
        dir: PathBuf,
        /// The mirror's root (the directory holding authors/).
        mirror: PathBuf,
    },
    /// Check a downloaded file against the log: its record (found by file
    /// name, or by PATH), inclusion in the signed checkpoint, witness quorum
    /// (with --policy), and consistency with the checkpoint seen last time
    /// (kept in the user cache directory). Exit 0: verified; 1: not logged,
    /// a different file is logged under that name, or the log forked or
    /// rolled back; 3: unreadable input or an invalid log.
    Verify {
        file: PathBuf,
        /// The log directory.
        #[arg(long)]
        log: PathBuf,
        /// A tlog-policy file (log keys and witness quorum); without it the
        /// log's own DIR/log.vkey is trusted.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// The file's authors/id/... path, when its local name differs.
        #[arg(long)]
        path: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct PatchArgs {
    /// The patch registry: a directory laid out as
    /// <L>/<Dist>/<version>/CVE-YYYY-NNNN-rN.patch.
    #[arg(
        long,
        visible_alias = "patches",
        env = "CPANSEC_PATCHES",
        global = true
    )]
    pub registry: Option<PathBuf>,
    #[command(subcommand)]
    pub command: PatchCommand,
}

#[derive(Debug, Subcommand)]
pub enum PatchCommand {
    /// List the patches of the registry, for one distribution or release if
    /// given. Superseded revisions are shown with --all.
    List {
        dist: Option<String>,
        version: Option<String>,
        /// Include revisions that a later one supersedes.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show every revision of the patches for a CVE.
    Show {
        /// A CVE id (CVE-YYYY-NNNN).
        cve: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Apply the patches for a distribution's release: to an unpacked
    /// distribution directory (its META names the release), or to a tarball,
    /// unpacked safely into --out first. All or nothing: if any hunk fails,
    /// nothing is changed (exit 3). A patch already applied is left alone.
    Apply {
        /// An unpacked distribution directory, or a .tar.gz/.tgz/.zip archive.
        target: PathBuf,
        /// Where to unpack an archive (must not exist).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Report what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The distribution name, when the tree has no META file.
        #[arg(long, requires = "release")]
        dist: Option<String>,
        /// The release version, when the tree has no META file.
        #[arg(long, requires = "dist")]
        release: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// The database file to use. Without it: $CPANSEC_DB, then the copy
    /// downloaded by `db update` in the user cache directory, then the
    /// snapshot compiled into cpansec (with a warning stating its age).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Where the database comes from, its date and age, and counts.
    Info {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// One advisory, by any id: CPANSA, CVE or GHSA (a CVE filed for
    /// several distributions shows each advisory).
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Advisories added, removed and changed (field by field) between two
    /// database files, with the known releases whose verdict flips.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Download the database into the user cache directory (atomically,
    /// conditionally on ETag/Last-Modified).
    Update {
        /// Where to download from.
        #[arg(long, env = "CPANSEC_DB_URL", default_value = cpansec_advisory::DEFAULT_URL)]
        url: String,
        /// Do not download: report the cached copy and its age.
        #[arg(long)]
        offline: bool,
    },
    /// Export every advisory in another format into a directory.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The directory to write (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Every data problem, each with rule code, id, field and reason.
    /// Exit 1 when a problem is at level error.
    Lint {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum VersionCommand {
    /// Compare two versions: prints -1, 0 or 1.
    Cmp { a: String, b: String },
    /// Sort versions, one per line, ascending by version.pm order (stable:
    /// equal versions keep their input order). An unparseable line is an error
    /// naming its line number (exit 3).
    Sort {
        /// Files to read; stdin when none is given (or for `-`).
        files: Vec<PathBuf>,
        /// Sort descending.
        #[arg(short, long)]
        reverse: bool,
    },
    /// Print the normal form (`v1.2.3`).
    Normal { version: String },
    /// Print the numified form (`1.002003`).
    Numify { version: String },
    /// Show everything version.pm knows about a version.
    Show {
        version: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// OSV 1.7 records, one `<ID>.json` each, plus `modified_id.csv`.
    Osv,
}
