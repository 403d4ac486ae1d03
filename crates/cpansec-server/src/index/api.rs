//! The JSON API. `/v1/query`, `/v1/querybatch` and `/v1/vulns/{id}` follow
//! osv.dev's v1 API (request and response shapes, `{}` for no result,
//! `{"code", "message"}` errors with gRPC status codes); the ecosystem is
//! `CPAN` and package names are distribution names (a module name is
//! mapped to its distribution through the database's module map).
//!
//! A version matches an advisory when the advisory affects it or when its
//! answer depends on a range that does not parse (the record's
//! `database_specific.unparsed_ranges` says which): unknown is reported,
//! never silently dropped.

use std::fmt::Write as _;
use std::path::Path;

use cpansec_advisory::{Advisory, Id, Verdict};
use cpansec_audit::deps::{CPANFILE, LoadOptions, META_FILES, SNAPSHOT};
use cpansec_audit::{DependencySet, Format, scan};
use cpansec_meta::Purl;
use cpansec_version::Version;
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::Snapshot;
use super::markup::Seg;

/// The most queries one `/v1/querybatch` request may hold (osv.dev's limit).
pub const MAX_BATCH: usize = 1000;

/// An API error: HTTP status, gRPC-style code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: u8,
    pub message: String,
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            code: 3,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 404,
            code: 5,
            message: message.into(),
        }
    }

    pub fn body(&self) -> String {
        json!({"code": self.code, "message": self.message}).to_string()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct QueryPackage {
    pub name: Option<String>,
    pub ecosystem: Option<String>,
    pub purl: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub commit: Option<String>,
    pub version: Option<String>,
    pub package: Option<QueryPackage>,
    pub page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Batch {
    pub queries: Vec<Query>,
}

/// Reads a JSON request body, naming the place of a syntax error.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("invalid request body: {e}")))
}

/// The advisories one query matches.
pub fn run_query<'a>(s: &'a Snapshot, q: &Query) -> Result<Vec<&'a Advisory>, ApiError> {
    if q.page_token.as_deref().is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::invalid(
            "unknown page_token: this index answers in one page",
        ));
    }
    if q.commit.is_some() {
        return Err(ApiError::invalid(
            "queries by commit are not supported: CPAN advisories name releases",
        ));
    }
    let Some(p) = &q.package else {
        return Err(ApiError::invalid(
            "a query needs a package (name and ecosystem, or purl)",
        ));
    };
    let (name, version) = match (&p.purl, &p.name) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "give the package as a name or as a purl, not both",
            ));
        }
        (Some(purl), None) => {
            if p.ecosystem.is_some() {
                return Err(ApiError::invalid(
                    "a purl carries its ecosystem: drop \"ecosystem\"",
                ));
            }
            let purl = Purl::parse(purl).map_err(|e| ApiError::invalid(e.to_string()))?;
            let version = match (purl.version(), &q.version) {
                (Some(_), Some(_)) => {
                    return Err(ApiError::invalid(
                        "the version is given twice, in the purl and in \"version\"",
                    ));
                }
                (Some(v), None) => Some(v.to_string()),
                (None, v) => v.clone(),
            };
            (purl.name().to_string(), version)
        }
        (None, Some(name)) => {
            match p.ecosystem.as_deref() {
                Some("CPAN") => {}
                Some(other) => {
                    return Err(ApiError::invalid(format!(
                        "ecosystem {other:?}: this index holds the CPAN ecosystem only"
                    )));
                }
                None => {
                    return Err(ApiError::invalid(
                        "a package name needs \"ecosystem\": \"CPAN\"",
                    ));
                }
            }
            (name.clone(), q.version.clone())
        }
        (None, None) => return Err(ApiError::invalid("a package needs a name or a purl")),
    };
    let version = match version.as_deref() {
        None => None,
        Some(text) => Some(
            Version::parse(text)
                .map_err(|e| ApiError::invalid(format!("version {text:?} does not parse: {e}")))?,
        ),
    };
    Ok(match s.resolve_package(&name) {
        Some(dist) => s.matching(dist, version.as_ref()),
        None => Vec::new(),
    })
}

/// `{"vulns": [full records]}`, or `{}` when none.
pub fn query_response(s: &Snapshot, found: &[&Advisory]) -> String {
    if found.is_empty() {
        return "{}".to_string();
    }
    let mut out = String::with_capacity(found.len() * 2048);
    out.push_str("{\"vulns\":[");
    for (i, a) in found.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let Some(r) = s.osv.get(&a.id) {
            out.push_str(&r.compact);
        }
    }
    out.push_str("]}");
    out
}

