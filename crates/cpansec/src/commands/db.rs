//! `cpansec db ...`: the advisory database on the command line. Locating and
//! loading, and every answer, come from cpansec-advisory; this module only
//! picks the database, prints, and maps outcomes to exit codes.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use cpansec_advisory::{Advisory, CacheStatus, Database, Id, Level, Location, Rule, embedded_date};

use crate::cli::{DbArgs, DbCommand, ExportFormat, Format};
use crate::exit::UsageError;

/// A downloaded database older than this is worth a warning.
const STALE_AFTER_DAYS: i64 = 7;

pub fn run(args: DbArgs) -> anyhow::Result<u8> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let code = match args.command {
        DbCommand::Info { format } => {
            // Counts and metadata come from the cache's core section alone.
            let (db, location) = open_lazy(args.db.as_deref())?;
            info(&mut out, &db, &location, format)?;
            crate::exit::OK
        }
        DbCommand::Show { id, format } => {
            let id: Id = id.parse().map_err(|e| UsageError(format!("{e}")))?;
            let (db, _) = open(args.db.as_deref())?;
            let found = db.lookup(&id);
            if found.is_empty() {
                anyhow::bail!("no advisory {id} in {}", db.source());
            }
            show(&mut out, &db, &found, format)?;
            crate::exit::OK
        }
        DbCommand::Diff { old, new, format } => {
            let old = Database::load_json_file(&old)?;
            let new = Database::load_json_file(&new)?;
            diff(&mut out, &cpansec_advisory::diff(&old, &new), format)?;
            crate::exit::OK
        }
        DbCommand::Update { url, offline } => {
            update(&mut out, &url, offline)?;
            crate::exit::OK
        }
        DbCommand::Export { format, out: dir } => {
            match format {
                ExportFormat::CpansaFeed => export_feed(&mut out, args.db.as_deref(), &dir)?,
                ExportFormat::Osv => {
                    let (db, _) = open(args.db.as_deref())?;
                    let n = cpansec_advisory::export_osv(&db, &dir)?;
                    writeln!(out, "wrote {n} records to {}", dir.display())?;
                }
                ExportFormat::Atom => {
                    let (db, _) = open(args.db.as_deref())?;
                    std::fs::create_dir_all(&dir)?;
                    let path = dir.join("advisories.atom");
                    let mut file = BufWriter::new(std::fs::File::create(&path)?);
                    cpansec_advisory::export_atom(&db, &mut file)?;
                    file.flush()?;
                    let n = db.advisories().len();
                    writeln!(out, "wrote {n} records to {}", dir.display())?;
                }
            }
            crate::exit::OK
        }
        DbCommand::Lint { format } => {
            let (db, _) = open(args.db.as_deref())?;
            let report = cpansec_advisory::lint(&db);
            lint(&mut out, &report, format)?;
            crate::exit::findings(report.has_errors())
        }
    };
    out.flush()?;
    Ok(code)
}

