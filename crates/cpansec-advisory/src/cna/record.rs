//! The CVE JSON 5.1 record built from a [`CnaDocument`], and its
//! reconciliation with a record already published.
//!
//! Mapping (YAML -> `containers.cna`): `distribution` -> `packageName`,
//! `module` -> `product`, `author` -> `vendor`, `repo`, `files` ->
//! `programFiles`, `routines` -> `programRoutines`, `affected` -> `versions`
//! (`custom` version type; an upper bound alone starts at `0`), `title` on
//! one line without a final period, `description`/`solution`/`mitigation`
//! reflowed (lines of a paragraph joined, indented lines kept as written),
//! each solution or mitigation paragraph its own entry, `cwes` ->
//! `problemTypes` (one entry holding all), `impacts`, `credits`,
//! `timeline` (a date alone gets `T00:00:00Z`), `references` (tags
//! `advisory` -> `vendor-advisory`, `misc` -> `related`, `article` ->
//! `media-coverage`: the CVE tag names).

use serde_json::{Map, Value, json};

use super::CnaError;
use super::model::{AffectedRange, CnaDocument, split_capec, split_cwe};

/// The organisation id written when none is given: the zero UUID the
/// team's published fixtures carry in place of the real one.
pub const DEFAULT_ORG_ID: &str = "00000000-0000-4000-9000-000000000000";

/// Settings of a build that the YAML does not carry.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// `assignerOrgId`, `requesterUserId` and `providerMetadata.orgId`.
    pub org_id: String,
    /// `x_generator.engine`.
    pub generator: String,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            org_id: DEFAULT_ORG_ID.into(),
            generator: format!("cpansec {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Collapses all whitespace to single spaces, trimmed.
pub(super) fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Paragraphs of prose: blank lines separate them; the lines of a
/// paragraph are joined with one space; runs of indented lines (code,
/// lists) are kept line by line.
pub(super) fn paragraphs(s: &str) -> Vec<String> {
    let text = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut pre = false;
    let flush = |cur: &mut Vec<&str>, pre: bool, out: &mut Vec<String>| {
        if cur.is_empty() {
            return;
        }
        if pre {
            out.push(cur.join("\n"));
        } else {
            out.push(cur.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "));
        }
        cur.clear();
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut cur, pre, &mut out);
            continue;
        }
        let is_pre = line.starts_with(char::is_whitespace);
        if !cur.is_empty() && is_pre != pre {
            flush(&mut cur, pre, &mut out);
        }
        pre = is_pre;
        cur.push(line.trim_end());
    }
    flush(&mut cur, pre, &mut out);
    out
}

/// [`paragraphs`] joined by a blank line.
pub(super) fn prose(s: &str) -> String {
    paragraphs(s).join("\n\n")
}

/// The record title: one line, no final period.
pub(super) fn title(s: &str) -> String {
    let t = single_line(s);
    match t.strip_suffix('.') {
        Some(x) if !x.ends_with('.') => x.to_string(),
        _ => t,
    }
}

fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\n' => o.push_str("<br>"),
            c => o.push(c),
        }
    }
    o
}

/// An English text entry with its HTML rendering, one `<div>` per paragraph.
fn text_entry(paras: &[String]) -> Value {
    let html: String = paras
        .iter()
        .map(|p| format!("<div>{}</div>", html_escape(p)))
        .collect();
    json!({
        "lang": "en",
        "value": paras.join("\n\n"),
        "supportingMedia": [{"base64": false, "type": "text/html", "value": html}],
    })
}

fn version_entry(r: &AffectedRange) -> Value {
    let mut v = Map::new();
    v.insert("status".into(), "affected".into());
    v.insert("versionType".into(), "custom".into());
    let (from, bound) = match r {
        AffectedRange::Exact(x) => (x.as_str(), None),
        AffectedRange::UpTo { bound, inclusive } => ("0", Some((bound, *inclusive))),
        AffectedRange::Between {
            from,
            bound,
            inclusive,
        } => (from.as_str(), Some((bound, *inclusive))),
    };
    v.insert("version".into(), from.into());
    if let Some((b, inclusive)) = bound {
        let key = if inclusive {
            "lessThanOrEqual"
        } else {
            "lessThan"
        };
        v.insert(key.into(), b.as_str().into());
    }
    Value::Object(v)
}

/// The CVE reference tag for a CNA schema tag.
fn cve_tag(t: &str) -> &str {
    match t {
        "advisory" => "vendor-advisory",
        "misc" => "related",
        "article" => "media-coverage",
        t => t,
    }
}

