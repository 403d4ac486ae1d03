//! The CPAN security team's CNA workflow: a CVE record written as YAML
//! (`cpansec-cna-schema-01.yaml`), turned into a CVE JSON 5.1 record, linted,
//! announced, and drafted from an advisory that has no CVE yet.
//!
//! - [`model`]: the YAML document, read with lines and columns, validated
//!   on reading ([`parse`]) or fully reported ([`check`]).
//! - [`record`]: the CVE 5.1 record ([`build_record`]), optionally
//!   reconciled with the record already published ([`reconcile`]).
//! - [`announce`]: the announcement text mailed to oss-security.
//! - [`draft`]: a CVE 5.1 draft for a database advisory without a CVE.
//!
//! # What the YAML does not determine
//!
//! Built from the YAML alone, these fields carry fixed or generated values,
//! and a record edited after publication (in Vulnogram) may differ there:
//! `cveMetadata` (`assignerOrgId`, `requesterUserId`, `serial`, `state`,
//! dates), `providerMetadata.orgId`, `x_generator`, `source.discovery`
//! (always `UNKNOWN`), the HTML `supportingMedia` of descriptions,
//! solutions and workarounds (generated as one `<div>` per paragraph; the
//! published HTML is hand-edited and sometimes says something else than the
//! plain text), `problemTypes` and `impacts` added after publication,
//! `metrics` (the YAML has no CVSS), `datePublic`, and the grouping of
//! several CWEs (one `problemTypes` entry holding all of them).
//! [`reconcile`] keeps those from the published record when the YAML agrees
//! with it on everything the YAML does say.

mod announce;
mod draft;
mod model;
mod record;

pub use announce::announcement;
pub use draft::{DRAFT_CVE_ID, draft_record};
pub use model::{
    AffectedRange, CnaDocument, Credit, Located, MAX_CNA_YAML_LEN, REFERENCE_TAGS, Reference,
    TimelineEvent, split_capec, split_cwe,
};
pub use record::{BuildOptions, DEFAULT_ORG_ID, Kept, build_record, reconcile};

use std::collections::BTreeSet;

/// How serious a [`Problem`] is: errors fail `cve check` and block a build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

/// One problem of a CNA YAML document, at a field path
/// (`cpansec.references[1].tags[0]`) and its line and column (0 when the
/// field is missing altogether).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    pub line: u64,
    pub column: u64,
    pub level: Level,
    /// Stable kebab-case rule name.
    pub rule: &'static str,
    pub path: String,
    pub message: String,
}

impl Problem {
    fn at(
        level: Level,
        rule: &'static str,
        path: String,
        at: &Located,
        message: String,
    ) -> Problem {
        Problem {
            line: at.line,
            column: at.column,
            level,
            rule,
            path,
            message,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(
            f,
            "{}:{}: {level}[{}] {}: {}",
            self.line, self.column, self.rule, self.path, self.message
        )
    }
}

/// Why a CNA YAML document could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CnaError {
    /// Not YAML, or not the document's shape (wrong type, unknown or
    /// missing field).
    #[error("{line}:{column}: {message}")]
    Yaml {
        line: u64,
        column: u64,
        message: String,
    },
    /// Bigger than [`MAX_CNA_YAML_LEN`].
    #[error("{size} bytes is more than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    /// The document has the right shape but breaks schema rules; every
    /// error is listed.
    #[error("{} schema error(s), first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<Problem>),
    /// A published record given for reconciliation is not a CVE record.
    #[error("published record: {0}")]
    Published(String),
    /// The file could not be read.
    #[error("{path}: {err}")]
    Io {
        path: String,
        #[source]
        err: std::io::Error,
    },
}

/// Reads a CNA YAML (or published JSON) file, refusing more than
/// [`MAX_CNA_YAML_LEN`] bytes and text that is not UTF-8.
pub fn read_text(path: &std::path::Path) -> Result<String, CnaError> {
    use std::io::Read;
    let io = |err| CnaError::Io {
        path: path.display().to_string(),
        err,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_CNA_YAML_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_CNA_YAML_LEN {
        return Err(CnaError::TooLarge {
            size: bytes.len(),
            limit: MAX_CNA_YAML_LEN,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8: {e}"),
        ))
    })
}

/// Reads and validates a CNA YAML document: `Ok` only when it satisfies
/// the schema (house-style warnings do not prevent it).
pub fn parse(text: &str) -> Result<CnaDocument, CnaError> {
    let (doc, mut problems) = model::read(text)?;
    problems.extend(schema_problems(&doc));
    problems.retain(|p| p.level == Level::Error);
    if problems.is_empty() {
        Ok(doc)
    } else {
        problems.sort();
        Err(CnaError::Invalid(problems))
    }
}

