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

/// Each subcommand's arguments are built only when that subcommand runs
/// (`defer`): building clap's whole tree for every start is most of the
/// start-up time of a short command such as `cpansec version cmp`.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Compare, sort and normalise Perl versions exactly as version.pm does.
    #[command(subcommand)]
    Version(VersionCommand),
    /// The advisory database: information, lookups, lint, comparison.
    Db(DbArgs),
    /// Show how cpansec reads a metadata file (META, cpanfile, snapshot,
    /// 02packages, CHECKSUMS, archive), as JSON.
    #[command(subcommand)]
    Meta(MetaCommand),
    /// Find and apply the CPAN security team's patches for releases that have
    /// no fixed version.
    Patch(PatchArgs),
    /// Write a software bill of materials (CycloneDX or SPDX) of a Perl
    /// project, a distribution archive or installed libraries, offline.
    ///
    /// With SOURCE_DATE_EPOCH set, that is the creation time and the output
    /// is byte-identical from run to run.
    Sbom(SbomArgs),
    /// The CNA's CVE records: build, check and announce them from the
    /// team's YAML; draft one for an advisory that has no CVE.
    Cve(CveArgs),
    /// The transparency log of CPAN uploads: create a log, append upload
    /// records, import a mirror's CHECKSUMS files.
    #[command(subcommand)]
    Log(LogCommand),
    /// Report the known vulnerabilities of a project's dependencies and what to upgrade.
    Audit(Box<AuditArgs>),
    /// A transparency-log witness (c2sp.org/tlog-witness): cosigns the
    /// checkpoints of the logs it knows, refusing any that is inconsistent
    /// with what it cosigned before.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Serve the vulnerability index: web pages, an OSV-compatible API,
    /// feeds and bulk downloads, from the advisory database.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct SbomArgs {
    /// A project directory (META.json/META.yml, cpanfile, cpanfile.snapshot)
    /// or a distribution archive; the current directory when not given.
    pub path: Option<PathBuf>,
    /// Describe installed library directories instead (local::lib and
    /// Carton `local/` layouts are expanded).
    #[arg(long, num_args = 1.., conflicts_with = "path")]
    pub installed: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = SbomFormat::Cyclonedx)]
    pub format: SbomFormat,
    /// Write to this file (atomically replaced) instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The perl the project runs on (e.g. 5.36.0): perl becomes a component
    /// and core modules resolve to it.
    #[arg(long)]
    pub perl_version: Option<String>,
    /// A CPAN mirror directory (DIR/authors/id/...) to find release archives
    /// in for their hashes, after the project's local/cache. Repeatable.
    #[arg(long = "cpan-mirror", value_name = "DIR")]
    pub cpan_mirrors: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    #[value(name = "cyclonedx", alias = "cyclonedx-1.6")]
    Cyclonedx,
    /// CycloneDX 1.5 JSON.
    #[value(name = "cyclonedx-1.5")]
    Cyclonedx15,
    /// SPDX 2.3 JSON.
    #[value(name = "spdx-2.3")]
    Spdx23,
    /// SPDX 3.0.1 JSON-LD.
    #[value(name = "spdx-3.0", alias = "spdx-3.0.1")]
    Spdx30,
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
#[command(defer = true)]
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
    /// The database file to use, or `perl:MODULE` for the database of an
    /// installed perl module (`perl:CPAN::Audit`, `perl:CPANSA::DB`), read
    /// through perl. Without it: $CPANSEC_DB (same forms), then the copy
    /// downloaded by `db update` in the user cache directory, then the
    /// snapshot compiled into cpansec (with a warning stating its age).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
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
#[command(defer = true)]
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
    /// OSV 1.7 records, one `<ID>.json` each, plus `all.zip` and `modified_id.csv`.
    Osv,
    /// An Atom 1.0 feed of every advisory, newest first: `advisories.atom`.
    Atom,
    /// The cpansa feed JSON (`cpan-security-advisory.json`, the format
    /// CPAN::Audit and cpansec load), keys sorted, entries as the source
    /// wrote them.
    CpansaFeed,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum MetaCommand {
    /// Read one file and print cpansec's reading of it as JSON.
    Show {
        path: PathBuf,
        /// What the file is; by default told from its name.
        #[arg(long, value_enum, default_value_t = MetaKind::Auto)]
        kind: MetaKind,
        /// When a cpanfile uses Perl outside the cpanfile language, evaluate
        /// it with perl and Module::CPANfile (this runs the file's code).
        #[arg(long)]
        allow_perl: bool,
    },
    /// Read CPAN dist paths (`A/AU/AUTHOR/Dist-1.0.tar.gz`) as
    /// CPAN::DistnameInfo does.
    Distpath {
        #[arg(required = true)]
        paths: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetaKind {
    Auto,
    Meta,
    Cpanfile,
    Snapshot,
    Packages,
    Checksums,
    Tarball,
}

#[derive(Debug, Args)]
pub struct CveArgs {
    /// The advisory database (for `draft`), as for `db`.
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: CveCommand,
}

// Where the published record to reconcile with comes from. (A plain comment:
// with deferred subcommands a doc comment here would become the about text
// of every command that flattens this.)
#[derive(Debug, Args)]
pub struct PublishedArgs {
    /// Update an already published record: the record published for this
    /// CVE, whose hand-edited wording, HTML and later additions are kept
    /// where the YAML agrees (each kept field is noted on stderr). Without
    /// it, a record for the same CVE next to the YAML (`CVE-ID.source.json`,
    /// then `CVE-ID.json`) is used, so that rebuilding a published CVE never
    /// silently drops what was edited after publication.
    #[arg(long, value_name = "RECORD.json", conflicts_with = "no_published")]
    pub published: Option<PathBuf>,
    /// Build from the YAML alone, even when a published record lies next to it.
    #[arg(long)]
    pub no_published: bool,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum CveCommand {
    /// The CVE JSON 5.1 record of a CNA YAML file.
    Build {
        file: PathBuf,
        #[command(flatten)]
        published: PublishedArgs,
        /// Write the record here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Lint a CNA YAML file against the schema and house style: every
    /// problem with its field path, line and column. Exit 1 on errors.
    Check {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The announcement text for oss-security.
    Announce {
        file: PathBuf,
        #[command(flatten)]
        published: PublishedArgs,
    },
    /// A CVE 5.1 draft record for a database advisory without a CVE.
    Draft {
        /// Any advisory id (CPANSA, GHSA).
        id: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

// How many records one durable append carries. (A plain comment: see
// `PublishedArgs`.)
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Records per batch: each batch is made durable (tiles, bundles, index
    /// synced) and ends with a signed checkpoint. Larger batches append faster
    /// (fewer syncs a record) and publish checkpoints less often.
    #[arg(long, value_name = "N", default_value_t = 16384,
          value_parser = clap::value_parser!(u32).range(1..=1 << 20))]
    pub batch: u32,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
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
        #[command(flatten)]
        batch: BatchArgs,
    },
    /// Append a record for every distribution listed in the
    /// authors/id/**/CHECKSUMS files of a local CPAN mirror. Exit 1 if a path
    /// is already logged with another SHA-256.
    ImportChecksums {
        dir: PathBuf,
        /// The mirror's root (the directory holding authors/).
        mirror: PathBuf,
        #[command(flatten)]
        batch: BatchArgs,
    },
    /// Check a downloaded file against the log: its record (found by file
    /// name, or by PATH), inclusion in the signed checkpoint, witness quorum
    /// (with --policy), and consistency with the checkpoint seen last time
    /// (kept in the user cache directory). Exit 0: verified; 1: not logged,
    /// a different file is logged under that name, or the log forked or
    /// rolled back; 3: unreadable input or an invalid log.
    Verify {
        file: PathBuf,
        /// The log: a directory, or a log server's http(s) URL.
        #[arg(long, value_name = "URL|DIR")]
        log: String,
        /// A tlog-policy file (log keys and witness quorum); without it (and
        /// without --key) a log directory's own DIR/log.vkey is trusted.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// The file's authors/id/... path, when its local name differs.
        #[arg(long)]
        path: Option<String>,
        /// The log's verifier key (name+keyid+base64), instead of a policy.
        #[arg(long, value_name = "VKEY", conflicts_with = "policy")]
        key: Option<String>,
    },
    /// Report the uploads appended to the log since the last run (state in
    /// the user cache directory) by the watched authors or of the watched
    /// distributions, after proving that the log only grew. Exit 0: no alarm;
    /// 1: an alarm (a watched distribution uploaded by an author who never
    /// released it before, or a log that forked or rolled back); 2: usage;
    /// 3: unreadable or invalid log.
    Monitor {
        /// The log: a directory, or a log server's http(s) URL.
        #[arg(long, value_name = "URL|DIR")]
        log: String,
        /// Report every upload by this PAUSE id (repeatable).
        #[arg(long = "author", value_name = "ID")]
        authors: Vec<String>,
        /// Watch these distributions (repeatable).
        #[arg(long = "dist", value_name = "NAME", num_args = 1..)]
        dists: Vec<String>,
        /// A tlog-policy file (log keys and witness quorum).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// The log's verifier key (name+keyid+base64), instead of a policy.
        #[arg(long, value_name = "VKEY", conflicts_with = "policy")]
        key: Option<String>,
    },
}

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
    /// Audit installed modules instead of a project: these library
    /// directories (local::lib and Carton `local/` layouts expanded), or with
    /// no DIR the `@INC` of `--perl` (default: `perl` on PATH).
    #[arg(long, num_args = 0.., value_name = "DIR")]
    pub installed: Option<Vec<PathBuf>>,
    /// A perl binary: its `@INC` is audited (unless `--installed DIR...`
    /// names directories) and its version is the `--perl-version`.
    #[arg(long, value_name = "PATH")]
    pub perl: Option<PathBuf>,
    /// Also audit perl itself at this version (e.g. 5.36.0) and the core
    /// modules that release ships, unless a copy is installed or pinned.
    #[arg(long, value_name = "VERSION")]
    pub perl_version: Option<String>,
    /// Audit the CPAN distributions an SBOM lists (CycloneDX 1.4-1.7 JSON,
    /// SPDX 2.3 JSON, SPDX 3.0.1 JSON-LD; pkg:cpan purls) instead of PATH.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["installed", "perl"])]
    pub sbom: Option<PathBuf>,
}

// `cpansec audit dist NAME [SPEC]` / `cpansec audit module NAME [SPEC]`: SPEC is
// a version (tested exactly) or a range (`'>= 1.0, < 2'`); without it, every
// release. (A plain comment: a doc comment would replace `audit`'s about text.)
#[derive(Debug, Subcommand)]
#[command(defer = true)]
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
    /// CycloneDX 1.6 VEX referring to the components of the project's SBOM.
    #[value(name = "cyclonedx-vex")]
    CyclonedxVex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum WitnessCommand {
    /// Create a witness in DIR: generates its cosignature key (DIR/witness.key,
    /// mode 0600, and DIR/witness.vkey), writes DIR/witness.toml without logs,
    /// prints the verifier key.
    Init {
        dir: PathBuf,
        /// The witness's key name (e.g. witness.example.org/w1).
        #[arg(long)]
        name: String,
    },
    /// Serve POST /add-checkpoint and GET /<origin hash>/checkpoint for the
    /// logs of DIR/witness.toml until Ctrl-C or SIGTERM.
    Serve {
        dir: PathBuf,
        /// Address to listen on (port 0: any free port, printed on stderr).
        #[arg(long, default_value = "127.0.0.1:7380")]
        addr: std::net::SocketAddr,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database file to serve (reloaded on SIGHUP and when it changes).
    /// Without it: $CPANSEC_DB, then the downloaded copy, then the snapshot
    /// compiled into cpansec.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// A transparency log directory whose C2SP tlog-tiles endpoints, submission
    /// and lookup to serve as well, under /log/ (its URL is http://ADDR/log).
    #[arg(long, value_name = "DIR")]
    pub log: Option<PathBuf>,
    /// A patch registry directory; pages and answers list its patches.
    #[arg(long, value_name = "DIR")]
    pub patches: Option<PathBuf>,
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Requests handled at once; more are answered 503.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_in_flight: usize,
    /// Seconds one request may take, body included.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub timeout: u64,
    /// How often to check the database file for changes, in milliseconds
    /// (0: only reload on SIGHUP).
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    pub watch_interval: u64,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks over the whole tree, deferred parts included.
    #[test]
    fn the_command_tree_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// Deferred arguments are added after a subcommand's own attributes, so a
    /// doc comment on a flattened struct or nested enum would replace the
    /// subcommand's about text: each subcommand's `-h` starts with the text
    /// its parent's command list shows for it.
    #[test]
    fn every_subcommand_help_starts_with_its_listed_about() {
        fn help(args: &[&str]) -> String {
            let err = super::Cli::command()
                .term_width(1000)
                .try_get_matches_from(args)
                .expect_err("-h ends parsing");
            err.render().to_string()
        }
        fn walk(built: &clap::Command, path: &mut Vec<String>) {
            for sub in built.get_subcommands().filter(|s| s.get_name() != "help") {
                let name = sub.get_name().to_string();
                let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
                args.push("-h");
                let listing = help(&args);
                let listed = listing
                    .lines()
                    .find_map(|l| l.trim_start().strip_prefix(&format!("{name} ")))
                    .map(str::trim)
                    .unwrap_or_else(|| panic!("{path:?} lists {name}"));
                path.push(name);
                let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
                args.push("-h");
                let own = help(&args);
                assert!(
                    own.starts_with(listed),
                    "{path:?}: listed as {listed:?}, help starts {:?}",
                    own.lines().next()
                );
                walk(sub, path);
                path.pop();
            }
        }
        let mut built = super::Cli::command();
        built.build();
        walk(&built, &mut vec!["cpansec".to_string()]);
    }
}