/// The cpansa-feed export reads the source as a document, not through the
/// binary cache: the cache holds the merged model only.
fn export_feed(out: &mut impl Write, explicit: Option<&Path>, dir: &Path) -> anyhow::Result<()> {
    let location = Location::resolve(explicit, |k| std::env::var_os(k), Path::is_file);
    if location == Location::Embedded {
        eprintln!(
            "warning: no downloaded advisory database; exporting the snapshot built into \
             cpansec ({}), rebuilt from its merged model",
            embedded_date()
        );
    }
    let feed = location
        .load_feed()
        .with_context(|| "loading the advisory database".to_string())?;
    let entries: usize = feed.dists.values().map(|d| d.advisories.len()).sum();
    let path = cpansec_advisory::export_feed(&feed, dir)?;
    writeln!(
        out,
        "wrote {entries} advisory entries to {}",
        path.display()
    )?;
    Ok(())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn age_days(db: &Database) -> Option<i64> {
    db.metadata()
        .generated_at()
        .map(|t| (now() - t).div_euclid(86_400))
}

/// The database file `open` would read, if it reads a file.
pub(crate) fn location(explicit: Option<&Path>) -> Option<std::path::PathBuf> {
    Location::resolve(explicit, |k| std::env::var_os(k), Path::is_file)
        .path()
        .map(Path::to_path_buf)
}

/// Resolves and loads the database, warning on stderr when it is the
/// embedded snapshot or a stale download.
pub(crate) fn open(explicit: Option<&Path>) -> anyhow::Result<(Database, Location)> {
    open_with(explicit, false)
}

/// [`open`] reading the binary cache lazily (`Location::load_cached_lazy`):
/// for commands that check `Database::damage` once they are done with the
/// database and then call [`rebuild_damaged`].
pub(crate) fn open_lazy(explicit: Option<&Path>) -> anyhow::Result<(Database, Location)> {
    open_with(explicit, true)
}

/// Rebuilds the damaged cache of `location` from its source, with a warning.
pub(crate) fn rebuild_damaged(
    location: &Location,
    damage: &cpansec_advisory::Error,
) -> anyhow::Result<Database> {
    let cache_dir = cpansec_advisory::cache_dir(|k| std::env::var_os(k));
    let (Some(source), Some(cache)) = (location.path(), location.cache_path(cache_dir.as_deref()))
    else {
        anyhow::bail!("the advisory database is damaged: {damage}");
    };
    eprintln!(
        "warning: {damage}; rebuilding the database cache from {}",
        source.display()
    );
    let (db, status) = Database::rebuild_cache(source, &cache)
        .with_context(|| "loading the advisory database".to_string())?;
    if let CacheStatus::Unwritable(e) = status {
        eprintln!("warning: cannot write the database cache: {e}");
    }
    Ok(db)
}

fn open_with(explicit: Option<&Path>, lazy: bool) -> anyhow::Result<(Database, Location)> {
    let location = Location::resolve(explicit, |k| std::env::var_os(k), Path::is_file);
    let cache_dir = cpansec_advisory::cache_dir(|k| std::env::var_os(k));
    let loaded = if lazy {
        location.load_cached_lazy(cache_dir.as_deref())
    } else {
        location.load_cached(cache_dir.as_deref())
    };
    let (db, cache) = loaded.with_context(|| "loading the advisory database".to_string())?;
    if let CacheStatus::Unwritable(e) = cache {
        eprintln!("warning: cannot write the database cache: {e}");
    }
    let age = age_days(&db);
    match &location {
        Location::Embedded => eprintln!(
            "warning: no downloaded advisory database; using the snapshot built into cpansec, \
             generated {}{}; run `cpansec db update`",
            embedded_date(),
            age.map(|d| format!(" ({d} days old)")).unwrap_or_default()
        ),
        Location::Cache(path) => {
            if let Some(days) = age.filter(|d| *d > STALE_AFTER_DAYS) {
                eprintln!(
                    "warning: the advisory database {} is {days} days old; run `cpansec db update`",
                    path.display()
                );
            }
        }
        Location::Explicit(_) | Location::Environment(_) | Location::Perl(_) => {}
    }
    Ok((db, location))
}

fn update(out: &mut impl Write, url: &str, offline: bool) -> anyhow::Result<()> {
    let dir = cpansec_advisory::cache_dir(|k| std::env::var_os(k))
        .ok_or_else(|| UsageError("no cache directory: set XDG_CACHE_HOME or HOME".to_string()))?;
    let path = dir.join(cpansec_advisory::CACHE_FILE);
    if offline {
        if !path.is_file() {
            anyhow::bail!(
                "--offline: no downloaded database at {}; run `cpansec db update` with network",
                path.display()
            );
        }
    } else {
        match cpansec_advisory::update(url, &dir)? {
            cpansec_advisory::UpdateOutcome::NotModified { path } => {
                writeln!(out, "{} is up to date", path.display())?
            }
            cpansec_advisory::UpdateOutcome::Updated { path, bytes } => writeln!(
                out,
                "downloaded {url} to {} ({bytes} bytes)",
                path.display()
            )?,
        }
    }
    let location = Location::Cache(path.clone());
    let (db, _) = location.load_cached(Some(&dir))?;
    if let Some(days) = age_days(&db).filter(|d| *d > STALE_AFTER_DAYS) {
        eprintln!(
            "warning: the advisory database {} was generated {days} days ago",
            path.display()
        );
    }
    info(out, &db, &location, Format::Text)?;
    Ok(())
}

fn location_kind(location: &Location) -> &'static str {
    match location {
        Location::Explicit(_) => "--db",
        Location::Environment(_) => "CPANSEC_DB",
        Location::Cache(_) => "downloaded copy",
        Location::Embedded => "embedded snapshot",
        Location::Perl(_) => "installed perl module",
    }
}