/// `{"results": [{"vulns": [{"id", "modified"}]} | {}]}`.
pub fn batch_response(s: &Snapshot, batch: &Batch) -> Result<String, ApiError> {
    if batch.queries.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!(
            "{} queries: at most {MAX_BATCH} per batch",
            batch.queries.len()
        )));
    }
    let mut out = String::from("{\"results\":[");
    for (i, q) in batch.queries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let found = run_query(s, q).map_err(|e| ApiError {
            message: format!("query {i}: {}", e.message),
            ..e
        })?;
        if found.is_empty() {
            out.push_str("{}");
            continue;
        }
        out.push_str("{\"vulns\":[");
        for (j, a) in found.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let modified = s.osv.get(&a.id).map_or("", |r| r.modified.as_str());
            let _ = write!(
                out,
                "{}",
                json!({"id": a.id.as_str(), "modified": modified})
            );
        }
        out.push_str("]}");
    }
    out.push_str("]}");
    Ok(out)
}

/// `/v1/vulns/{id}`: the record, and the other advisories an alias names.
pub fn vuln<'a>(s: &'a Snapshot, id: &str) -> Result<(&'a str, Vec<&'a Id>), ApiError> {
    let parsed: Id = id
        .parse()
        .map_err(|e: cpansec_advisory::IdError| ApiError::invalid(e.to_string()))?;
    let found = s.db.lookup(&parsed);
    let Some(first) = found.first() else {
        return Err(ApiError::not_found(format!("no advisory {parsed}")));
    };
    let record = s
        .osv
        .get(&first.id)
        .map(|r| r.compact.as_str())
        .ok_or_else(|| ApiError::not_found(format!("no advisory {parsed}")))?;
    Ok((record, found[1..].iter().map(|a| &a.id).collect()))
}

/// `/v1/dists/{dist}`.
pub fn dist(s: &Snapshot, name: &str) -> Result<String, ApiError> {
    let d = s
        .db
        .distribution(name)
        .ok_or_else(|| ApiError::not_found(format!("no distribution {name} in the database")))?;
    let advisories: Vec<Value> =
        s.db.advisories_for(name)
            .into_iter()
            .map(|a| {
                json!({
                    "id": a.id.as_str(),
                    "aliases": a.aliases.iter().map(Id::as_str).collect::<Vec<_>>(),
                    "severity": a.severity,
                    "reported": a.reported,
                    "summary": super::html::summary(a),
                    "url": format!("/v1/vulns/{}", Seg(a.id.as_str())),
                })
            })
            .collect();
    let releases: Option<Vec<Value>> = s.release_verdicts(name).map(|rel| {
        rel.iter()
            .map(|r| {
                json!({
                    "version": r.version,
                    "date": r.date,
                    "verdict": verdict_name(r.verdict),
                    "advisories": r.affected_by.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
                    "uncertain": r.unknown_by.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
                })
            })
            .collect()
    });
    let patches: Vec<Value> = s
        .patches
        .iter()
        .flat_map(|reg| reg.entries())
        .filter(|e| e.dist == d.name && !e.superseded)
        .map(|e| {
            json!({
                "version": e.version,
                "cve": e.name.cve,
                "revision": e.name.revision,
                "usable": e.patch.is_ok(),
                "url": patch_url(e),
            })
        })
        .collect();
    let first_safe = s
        .first_safe(name)
        .map(|(v, date)| json!({"version": v, "date": date}));
    Ok(json!({
        "name": d.name,
        "main_module": d.main_module,
        "advisories": advisories,
        "releases": releases,
        "first_safe_release": first_safe,
        "patches": patches,
    })
    .to_string())
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Affected => "affected",
        Verdict::NotAffected => "not-affected",
        Verdict::Unknown => "unknown",
    }
}

/// Where the index serves a patch.
pub fn patch_url(e: &cpansec_patch::Entry) -> String {
    format!(
        "/patches/{}/{}/{}.patch",
        Seg(&e.dist),
        Seg(&e.version),
        Seg(&e.name.to_string())
    )
}

/// The files `/v1/audit` reads, by the name the project would give them.
fn audit_file_name(name: &str) -> bool {
    name == SNAPSHOT || name == CPANFILE || META_FILES.contains(&name)
}

