//! A CVE 5.1 record drafted from a database advisory that has no CVE: the
//! backlog of old advisories the CNA still has to file.
//!
//! The draft has the shape of a published record so that it validates
//! against the CVE 5.1 schema; its `cveId` is the placeholder
//! [`DRAFT_CVE_ID`] until one is reserved, and `x_cpansecDraft` names the
//! source advisory and lists what a person must still decide (ranges the
//! CVE version model cannot say, a missing CWE, the vendor's PAUSE id).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::record::{BuildOptions, paragraphs, single_line};
use crate::{Advisory, Database};

/// The `cveId` of a draft before an id is reserved.
pub const DRAFT_CVE_ID: &str = "CVE-0000-0000";

/// One CPANSA range clause list (`>=1.08,<1.23`) as a CVE version entry,
/// or `None` when the CVE model cannot express it (`>`, `!=`, two lower
/// bounds, ...).
fn version_entry(range: &str) -> Option<Value> {
    let mut lower: Option<&str> = None;
    let mut upper: Option<(&str, bool)> = None;
    let mut exact: Option<&str> = None;
    for clause in range.split(',').map(str::trim) {
        let (op, v) = if let Some(v) = clause.strip_prefix(">=") {
            (">=", v)
        } else if let Some(v) = clause.strip_prefix("<=") {
            ("<=", v)
        } else if let Some(v) = clause.strip_prefix("==") {
            ("==", v)
        } else if let Some(v) = clause.strip_prefix('<') {
            ("<", v)
        } else if clause.starts_with(['>', '!']) {
            return None;
        } else if let Some(v) = clause.strip_prefix('=') {
            ("==", v)
        } else {
            ("==", clause)
        };
        let v = v.trim();
        if v.is_empty() || v.contains(char::is_whitespace) {
            return None;
        }
        let slot_free = match op {
            ">=" => lower.replace(v).is_none(),
            "<=" => upper.replace((v, true)).is_none(),
            "<" => upper.replace((v, false)).is_none(),
            _ => exact.replace(v).is_none(),
        };
        if !slot_free {
            return None;
        }
    }
    let mut o = Map::new();
    o.insert("status".into(), "affected".into());
    o.insert("versionType".into(), "custom".into());
    match (exact, lower, upper) {
        (Some(x), None, None) => {
            o.insert("version".into(), x.into());
        }
        (None, from, up) => {
            o.insert("version".into(), from.unwrap_or("0").into());
            match up {
                Some((b, true)) => o.insert("lessThanOrEqual".into(), b.into()),
                Some((b, false)) => o.insert("lessThan".into(), b.into()),
                None => o.insert("lessThan".into(), "*".into()),
            };
        }
        _ => return None,
    }
    Some(Value::Object(o))
}

/// The first sentence of a description, on one line, as a title.
fn first_sentence(text: &str) -> String {
    let line = single_line(text);
    let end = line.find(". ").map_or(line.len(), |i| i + 1);
    let t = line.get(..end).unwrap_or(&line).trim_end_matches('.');
    t.chars().take(200).collect()
}

