//! `cpansec audit`: read the project, scan, apply the policy, render, and
//! map the outcome to an exit code. The work is in `cpansec-audit`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use cpansec_advisory::{Database, Severity};
use cpansec_audit::deps::LoadOptions;
use cpansec_audit::policy::CONFIG_FILE;
use cpansec_audit::render::CycloneDxVex;
use cpansec_audit::{DependencySet, Error, Format, PerlTarget, Policy, Renderer, scan};
use cpansec_meta::Phase;
use cpansec_patch::Registry;
use cpansec_sbom::{Options as SbomOptions, Sbom, SbomKind};

use crate::cli::{AuditArgs, AuditFormat, AuditQuery, SeverityArg};
use crate::exit::{self, UsageError};
use cpansec_audit::installed::{PERL_TIMEOUT, query_perl};

pub fn run(args: AuditArgs) -> anyhow::Result<u8> {
    if let Some(q) = args.query {
        return query(q);
    }
    let policy_path = match &args.config {
        Some(p) => Some(p.clone()),
        None => {
            let dir = if args.path.is_dir() {
                args.path.as_path()
            } else {
                args.path.parent().unwrap_or(Path::new("."))
            };
            Some(dir.join(CONFIG_FILE)).filter(|p| p.is_file())
        }
    };
    let policy = match &policy_path {
        Some(p) => Policy::read(p).map_err(|e| UsageError(e.to_string()))?,
        None => Policy::default(),
    };
    let registry = match &args.patches {
        Some(dir) => Some(Registry::load(dir)?),
        None => None,
    };
    // The cache is read lazily; damage found while scanning (a record that
    // fails its checksum) means the answers may be incomplete: the cache is
    // rebuilt from the source and the scan done again.
    let (mut db, location) = super::db::open_lazy(args.db.as_deref())?;
    let (mut report, mut vex) = scan_project(&args, &db)?;
    if let Some(damage) = db.damage() {
        db = super::db::rebuild_damaged(&location, &damage)?;
        (report, vex) = scan_project(&args, &db)?;
    }
    for p in &report.problems {
        eprintln!("warning: {p}");
    }
    let outcome = policy.apply(&mut report, &today());
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(reg) = &registry {
        for r in &mut report.remediations {
            r.patches = reg
                .for_release(&r.dist, &r.version)
                .map(|e| e.path.display().to_string())
                .collect();
        }
    }
    if args.format == AuditFormat::CyclonedxVex && vex.is_none() {
        vex = Some(project_vex(&args.path)?);
    }
    let mut out = BufWriter::new(io::stdout().lock());
    renderer(args.format, vex).render(&report, &mut out)?;
    out.flush()?;
    let threshold = args.severity_threshold.map(|s| match s {
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    });
    let code = exit::findings(!args.exit_zero && report.fails(threshold));
    // The process ends here: freeing the database and the report one
    // allocation at a time would only cost time.
    std::mem::forget(report);
    std::mem::forget(db);
    Ok(code)
}

/// Reads the project `args` names and scans it against `db`: the report
/// (its problems not yet printed) and, for a CycloneDX VEX of an SBOM
/// input, the VEX renderer.
fn scan_project(
    args: &AuditArgs,
    db: &Database,
) -> anyhow::Result<(cpansec_audit::Report, Option<CycloneDxVex>)> {
    let mut phases: Vec<Phase> = args
        .phase
        .iter()
        .map(|p| p.parse().unwrap_or(Phase::Runtime))
        .collect();
    if args.prod {
        phases = vec![Phase::Runtime];
    }
    let opts = LoadOptions {
        phases: (!phases.is_empty()).then_some(phases),
        features: (!args.with_feature.is_empty()).then(|| args.with_feature.clone()),
        packages: match &args.packages {
            Some(p) => Some(std::sync::Arc::new(cpansec_meta::Packages::read(p)?)),
            None => None,
        },
    };
    let mut perl_target = match &args.perl_version {
        Some(v) => {
            Some(PerlTarget::new(v, "--perl-version").map_err(|e| UsageError(e.to_string()))?)
        }
        None => None,
    };
    let mut vex = None;
    let set = if let Some(sbom) = &args.sbom {
        let input = DependencySet::from_sbom(sbom)?;
        if args.format == AuditFormat::CyclonedxVex {
            vex = Some(CycloneDxVex {
                refs: input.refs,
                timestamp: super::sbom::created()?.to_string(),
                sbom_serial: match input.document.kind {
                    SbomKind::CycloneDx(_) => input.document.serial,
                    _ => None,
                },
            });
        }
        Ok(input.set)
    } else if let Some(inst) = installed(args, &mut perl_target)? {
        DependencySet::from_installation(&inst, db, &opts)
    } else if args.path.is_dir() {
        DependencySet::from_dir(&args.path, db, &opts)
    } else if args.path.is_file() {
        DependencySet::from_file(&args.path, db, &opts)
    } else {
        Err(Error::Io {
            path: args.path.clone(),
            source: io::Error::new(io::ErrorKind::NotFound, "no such file or directory"),
        })
    };
    let mut set = match set {
        Err(
            e @ (Error::NothingToScan(_) | Error::NothingInstalled(_) | Error::NothingInArchive(_)),
        ) => {
            return Err(UsageError(e.to_string()).into());
        }
        other => other?,
    };
    if let Some(perl) = &perl_target {
        set.add_perl(perl, db, &opts);
    }
    let report = scan(db, &set);
    // As the report and database: the process ends soon after.
    std::mem::forget(set);
    Ok((report, vex))
}