/// Every problem of a document, schema errors and house-style warnings,
/// sorted by place. A document that cannot be read at all yields its one
/// reading error as a problem at `cpansec`.
pub fn check(text: &str) -> Vec<Problem> {
    let (doc, mut problems) = match model::read(text) {
        Ok(x) => x,
        Err(CnaError::Yaml {
            line,
            column,
            message,
        }) => {
            return vec![Problem {
                line,
                column,
                level: Level::Error,
                rule: "yaml",
                path: "cpansec".into(),
                message,
            }];
        }
        Err(e) => {
            return vec![Problem {
                line: 0,
                column: 0,
                level: Level::Error,
                rule: "yaml",
                path: "cpansec".into(),
                message: e.to_string(),
            }];
        }
    };
    problems.extend(schema_problems(&doc));
    problems.extend(style_problems(&doc));
    problems.sort();
    problems
}

fn err(rule: &'static str, path: String, at: &Located, message: String) -> Problem {
    Problem::at(Level::Error, rule, path, at, message)
}

fn warn(rule: &'static str, path: String, at: &Located, message: String) -> Problem {
    Problem::at(Level::Warning, rule, path, at, message)
}

fn unique(out: &mut Vec<Problem>, field: &str, items: &[&Located]) {
    let mut seen = BTreeSet::new();
    for (i, x) in items.iter().enumerate() {
        if !seen.insert(x.value.as_str()) {
            out.push(err(
                "duplicate",
                format!("cpansec.{field}[{i}]"),
                x,
                format!("{:?} is listed twice", x.value),
            ));
        }
    }
}

/// The schema's rules beyond shape: patterns, formats, enums, minItems,
/// uniqueItems.
fn schema_problems(d: &CnaDocument) -> Vec<Problem> {
    let mut out = Vec::new();
    if !model::is_cve_id(&d.cve.value) {
        out.push(err(
            "cve-id",
            "cpansec.cve".into(),
            &d.cve,
            format!("{:?} is not CVE-YYYY-NNNN", d.cve.value),
        ));
    }
    let pat = |s: &str, extra: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    if !pat(&d.distribution.value, "_-") {
        out.push(err(
            "distribution-name",
            "cpansec.distribution".into(),
            &d.distribution,
            format!(
                "{:?} is not a distribution name ([A-Za-z0-9_-]+)",
                d.distribution.value
            ),
        ));
    }
    if !pat(&d.module.value, "_:") {
        out.push(err(
            "module-name",
            "cpansec.module".into(),
            &d.module,
            format!("{:?} is not a module name ([A-Za-z0-9_:]+)", d.module.value),
        ));
    }
    if d.author.value.is_empty()
        || !d
            .author
            .value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        out.push(err(
            "author-id",
            "cpansec.author".into(),
            &d.author,
            format!("{:?} is not a PAUSE id ([A-Z0-9]+)", d.author.value),
        ));
    }
    if let Some(r) = &d.repo
        && !model::is_uri(&r.value)
    {
        out.push(err(
            "uri",
            "cpansec.repo".into(),
            r,
            format!("{:?} is not a URI", r.value),
        ));
    }
    if d.affected.is_empty() {
        out.push(err(
            "affected-empty",
            "cpansec.affected".into(),
            &d.cve,
            "at least one affected version or range is required".into(),
        ));
    }
    for (i, c) in d.cwes.iter().enumerate() {
        if split_cwe(&c.value).is_none() {
            out.push(err(
                "cwe",
                format!("cpansec.cwes[{i}]"),
                c,
                format!("{:?} is not `CWE-N Name`", c.value),
            ));
        }
    }
    unique(&mut out, "cwes", &d.cwes.iter().collect::<Vec<_>>());
    unique(&mut out, "files", &d.files.iter().collect::<Vec<_>>());
    unique(&mut out, "routines", &d.routines.iter().collect::<Vec<_>>());
    for (i, c) in d.impacts.iter().enumerate() {
        if split_capec(&c.value).is_none() {
            out.push(err(
                "capec",
                format!("cpansec.impacts[{i}]"),
                c,
                format!("{:?} is not `CAPEC-N Name`", c.value),
            ));
        }
    }
    unique(&mut out, "impacts", &d.impacts.iter().collect::<Vec<_>>());
    for (i, t) in d.timeline.iter().enumerate() {
        if !model::is_timeline_time(&t.time.value) {
            out.push(err(
                "timeline-time",
                format!("cpansec.timeline[{i}].time"),
                &t.time,
                format!(
                    "{:?} is not YYYY-MM-DD[THH:MM:SS[.f][Z|±HH:MM]]",
                    t.time.value
                ),
            ));
        }
    }
    if d.references.is_empty() {
        out.push(err(
            "references-empty",
            "cpansec.references".into(),
            &d.cve,
            "at least one reference is required".into(),
        ));
    }
    unique(
        &mut out,
        "references",
        &d.references.iter().map(|r| &r.link).collect::<Vec<_>>(),
    );
    for (i, r) in d.references.iter().enumerate() {
        if !model::is_uri(&r.link.value) {
            out.push(err(
                "uri",
                format!("cpansec.references[{i}].link"),
                &r.link,
                format!("{:?} is not a URI", r.link.value),
            ));
        }
        if let Some(n) = &r.name
            && !(1..=512).contains(&n.value.chars().count())
        {
            out.push(err(
                "reference-name",
                format!("cpansec.references[{i}].name"),
                n,
                "a name must be 1 to 512 characters".into(),
            ));
        }
        for (j, t) in r.tags.iter().enumerate() {
            if !REFERENCE_TAGS.contains(&t.value.as_str()) {
                out.push(err(
                    "reference-tag",
                    format!("cpansec.references[{i}].tags[{j}]"),
                    t,
                    format!("{:?} is not one of {}", t.value, REFERENCE_TAGS.join(", ")),
                ));
            }
        }
        unique(
            &mut out,
            &format!("references[{i}].tags"),
            &r.tags.iter().collect::<Vec<_>>(),
        );
    }
    out
}