/// Drafts the record of `advisory`. Returns the record and the list of
/// things still to decide (also in the record's `x_cpansecDraft.todo`).
pub fn draft_record(
    advisory: &Advisory,
    db: &Database,
    opts: &BuildOptions,
) -> (Value, Vec<String>) {
    let mut todo = Vec::new();
    if advisory.cves().next().is_some() {
        todo.push(format!(
            "{} already has a CVE: {}",
            advisory.id,
            advisory
                .cves()
                .map(|c| c.as_str().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut affected = Vec::new();
    for dist in advisory.distributions() {
        let mut versions = Vec::new();
        for g in advisory.groups.iter().filter(|g| g.distribution == dist) {
            for r in &g.affected {
                match version_entry(r.as_str()) {
                    Some(v) => versions.push(v),
                    None => todo.push(format!(
                        "{dist}: affected range {:?} has no CVE version form; write it by hand",
                        r.as_str()
                    )),
                }
            }
            for r in &g.fixed {
                if version_entry(r.as_str()).is_none() || !r.as_str().trim_start().starts_with(">=")
                {
                    todo.push(format!(
                        "{dist}: check the fixed range {:?} against the affected versions",
                        r.as_str()
                    ));
                }
            }
        }
        if versions.is_empty() {
            versions.push(json!({"status": "affected", "version": "0", "lessThan": "*", "versionType": "custom"}));
            todo.push(format!(
                "{dist}: no usable affected range; every version is marked affected"
            ));
        }
        let product = db
            .distribution(dist)
            .and_then(|d| d.main_module.clone())
            .unwrap_or_else(|| dist.replace('-', "::"));
        affected.push(json!({
            "collectionURL": "https://cpan.org/modules",
            "defaultStatus": "unaffected",
            "packageName": dist,
            "product": product,
            "versions": versions,
        }));
    }
    todo.push("add the PAUSE id of the maintainer as vendor".into());
    todo.push("add the CWE (problemTypes)".into());
    let paras = paragraphs(&advisory.description);
    let paras = if paras.is_empty() {
        vec![advisory.id.as_str().to_string()]
    } else {
        paras
    };
    let html: String = paras
        .iter()
        .map(|p| {
            format!(
                "<div>{}</div>",
                p.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            )
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut references: Vec<Value> = advisory
        .references
        .iter()
        .filter(|u| super::model::is_uri(u) && seen.insert(u.as_str()))
        .map(|u| json!({"url": u}))
        .collect();
    if references.is_empty() {
        todo.push("add at least one reference".into());
        references
            .push(json!({"url": format!("https://metacpan.org/dist/{}", advisory.distribution)}));
    }
    let mut cna = json!({
        "affected": affected,
        "descriptions": [{
            "lang": "en",
            "value": paras.join("\n\n"),
            "supportingMedia": [{"base64": false, "type": "text/html", "value": html}],
        }],
        "providerMetadata": {"orgId": opts.org_id},
        "references": references,
        "source": {"discovery": "UNKNOWN"},
        "title": first_sentence(&advisory.description),
        "x_generator": {"engine": opts.generator},
        "x_cpansecDraft": {"advisory": advisory.id.as_str(), "todo": todo},
    });
    if let (Some(date), Some(obj)) = (advisory.reported.as_deref(), cna.as_object_mut())
        && date.len() == 10
        && super::model::is_timeline_time(date)
    {
        obj.insert(
            "timeline".into(),
            json!([{"lang": "en", "time": format!("{date}T00:00:00Z"), "value": "Reported"}]),
        );
    }
    let record = json!({
        "containers": {"cna": cna},
        "cveMetadata": {
            "assignerOrgId": opts.org_id,
            "cveId": DRAFT_CVE_ID,
            "requesterUserId": opts.org_id,
            "serial": 1,
            "state": "PUBLISHED",
        },
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
    });
    (record, todo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(
            version_entry(">=1.08,<1.23"),
            Some(
                json!({"status":"affected","versionType":"custom","version":"1.08","lessThan":"1.23"})
            )
        );
        assert_eq!(
            version_entry("<=2"),
            Some(
                json!({"status":"affected","versionType":"custom","version":"0","lessThanOrEqual":"2"})
            )
        );
        assert_eq!(
            version_entry("==1.5"),
            Some(json!({"status":"affected","versionType":"custom","version":"1.5"}))
        );
        assert_eq!(
            version_entry(">=3"),
            Some(json!({"status":"affected","versionType":"custom","version":"3","lessThan":"*"}))
        );
        assert_eq!(version_entry(">1"), None);
        assert_eq!(version_entry("!=1"), None);
        assert_eq!(version_entry("<1,<2"), None);
        assert_eq!(version_entry("==1,<2"), None);
    }

    #[test]
    fn titles() {
        assert_eq!(first_sentence("Foo is bad. Very bad."), "Foo is bad");
        assert_eq!(first_sentence("Foo\n is bad"), "Foo is bad");
    }
}