/// The full CVE 5.1 record (`dataType: CVE_RECORD`, state `PUBLISHED`) of a
/// validated document. Deterministic: keys are sorted (serde_json maps).
pub fn build_record(d: &CnaDocument, opts: &BuildOptions) -> Value {
    let mut affected = Map::new();
    affected.insert("collectionURL".into(), "https://cpan.org/modules".into());
    affected.insert("defaultStatus".into(), "unaffected".into());
    affected.insert("packageName".into(), d.distribution.value.clone().into());
    affected.insert("product".into(), d.module.value.clone().into());
    affected.insert("vendor".into(), d.author.value.clone().into());
    if let Some(r) = &d.repo {
        affected.insert("repo".into(), r.value.clone().into());
    }
    if !d.files.is_empty() {
        affected.insert(
            "programFiles".into(),
            d.files.iter().map(|f| f.value.clone()).collect(),
        );
    }
    if !d.routines.is_empty() {
        affected.insert(
            "programRoutines".into(),
            d.routines
                .iter()
                .map(|r| json!({"name": r.value}))
                .collect(),
        );
    }
    affected.insert(
        "versions".into(),
        d.affected.iter().map(|(_, r)| version_entry(r)).collect(),
    );

    let mut cna = Map::new();
    cna.insert("affected".into(), json!([affected]));
    cna.insert(
        "descriptions".into(),
        json!([text_entry(&paragraphs(&d.description.value))]),
    );
    cna.insert("providerMetadata".into(), json!({"orgId": opts.org_id}));
    cna.insert(
        "references".into(),
        d.references
            .iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("url".into(), r.link.value.clone().into());
                if let Some(n) = &r.name {
                    o.insert("name".into(), n.value.clone().into());
                }
                if !r.tags.is_empty() {
                    let mut tags: Vec<&str> = Vec::new();
                    for t in &r.tags {
                        let t = cve_tag(&t.value);
                        if !tags.contains(&t) {
                            tags.push(t);
                        }
                    }
                    o.insert("tags".into(), tags.into());
                }
                Value::Object(o)
            })
            .collect(),
    );
    cna.insert("source".into(), json!({"discovery": "UNKNOWN"}));
    cna.insert("title".into(), title(&d.title.value).into());
    cna.insert("x_generator".into(), json!({"engine": opts.generator}));
    if !d.cwes.is_empty() {
        let descs: Vec<Value> = d
            .cwes
            .iter()
            .filter_map(|c| split_cwe(&c.value))
            .map(|(id, name)| {
                json!({"cweId": id, "description": format!("{id} {name}"), "lang": "en", "type": "CWE"})
            })
            .collect();
        cna.insert("problemTypes".into(), json!([{"descriptions": descs}]));
    }
    let texts = |items: &[super::Located]| -> Vec<Value> {
        items
            .iter()
            .flat_map(|s| paragraphs(&s.value))
            .map(|p| text_entry(&[p]))
            .collect()
    };
    let solutions = texts(&d.solution);
    if !solutions.is_empty() {
        cna.insert("solutions".into(), solutions.into());
    }
    let workarounds = texts(&d.mitigation);
    if !workarounds.is_empty() {
        cna.insert("workarounds".into(), workarounds.into());
    }
    if !d.impacts.is_empty() {
        cna.insert(
            "impacts".into(),
            d.impacts
                .iter()
                .filter_map(|i| split_capec(&i.value))
                .map(|(id, name)| {
                    json!({"capecId": id, "descriptions": [{"lang": "en", "value": format!("{id} {name}")}]})
                })
                .collect(),
        );
    }
    if !d.credits.is_empty() {
        cna.insert(
            "credits".into(),
            d.credits
                .iter()
                .map(|c| {
                    json!({
                        "lang": c.lang.as_ref().map_or("en", |l| l.value.as_str()),
                        "type": c.kind.value,
                        "value": c.value.value,
                    })
                })
                .collect(),
        );
    }
    if !d.timeline.is_empty() {
        cna.insert(
            "timeline".into(),
            d.timeline
                .iter()
                .map(|t| {
                    let time = t.time.value.trim();
                    let time = if time.len() == 10 {
                        format!("{time}T00:00:00Z")
                    } else {
                        time.to_string()
                    };
                    json!({"lang": "en", "time": time, "value": t.value.value})
                })
                .collect(),
        );
    }
    json!({
        "containers": {"cna": cna},
        "cveMetadata": {
            "assignerOrgId": opts.org_id,
            "cveId": d.cve.value,
            "requesterUserId": opts.org_id,
            "serial": 1,
            "state": "PUBLISHED",
        },
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
    })
}

/// A field [`reconcile`] took from the published record, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    /// JSON path in the record (`containers.cna.problemTypes`).
    pub field: String,
    pub reason: String,
}

fn en_value(entries: Option<&Value>) -> Option<String> {
    entries?
        .as_array()?
        .iter()
        .find(|e| e.get("lang").and_then(Value::as_str) == Some("en"))?
        .get("value")?
        .as_str()
        .map(single_line)
}