fn render(report: &cpansec_audit::Report, format: AuditFormat) -> anyhow::Result<()> {
    let vex = match format {
        AuditFormat::CyclonedxVex => Some(CycloneDxVex {
            timestamp: super::sbom::created()?.to_string(),
            ..Default::default()
        }),
        _ => None,
    };
    let mut out = BufWriter::new(io::stdout().lock());
    renderer(format, vex).render(report, &mut out)?;
    out.flush()?;
    Ok(())
}

/// The renderer of `format`; `vex` is the CycloneDX VEX renderer to use for
/// `cyclonedx-vex`.
fn renderer(format: AuditFormat, vex: Option<CycloneDxVex>) -> Box<dyn Renderer> {
    let format = match format {
        AuditFormat::Table => Format::Table {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && io::stdout().is_terminal(),
        },
        AuditFormat::Json => Format::Json,
        AuditFormat::Sarif => Format::Sarif,
        AuditFormat::Markdown => Format::Markdown,
        AuditFormat::CyclonedxVex => return Box::new(vex.unwrap_or_default()),
    };
    format.renderer()
}

/// The VEX renderer for a project: the bom-refs and serial number of the
/// CycloneDX SBOM `cpansec sbom` writes for the same directory (a snapshot
/// file's directory) at the same time.
fn project_vex(path: &Path) -> anyhow::Result<CycloneDxVex> {
    let created = super::sbom::created()?;
    let dir = if path.is_dir() {
        path
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let sbom = Sbom::from_project(dir, &SbomOptions::new(created))?;
    let refs = sbom
        .components
        .iter()
        .filter_map(|c| {
            let v = c.version.clone()?;
            Some(((c.name.clone(), v), c.id.as_str().to_string()))
        })
        .rev()
        .collect();
    Ok(CycloneDxVex {
        refs,
        timestamp: created.to_string(),
        sbom_serial: Some(cpansec_sbom::cyclonedx::serial_number(
            &sbom,
            cpansec_sbom::cyclonedx::Version::V1_6,
        )),
    })
}

/// `--installed [DIR...]` / `--perl PATH`: the installation to audit, or
/// `None` for a project. A perl that is run (`--perl`, or `perl` on PATH
/// when `--installed` names no directory) sets `perl` unless
/// `--perl-version` did.
fn installed(
    args: &AuditArgs,
    perl: &mut Option<PerlTarget>,
) -> anyhow::Result<Option<cpansec_meta::Installation>> {
    let dirs = match (&args.installed, &args.perl) {
        (None, None) => return Ok(None),
        (Some(d), _) => d.clone(),
        (None, Some(_)) => Vec::new(),
    };
    let info = match (&args.perl, dirs.is_empty()) {
        (Some(p), _) => Some(query_perl(p, PERL_TIMEOUT)?),
        (None, true) => Some(query_perl(Path::new("perl"), PERL_TIMEOUT)?),
        (None, false) => None,
    };
    if let (None, Some(i)) = (&perl, &info) {
        *perl = Some(PerlTarget::new(&i.version, &i.path.display().to_string())?);
    }
    Ok(Some(if dirs.is_empty() {
        let inc = info.map(|i| i.inc).unwrap_or_default();
        cpansec_meta::Installation::walk_libraries(inc, cpansec_meta::WalkLimits::default())
    } else {
        for d in &dirs {
            if !d.is_dir() {
                return Err(Error::Io {
                    path: d.clone(),
                    source: io::Error::new(io::ErrorKind::NotFound, "not a readable directory"),
                }
                .into());
            }
        }
        cpansec_meta::Installation::discover(&dirs)
    }))
}

/// `audit dist|module NAME [SPEC]`: exit 1 when the spec is affected.
fn query(q: AuditQuery) -> anyhow::Result<u8> {
    let (name, spec, db_path, format, is_module) = match q {
        AuditQuery::Dist {
            name,
            spec,
            db,
            format,
        } => (name, spec, db, format, false),
        AuditQuery::Module {
            name,
            spec,
            db,
            format,
        } => (name, spec, db, format, true),
    };
    let (db, _) = super::db::open(db_path.as_deref())?;
    let dist = if is_module {
        db.distribution_of_module(&name)
            .ok_or_else(|| {
                UsageError(format!(
                    "module {name} is not in the advisory database's module map"
                ))
            })?
            .to_string()
    } else {
        name.clone()
    };
    if dist == "perl" {
        return Err(UsageError(format!(
            "{name} belongs to perl itself; audit the interpreter, not its core pragmas"
        ))
        .into());
    }
    let set = DependencySet::query(&dist, spec.as_deref(), "command line").map_err(UsageError)?;
    let report = scan(&db, &set);
    render(&report, format)?;
    Ok(exit::findings(!report.findings.is_empty()))
}

/// Today's date (UTC) as `YYYY-MM-DD`, for ignore expiry.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let days = secs.div_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