/// Marks of an unfinished template.
fn placeholder(s: &str) -> bool {
    s.contains("TODO") || s.contains("FIXME") || s.contains("XXX") || s.contains("example.invalid")
}

/// House style: no template placeholders, no reserved test ids, titles
/// that name the module and "for Perl" and end without a period, a
/// description that is more than the title, a solution or mitigation.
fn style_problems(d: &CnaDocument) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut fields: Vec<(String, &Located)> = vec![
        ("cpansec.title".into(), &d.title),
        ("cpansec.description".into(), &d.description),
        ("cpansec.distribution".into(), &d.distribution),
        ("cpansec.module".into(), &d.module),
        ("cpansec.author".into(), &d.author),
    ];
    for (i, (l, _)) in d.affected.iter().enumerate() {
        fields.push((format!("cpansec.affected[{i}]"), l));
    }
    for (i, r) in d.references.iter().enumerate() {
        fields.push((format!("cpansec.references[{i}].link"), &r.link));
    }
    for (path, l) in fields {
        if placeholder(&l.value) {
            out.push(err(
                "placeholder",
                path,
                l,
                format!(
                    "{:?} is template text still to be filled in",
                    l.value.trim()
                ),
            ));
        }
    }
    if d.cve.value.starts_with("CVE-1900-") {
        out.push(warn(
            "test-id",
            "cpansec.cve".into(),
            &d.cve,
            "CVE-1900-* is the reserved test range, not an assigned id".into(),
        ));
    }
    if d.author.value == "AUTHOR" {
        out.push(err(
            "placeholder",
            "cpansec.author".into(),
            &d.author,
            "\"AUTHOR\" is the template's PAUSE id".into(),
        ));
    }
    let title = record::single_line(&d.title.value);
    if !title.contains(&d.module.value) {
        out.push(warn(
            "title-module",
            "cpansec.title".into(),
            &d.title,
            format!("the title should name the module {}", d.module.value),
        ));
    }
    if !title.contains("for Perl") {
        out.push(warn(
            "title-for-perl",
            "cpansec.title".into(),
            &d.title,
            "the title should say \"for Perl\"".into(),
        ));
    }
    if title.ends_with('.') {
        out.push(warn(
            "title-period",
            "cpansec.title".into(),
            &d.title,
            "the title ends with a period (it is dropped in the record)".into(),
        ));
    }
    if title.chars().count() > 200 {
        out.push(warn(
            "title-length",
            "cpansec.title".into(),
            &d.title,
            "the title is longer than 200 characters".into(),
        ));
    }
    let desc = record::prose(&d.description.value);
    if desc.trim_end_matches('.') == title.trim_end_matches('.') {
        out.push(warn(
            "description-is-title",
            "cpansec.description".into(),
            &d.description,
            "the description only repeats the title".into(),
        ));
    }
    if d.solution.is_empty() && d.mitigation.is_empty() {
        out.push(warn(
            "no-remedy",
            "cpansec".into(),
            &d.cve,
            "neither solution nor mitigation says what users should do".into(),
        ));
    }
    if d.cwes.is_empty() {
        out.push(warn(
            "no-cwe",
            "cpansec.cwes".into(),
            &d.cve,
            "no CWE classifies the weakness".into(),
        ));
    }
    for (i, r) in d.references.iter().enumerate() {
        if r.link.value.starts_with("http://") {
            out.push(warn(
                "insecure-link",
                format!("cpansec.references[{i}].link"),
                &r.link,
                "use https".into(),
            ));
        }
    }
    out
}