fn same_texts(built: Option<&Value>, published: Option<&Value>) -> bool {
    let vals = |v: Option<&Value>| -> Option<Vec<String>> {
        v?.as_array()?
            .iter()
            .map(|e| e.get("value").and_then(Value::as_str).map(single_line))
            .collect()
    };
    let (Some(a), Some(b)) = (vals(built), vals(published)) else {
        return false;
    };
    a.join(" ") == b.join(" ")
}

fn cwe_set(v: Option<&Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for pt in v.and_then(Value::as_array).into_iter().flatten() {
        for d in pt
            .get("descriptions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = d.get("cweId").and_then(Value::as_str).unwrap_or_default();
            let desc = d
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.push((id.to_string(), single_line(desc)));
        }
    }
    out
}

/// Merges a built record with the record already published for the same
/// CVE, the way an update of a published record must: everything the YAML
/// determines comes from the YAML; where the published text says the same
/// thing (equal up to whitespace and a title's final period) the published
/// wording and its hand-made HTML are kept; CWEs, impacts and other fields
/// added after publication are kept when the YAML's own are all among them.
/// Returns the fields taken from the published record.
pub fn reconcile(built: &mut Value, published: &Value) -> Result<Vec<Kept>, CnaError> {
    let bid = built.pointer("/cveMetadata/cveId").cloned();
    let pid = published.pointer("/cveMetadata/cveId").cloned();
    if pid.is_none() || bid != pid {
        return Err(CnaError::Published(format!(
            "its cveId {} is not the YAML's {}",
            pid.unwrap_or(Value::Null),
            bid.unwrap_or(Value::Null)
        )));
    }
    let Some(pcna) = published
        .pointer("/containers/cna")
        .and_then(Value::as_object)
    else {
        return Err(CnaError::Published("no containers.cna object".into()));
    };
    let mut kept = Vec::new();
    let Some(cna) = built
        .pointer_mut("/containers/cna")
        .and_then(Value::as_object_mut)
    else {
        return Ok(kept);
    };
    let mut keep = |cna: &mut Map<String, Value>, key: &str, reason: &str| {
        if let Some(v) = pcna.get(key) {
            cna.insert(key.into(), v.clone());
            kept.push(Kept {
                field: format!("containers.cna.{key}"),
                reason: reason.into(),
            });
        }
    };
    if cna.get("title").and_then(Value::as_str).map(title)
        == pcna.get("title").and_then(Value::as_str).map(title)
    {
        keep(cna, "title", "same title; published wording kept");
    }
    if en_value(cna.get("descriptions")).is_some()
        && en_value(cna.get("descriptions")) == en_value(pcna.get("descriptions"))
    {
        keep(
            cna,
            "descriptions",
            "same text; published wording and HTML kept",
        );
    }
    for key in ["solutions", "workarounds"] {
        if same_texts(cna.get(key), pcna.get(key)) {
            keep(cna, key, "same text; published wording and HTML kept");
        }
    }
    let ours = cwe_set(cna.get("problemTypes"));
    let theirs = cwe_set(pcna.get("problemTypes"));
    if !theirs.is_empty() && ours.iter().all(|c| theirs.contains(c)) {
        keep(
            cna,
            "problemTypes",
            "every YAML CWE is in the published record, which has these and any added later",
        );
    }
    for key in [
        "impacts",
        "metrics",
        "datePublic",
        "x_generator",
        "providerMetadata",
        "source",
        "credits",
        "timeline",
    ] {
        if !cna.contains_key(key)
            || key == "x_generator"
            || key == "providerMetadata"
            || key == "source"
        {
            keep(cna, key, "not in the YAML; published value kept");
        }
    }
    if let Some(meta) = published.get("cveMetadata")
        && let Some(b) = built.as_object_mut()
    {
        b.insert("cveMetadata".into(), meta.clone());
        kept.push(Kept {
            field: "cveMetadata".into(),
            reason: "record metadata comes from the CVE service".into(),
        });
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_reflows_paragraphs_and_keeps_indented_lines() {
        let p = paragraphs("a\nb\n\n  code 1\n  code 2\nafter\n");
        assert_eq!(p, vec!["a b", "  code 1\n  code 2", "after"]);
        assert_eq!(prose("x\r\ny\r\n\r\nz"), "x y\n\nz");
    }

    #[test]
    fn title_drops_one_final_period() {
        assert_eq!(title("A b\n c.\n"), "A b c");
        assert_eq!(title("Wait..."), "Wait...");
    }

    #[test]
    fn versions() {
        let v = version_entry(&AffectedRange::UpTo {
            bound: "1".into(),
            inclusive: false,
        });
        assert_eq!(
            v,
            json!({"status":"affected","versionType":"custom","version":"0","lessThan":"1"})
        );
    }
}