fn info(
    out: &mut impl Write,
    db: &Database,
    location: &Location,
    format: Format,
) -> io::Result<()> {
    let meta = db.metadata();
    let summary = db.summary();
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "source": db.source().to_string(),
                "source_kind": location_kind(location),
                "generated": meta.generated_utc(),
                "age_days": age_days(db),
                "commit": meta.commit,
                "repo": meta.repo,
                "counts": summary,
            });
            writeln!(out, "{doc:#}")
        }
        Format::Text => {
            writeln!(
                out,
                "source         {} ({})",
                db.source(),
                location_kind(location)
            )?;
            if let Some(repo) = &meta.repo {
                writeln!(out, "repository     {repo}")?;
            }
            if let Some(commit) = &meta.commit {
                writeln!(out, "commit         {commit}")?;
            }
            match (meta.generated_utc(), age_days(db)) {
                (Some(date), Some(age)) => writeln!(out, "generated      {date} ({age} days ago)")?,
                _ => writeln!(out, "generated      unknown")?,
            }
            writeln!(
                out,
                "advisories     {} ({} entries)",
                summary.advisories, summary.entries
            )?;
            writeln!(
                out,
                "CVEs           {} ({} advisories without one)",
                summary.cves, summary.without_cve
            )?;
            writeln!(
                out,
                "distributions  {} ({} with a release list)",
                summary.distributions, summary.distributions_with_releases
            )?;
            writeln!(out, "releases       {}", summary.releases)?;
            writeln!(out, "modules        {}", summary.modules)
        }
    }
}

/// The known releases of the advisory's distributions that it affects.
fn affected_releases(db: &Database, a: &Advisory) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dist in a.distributions() {
        for (release, _) in db.affected_releases(dist) {
            if let Some(v) = release.version.known() {
                if a.verdict(dist, v) != cpansec_advisory::Verdict::NotAffected {
                    out.push((dist.to_string(), v.to_string()));
                }
            }
        }
    }
    out
}

fn show(
    out: &mut impl Write,
    db: &Database,
    found: &[&Advisory],
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let docs: Vec<serde_json::Value> = found
                .iter()
                .map(|a| {
                    let releases: Vec<serde_json::Value> = affected_releases(db, a)
                        .into_iter()
                        .map(|(d, v)| serde_json::json!({"distribution": d, "version": v}))
                        .collect();
                    serde_json::json!({
                        "advisory": a,
                        "affected_releases": releases,
                    })
                })
                .collect();
            writeln!(out, "{:#}", serde_json::Value::Array(docs))
        }
        Format::Text => {
            for (n, a) in found.iter().enumerate() {
                if n > 0 {
                    writeln!(out)?;
                }
                show_text(out, db, a)?;
            }
            Ok(())
        }
    }
}

