//! The announcement the team mails to oss-security when a CVE is published,
//! rendered from the CVE record (so it says exactly what the record says).
//!
//! Format (plain text, lines wrapped at 72 columns, sections present only
//! when the record has the field):
//!
//! ```text
//! Subject: CVE-YYYY-NNNN: <title>
//!
//!
//! ========================================================================
//! CVE-YYYY-NNNN                                        CPAN Security Group
//! ========================================================================
//!
//!         CVE ID:  CVE-YYYY-NNNN
//!   Distribution:  <packageName>
//!       Versions:  <one line per version entry: "through 0.8.4",
//!                  "from 0.19 through 0.201", "before 1.06", "1.05">
//!
//!       MetaCPAN:  https://metacpan.org/dist/<packageName>
//!       VCS Repo:  <repo>
//!
//!
//! <title, wrapped>
//!
//! Description
//! -----------
//! <English description, one wrapped block per paragraph>
//!
//! Problem types / Impacts / Workarounds / Solutions / References /
//! Timeline / Credits
//! ------------------
//! <"- CWE-N Name" items; paragraphs; one URL per line; "- date: event";
//!  "value, type">
//! ```
//!
//! One block of distribution lines per `affected` entry.

use serde_json::Value;

const WIDTH: usize = 72;

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Greedy word wrap at [`WIDTH`]; `first` prefixes the first line, `rest`
/// the others. A word longer than the width stays whole on its line.
fn wrap(text: &str, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && cur.chars().count() + 1 + word.chars().count() > WIDTH {
            lines.push(std::mem::replace(&mut cur, rest.to_string()));
            empty = true;
        }
        if !empty {
            cur.push(' ');
        }
        cur.push_str(word);
        empty = false;
    }
    if !empty {
        lines.push(cur);
    }
    lines
}

/// A paragraph: indented text is kept line by line, prose is wrapped.
fn paragraph(p: &str, out: &mut Vec<String>) {
    if p.lines().any(|l| l.starts_with(char::is_whitespace)) {
        out.extend(p.lines().map(str::to_string));
    } else {
        out.extend(wrap(p, "", ""));
    }
}

fn term(k: &str, v: &str) -> String {
    let k = if k.is_empty() {
        String::new()
    } else {
        format!("{k}:")
    };
    format!("{k:>15}  {v}").trim_end().to_string()
}

fn version_phrase(v: &Value) -> String {
    let from = s(v, "/version");
    let (bound, through) = match (s(v, "/lessThanOrEqual"), s(v, "/lessThan")) {
        ("", "") => return from.to_string(),
        (b, "") => (b, true),
        (_, b) => (b, false),
    };
    let word = if through { "through" } else { "before" };
    if from.is_empty() || from == "0" {
        format!("{word} {bound}")
    } else {
        format!("from {from} {word} {bound}")
    }
}

fn section(out: &mut Vec<String>, name: &str, body: Vec<String>) {
    if body.is_empty() {
        return;
    }
    out.push(name.to_string());
    out.push("-".repeat(name.len()));
    out.extend(body);
    out.push(String::new());
}

/// The announcement text of a CVE 5 record (as built by
/// [`build_record`](super::build_record)); ends with a newline.
pub fn announcement(record: &Value) -> String {
    let id = s(record, "/cveMetadata/cveId");
    let title = s(record, "/containers/cna/title");
    let cna = record.pointer("/containers/cna").unwrap_or(&Value::Null);
    let mut out = vec![
        format!("Subject: {id}: {title}"),
        String::new(),
        String::new(),
    ];
    out.push("=".repeat(WIDTH));
    out.push(format!("{id:<24} {:>47}", "CPAN Security Group"));
    out.push("=".repeat(WIDTH));
    out.push(String::new());
    out.push(term("CVE ID", id));
    for a in arr(cna, "/affected") {
        let dist = s(a, "/packageName");
        out.push(term("Distribution", dist));
        for (i, v) in arr(a, "/versions").iter().enumerate() {
            out.push(term(
                if i == 0 { "Versions" } else { "" },
                &version_phrase(v),
            ));
        }
        out.push(String::new());
        out.push(term(
            "MetaCPAN",
            &format!("https://metacpan.org/dist/{dist}"),
        ));
        if let Some(r) = a.get("repo").and_then(Value::as_str) {
            out.push(term("VCS Repo", r));
        }
        out.push(String::new());
    }
    out.push(String::new());
    out.extend(wrap(title, "", ""));
    out.push(String::new());
    let en: Vec<&Value> = arr(cna, "/descriptions")
        .iter()
        .filter(|d| {
            d.get("lang")
                .and_then(Value::as_str)
                .is_some_and(|l| l.starts_with("en"))
        })
        .collect();
    let mut body = Vec::new();
    for d in en {
        for p in s(d, "/value").replace('\u{a0}', " ").split("\n\n") {
            if !body.is_empty() {
                body.push(String::new());
            }
            paragraph(p, &mut body);
        }
    }
    section(&mut out, "Description", body);
    let items = |key: &str| -> Vec<String> {
        arr(cna, key)
            .iter()
            .flat_map(|x| arr(x, "/descriptions"))
            .flat_map(|d| {
                let t = d.get("description").or_else(|| d.get("value"));
                wrap(t.and_then(Value::as_str).unwrap_or_default(), "- ", "  ")
            })
            .collect()
    };
    section(&mut out, "Problem types", items("/problemTypes"));
    section(&mut out, "Impacts", items("/impacts"));
    let texts = |key: &str| -> Vec<String> {
        let mut body = Vec::new();
        for x in arr(cna, key) {
            if !body.is_empty() {
                body.push(String::new());
            }
            for p in s(x, "/value").split("\n\n") {
                paragraph(p, &mut body);
            }
        }
        body
    };
    section(&mut out, "Workarounds", texts("/workarounds"));
    section(&mut out, "Solutions", texts("/solutions"));
    section(
        &mut out,
        "References",
        arr(cna, "/references")
            .iter()
            .map(|r| s(r, "/url").to_string())
            .collect(),
    );
    section(
        &mut out,
        "Timeline",
        arr(cna, "/timeline")
            .iter()
            .flat_map(|t| {
                let time = s(t, "/time");
                let date = time.get(..10).unwrap_or(time);
                wrap(&format!("{date}: {}", s(t, "/value")), "- ", "  ")
            })
            .collect(),
    );
    section(
        &mut out,
        "Credits",
        arr(cna, "/credits")
            .iter()
            .map(|c| format!("{}, {}", s(c, "/value"), s(c, "/type")))
            .collect(),
    );
    out.push(String::new());
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wraps_at_72() {
        let text = "word ".repeat(40);
        let lines = wrap(&text, "- ", "  ");
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert!(lines[0].starts_with("- word"));
        assert!(lines[1].starts_with("  word"));
    }

    #[test]
    fn phrases() {
        assert_eq!(
            version_phrase(&json!({"version":"0","lessThanOrEqual":"0.8.4"})),
            "through 0.8.4"
        );
        assert_eq!(
            version_phrase(&json!({"version":"0.19","lessThan":"0.3"})),
            "from 0.19 before 0.3"
        );
        assert_eq!(version_phrase(&json!({"version":"1.05"})), "1.05");
    }
}
