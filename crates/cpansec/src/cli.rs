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
    /// Report the known vulnerabilities of a project's dependencies and what to upgrade.
    Audit(AuditArgs),
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

/// `cpansec audit [PATH]`: PATH is a project directory (default `.`) or one
/// file (cpanfile.snapshot, cpanfile, META.json/yml, MYMETA).
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    /// One-off query of a distribution or module instead of a project.
    #[command(subcommand)]
    pub query: Option<AuditQuery>,
    /// Project directory or file to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Advisory database (else CPANSEC_DB, the downloaded copy, the embedded snapshot).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Security patch registry, to name published patches in the advice.
    #[arg(long, env = "CPANSEC_PATCHES", value_name = "DIR")]
    pub patches: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,
    /// Policy file (default: .cpansec.toml in the project directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit 1 only for findings at or above this severity (unrated always counts).
    #[arg(long, value_enum)]
    pub severity_threshold: Option<SeverityArg>,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Only requirements of these phases (cpanfile/META; default all).
    #[arg(long, value_delimiter = ',')]
    pub phase: Vec<String>,
    /// Runtime requirements only (same as --phase runtime).
    #[arg(long)]
    pub prod: bool,
    /// Only these optional features (default all).
    #[arg(long, value_delimiter = ',')]
    pub with_feature: Vec<String>,
    /// A 02packages.details index, to map modules the database does not know.
    #[arg(long, value_name = "FILE")]
    pub packages: Option<PathBuf>,
}

/// `cpansec audit dist NAME [SPEC]` / `cpansec audit module NAME [SPEC]`: SPEC is
/// a version (tested exactly) or a range (`'>= 1.0, < 2'`); without it, every release.
#[derive(Debug, Subcommand)]
pub enum AuditQuery {
    Dist {
        name: String,
        spec: Option<String>,
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
    },
    Module {
        name: String,
        spec: Option<String>,
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
    Sarif,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}