fn show_text(out: &mut impl Write, db: &Database, a: &Advisory) -> io::Result<()> {
    writeln!(out, "{}", a.display_id())?;
    writeln!(out, "id            {}", a.id)?;
    let aliases: Vec<String> = a
        .aliases
        .iter()
        .map(Id::to_string)
        .chain(a.unrecognised_aliases.iter().cloned())
        .collect();
    if !aliases.is_empty() {
        writeln!(out, "aliases       {}", aliases.join(", "))?;
    }
    writeln!(out, "distribution  {}", a.distribution)?;
    writeln!(
        out,
        "severity      {}",
        a.severity
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("-")
    )?;
    writeln!(
        out,
        "reported      {}",
        a.reported.as_deref().unwrap_or("-")
    )?;
    if let Some(e) = &a.embedded {
        writeln!(
            out,
            "embedded      {} {}",
            e.name,
            e.distributed_version.as_deref().unwrap_or("")
        )?;
    }
    let join = |rs: &[cpansec_advisory::Range]| {
        rs.iter()
            .map(|r| r.as_str().to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    // Entries without fixed ranges are shown on one line: the common shape
    // of an advisory that lists each affected release as its own entry.
    let mut plain: Vec<String> = Vec::new();
    for g in &a.groups {
        let dist = if g.distribution == a.distribution {
            String::new()
        } else {
            format!("[{}] ", g.distribution)
        };
        if g.fixed.is_empty() && dist.is_empty() {
            plain.push(join(&g.affected));
        } else {
            let fixed = if g.fixed.is_empty() {
                String::new()
            } else {
                format!("  (fixed: {})", join(&g.fixed))
            };
            writeln!(out, "affected      {dist}{}{fixed}", join(&g.affected))?;
        }
    }
    if !plain.is_empty() {
        writeln!(out, "affected      {}", plain.join(" | "))?;
    }
    let releases: Vec<String> = affected_releases(db, a)
        .into_iter()
        .map(|(d, v)| {
            if d == a.distribution {
                v
            } else {
                format!("{d} {v}")
            }
        })
        .collect();
    writeln!(
        out,
        "releases      {}",
        if releases.is_empty() {
            "(no known release affected)".to_string()
        } else {
            releases.join(" ")
        }
    )?;
    for r in &a.references {
        writeln!(out, "reference     {r}")?;
    }
    writeln!(out)?;
    for line in a.description.trim_end().lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

fn lint(out: &mut impl Write, report: &cpansec_advisory::Report, format: Format) -> io::Result<()> {
    match format {
        Format::Json => writeln!(out, "{:#}", serde_json::json!(report)),
        Format::Text => {
            for p in &report.problems {
                let subject =
                    p.id.as_ref()
                        .map_or_else(|| p.distribution.clone(), Id::to_string);
                let level = match p.level {
                    Level::Error => "error",
                    Level::Warning => "warning",
                    Level::Info => "info",
                };
                writeln!(
                    out,
                    "{level}[{}] {subject} {}: {}",
                    p.rule, p.field, p.reason
                )?;
            }
            writeln!(out)?;
            for rule in Rule::ALL {
                let n = report.counts.get(rule.code()).copied().unwrap_or(0);
                writeln!(out, "{n:>6}  {}", rule.code())?;
            }
            Ok(())
        }
    }
}

fn diff(out: &mut impl Write, d: &cpansec_advisory::Diff, format: Format) -> io::Result<()> {
    if format == Format::Json {
        return writeln!(out, "{:#}", serde_json::json!(d));
    }
    let releases = |rs: &[(String, String)], main: &str| -> String {
        rs.iter()
            .map(|(dist, v)| {
                if dist == main {
                    v.clone()
                } else {
                    format!("{dist} {v}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    for a in &d.added {
        writeln!(out, "added    {} ({})", a.id, a.distribution)?;
        if !a.affected_releases.is_empty() {
            writeln!(
                out,
                "    affects {}",
                releases(&a.affected_releases, &a.distribution)
            )?;
        }
    }
    for a in &d.removed {
        writeln!(out, "removed  {} ({})", a.id, a.distribution)?;
        if !a.affected_releases.is_empty() {
            writeln!(
                out,
                "    affected {}",
                releases(&a.affected_releases, &a.distribution)
            )?;
        }
    }
    for c in &d.changed {
        writeln!(out, "changed  {} ({})", c.id, c.distribution)?;
        for f in &c.fields {
            writeln!(
                out,
                "    {}: {} -> {}",
                f.field,
                short(&f.old),
                short(&f.new)
            )?;
        }
        let pick = |now: cpansec_advisory::Verdict| -> Vec<(String, String)> {
            c.flips
                .iter()
                .filter(|f| f.new == now)
                .map(|f| (f.distribution.clone(), f.version.clone()))
                .collect()
        };
        for (label, verdict) in [
            ("newly affected", cpansec_advisory::Verdict::Affected),
            ("no longer affected", cpansec_advisory::Verdict::NotAffected),
            ("now unknown", cpansec_advisory::Verdict::Unknown),
        ] {
            let rs = pick(verdict);
            if !rs.is_empty() {
                writeln!(out, "    {label}: {}", releases(&rs, &c.distribution))?;
            }
        }
    }
    writeln!(
        out,
        "{} added, {} removed, {} changed",
        d.added.len(),
        d.removed.len(),
        d.changed.len()
    )
}

/// A JSON value on one line, long strings cut to keep the diff readable.
fn short(v: &serde_json::Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 200 {
        let cut: String = text.chars().take(197).collect();
        format!("{cut}...")
    } else {
        text
    }
}
