//! Writing a [`Cpanfile`] back as cpanfile text. Every string is single
//! quoted and every requirement carries its version, so the text reads back
//! to the same model (positions aside) whatever the names contain.

use std::fmt::Write;

use crate::cpanfile::{Cpanfile, RequirementKey};
use crate::{Phase, Prereqs};

/// `'text'` with `\` and `'` escaped.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

pub(crate) fn render(cpanfile: &Cpanfile) -> String {
    let mut out = String::new();
    for url in &cpanfile.mirrors {
        let _ = writeln!(out, "mirror {};", quote(url));
    }
    render_prereqs(&mut out, cpanfile, None, &cpanfile.prereqs, "");
    for (id, feature) in &cpanfile.features {
        let _ = match &feature.description {
            Some(d) => writeln!(out, "feature {}, {} => sub {{", quote(id), quote(d)),
            None => writeln!(out, "feature {} => sub {{", quote(id)),
        };
        render_prereqs(&mut out, cpanfile, Some(id), &feature.prereqs, "    ");
        out.push_str("};\n");
    }
    out
}

fn render_prereqs(
    out: &mut String,
    cpanfile: &Cpanfile,
    feature: Option<&String>,
    prereqs: &Prereqs,
    indent: &str,
) {
    for (phase, relations) in &prereqs.by_phase {
        let inner = if *phase == Phase::Runtime {
            indent.to_string()
        } else {
            let _ = writeln!(out, "{indent}on {} => sub {{", quote(phase.as_str()));
            format!("{indent}    ")
        };
        for (relation, modules) in relations {
            for (module, prereq) in modules {
                let _ = write!(
                    out,
                    "{inner}{} {}, {}",
                    relation.as_str(),
                    quote(module),
                    quote(&prereq.requirement)
                );
                let key = RequirementKey {
                    feature: feature.cloned(),
                    phase: phase.clone(),
                    relation: relation.clone(),
                    module: module.clone(),
                };
                if let Some(options) = cpanfile.options.get(&key) {
                    for (k, v) in options.to_map() {
                        let _ = write!(out, ", {} => {}", quote(&k), quote(&v));
                    }
                }
                out.push_str(";\n");
            }
        }
        if *phase != Phase::Runtime {
            let _ = writeln!(out, "{indent}}};");
        }
    }
}
