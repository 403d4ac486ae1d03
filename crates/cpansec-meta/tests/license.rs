//! META licence strings -> SPDX, over every licence value the corpus holds.

use std::collections::BTreeSet;

use cpansec_meta::{Meta, license};

use crate::support;

/// Every licence string written in a corpus META file, with its expression.
const CORPUS_LICENCES: [(&str, &str); 18] = [
    ("apache", "Apache-2.0"),
    ("apache_2_0", "Apache-2.0"),
    ("artistic", "Artistic-1.0"),
    ("artistic2", "Artistic-2.0"),
    ("artistic_2", "Artistic-2.0"),
    ("bsd", "BSD-3-Clause"),
    ("gpl", "GPL-1.0-or-later"),
    ("gpl_2", "GPL-2.0-only"),
    ("gpl_3", "GPL-3.0-only"),
    ("lgpl", "LGPL-2.0-or-later"),
    ("lgpl_2_1", "LGPL-2.1-only"),
    ("lgpl_3_0", "LGPL-3.0-only"),
    ("mit", "MIT"),
    ("open_source", "LicenseRef-open-source"),
    ("perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"),
    ("perl_5", "Artistic-1.0-Perl OR GPL-1.0-or-later"),
    ("unknown", "LicenseRef-unknown"),
    ("unrestricted", "LicenseRef-unrestricted"),
];

fn corpus_metas() -> Vec<(String, Meta)> {
    let corpus = support::shared().join("corpus");
    let mut out = Vec::new();
    for dir in ["meta-json", "meta-yml", "mymeta"] {
        for entry in std::fs::read_dir(corpus.join(dir)).expect("corpus dir") {
            let path = entry.expect("entry").path();
            if let Ok(meta) = Meta::read(&path) {
                out.push((path.display().to_string(), meta));
            }
        }
    }
    out
}

/// An SPDX license-expression of `OR`-joined ids and `LicenseRef-`s.
fn is_valid_expression(e: &str) -> bool {
    e.split(" OR ").all(|id| {
        !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

#[test]
fn every_corpus_licence_value_maps() {
    let metas = corpus_metas();
    assert!(metas.len() >= 114);
    let mut seen = BTreeSet::new();
    for (file, meta) in &metas {
        for l in &meta.source.license {
            seen.insert(l.clone());
            let expected = CORPUS_LICENCES
                .iter()
                .find(|(m, _)| m == l)
                .unwrap_or_else(|| panic!("{file}: licence {l:?} missing from the table"));
            assert_eq!(license::spdx_for(l), expected.1, "{file}");
        }
        assert!(
            is_valid_expression(&meta.license_spdx),
            "{file}: {}",
            meta.license_spdx
        );
    }
    let table: BTreeSet<String> = CORPUS_LICENCES.iter().map(|(m, _)| m.to_string()).collect();
    assert_eq!(
        seen, table,
        "the table lists exactly the corpus's licence values"
    );
}

#[test]
fn dual_and_duplicate_licences() {
    let metas = corpus_metas();
    let find = |stem: &str| {
        metas
            .iter()
            .find(|(f, _)| f.contains(stem))
            .map(|(_, m)| m)
            .unwrap_or_else(|| panic!("{stem} in corpus"))
    };
    assert_eq!(
        find("t_data-test_META-2.META.json").license_spdx,
        "Artistic-1.0-Perl OR GPL-1.0-or-later OR BSD-3-Clause"
    );
    assert_eq!(
        find("ExtUtils-Depends-0.8000.META.json").license_spdx,
        "Artistic-1.0-Perl OR GPL-1.0-or-later"
    );
    assert_eq!(
        find("Glib-1.3293.META.json").license_spdx,
        "LicenseRef-unknown OR LGPL-2.1-only"
    );
    // v1 `gpl` is `open_source` to CPAN::Meta; the SPDX expression keeps
    // what the file said.
    let gpl = find("17e__Async-Chain.META.yml");
    assert_eq!(gpl.license, ["open_source"]);
    assert_eq!(gpl.license_spdx, "GPL-1.0-or-later");
}