/// Which file a single uploaded body is, from `?file=` or its content.
fn sniff(body: &str) -> &'static str {
    let t = body.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("# carton snapshot format") || t.starts_with("DISTRIBUTIONS") {
        SNAPSHOT
    } else if t.starts_with('{') {
        "META.json"
    } else if t.starts_with("---") || t.contains("\nmeta-spec:") || t.starts_with("name:") {
        "META.yml"
    } else {
        CPANFILE
    }
}

/// `POST /v1/audit`: the body is one file (named by `file`, else
/// recognised by its content) or a JSON object of file name -> content
/// (`cpanfile.snapshot` with its `cpanfile`). The answer is the
/// `cpansec audit --format json` document; file names in it are the
/// uploaded names.
pub fn audit(s: &Snapshot, body: &[u8], file: Option<&str>) -> Result<String, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::invalid(format!("the body is not UTF-8: {e}")))?;
    let mut files: Vec<(String, &str)> = Vec::new();
    if let Some(name) = file {
        if !audit_file_name(name) {
            return Err(ApiError::invalid(format!(
                "file {name:?}: expected {SNAPSHOT}, {CPANFILE} or one of {}",
                META_FILES.join(", ")
            )));
        }
        files.push((name.to_string(), text));
    } else if let Some(map) = serde_json::from_str::<serde_json::Map<String, Value>>(text)
        .ok()
        .filter(|m| !m.is_empty() && m.iter().all(|(k, v)| audit_file_name(k) && v.is_string()))
    {
        for (k, v) in &map {
            files.push((k.clone(), v.as_str().unwrap_or_default()));
        }
        return audit_files(
            s,
            &files
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect::<Vec<_>>(),
        );
    } else {
        files.push((sniff(text).to_string(), text));
    }
    audit_files(
        s,
        &files
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect::<Vec<_>>(),
    )
}

fn audit_files(s: &Snapshot, files: &[(&str, &str)]) -> Result<String, ApiError> {
    let dir = tempfile::tempdir().map_err(|e| ApiError {
        status: 500,
        code: 13,
        message: format!("temporary directory: {e}"),
    })?;
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).map_err(|e| ApiError {
            status: 500,
            code: 13,
            message: format!("temporary file: {e}"),
        })?;
    }
    let prefix = format!("{}/", dir.path().display());
    let strip = |t: &str| t.replace(&prefix, "");
    let mut set =
        DependencySet::from_dir(dir.path(), &s.db, &LoadOptions::default()).map_err(|e| {
            ApiError {
                status: 422,
                code: 3,
                message: strip(&e.to_string()),
            }
        })?;
    relativize(&mut set, dir.path());
    let mut report = scan(&s.db, &set);
    if let Some(reg) = &s.patches {
        for r in &mut report.remediations {
            r.patches = reg
                .for_release(&r.dist, &r.version)
                .map(patch_url)
                .collect();
        }
    }
    let mut out = Vec::new();
    Format::Json
        .renderer()
        .render(&report, &mut out)
        .map_err(|e| ApiError {
            status: 500,
            code: 13,
            message: e.to_string(),
        })?;
    String::from_utf8(out).map_err(|e| ApiError {
        status: 500,
        code: 13,
        message: e.to_string(),
    })
}

/// Replaces the temporary directory in every file name of `set`.
fn relativize(set: &mut DependencySet, dir: &Path) {
    let prefix = format!("{}/", dir.display());
    let fix = |s: &mut String| {
        if let Some(rest) = s.strip_prefix(&prefix) {
            *s = rest.to_string();
        } else if s.contains(&prefix) {
            *s = s.replace(&prefix, "");
        }
    };
    set.inputs.iter_mut().for_each(fix);
    set.problems.iter_mut().for_each(fix);
    for d in &mut set.dependencies {
        fix(&mut d.origin.file);
        for r in &mut d.reached {
            if let Some(o) = &mut r.origin {
                fix(&mut o.file);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_files_are_recognised_by_content() {
        assert_eq!(sniff("# carton snapshot format: version 1.0\n"), SNAPSHOT);
        assert_eq!(sniff("{\"name\":\"X\"}"), "META.json");
        assert_eq!(sniff("---\nname: X\n"), "META.yml");
        assert_eq!(sniff("requires 'Moo';\n"), CPANFILE);
    }
}
