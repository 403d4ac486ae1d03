//! META `license` strings to SPDX license expressions.
//!
//! META files name licences with short keywords: spec 2 has a list of them
//! (`perl_5`, `apache_2_0`, ...), spec 1.4 and older one string (`perl`,
//! `gpl`, ...). This module maps each keyword, from either vocabulary, to an
//! SPDX expression:
//!
//! | META string | SPDX | why |
//! |---|---|---|
//! | `perl_5`, `perl` | `Artistic-1.0-Perl OR GPL-1.0-or-later` | "same terms as Perl 5": Artistic or GPL version 1 or later |
//! | `apache_1_1` / `apache_2_0`, `apache` | `Apache-1.1` / `Apache-2.0` | v1.4 `apache` is 2.0 (its spec URL, and CPAN::Meta) |
//! | `agpl_3` | `AGPL-3.0-only` | the keyword names one version |
//! | `artistic_1`, `artistic` / `artistic_2`, `artistic2` | `Artistic-1.0` / `Artistic-2.0` | |
//! | `bsd` | `BSD-3-Clause` | the spec: "BSD License (three-clause)" |
//! | `freebsd` | `BSD-2-Clause-Views` | the FreeBSD licence (SPDX's former `BSD-2-Clause-FreeBSD`) |
//! | `gfdl_1_2` / `gfdl_1_3` | `GFDL-1.2-only` / `GFDL-1.3-only` | |
//! | `gpl_1` / `gpl_2` / `gpl_3` | `GPL-1.0-only` / `GPL-2.0-only` / `GPL-3.0-only` | the keyword names one version |
//! | `gpl` (v1.4) | `GPL-1.0-or-later` | no version named: the GPL lets the recipient pick any |
//! | `lgpl_2_1` / `lgpl_3_0` | `LGPL-2.1-only` / `LGPL-3.0-only` | |
//! | `lgpl` (v1.4) | `LGPL-2.0-or-later` | no version named |
//! | `mit` | `MIT` | |
//! | `mozilla_1_0` / `mozilla_1_1`, `mozilla` | `MPL-1.0` / `MPL-1.1` | v1.4 `mozilla` links MPL 1.1 |
//! | `openssl` / `ssleay` | `OpenSSL` / `SSLeay-standalone` | |
//! | `qpl_1_0` / `sun` / `zlib` | `QPL-1.0` / `SISSL` / `Zlib` | `sun` is the Sun Internet Standards Source License |
//! | `open_source`, `restricted`, `restrictive`, `unrestricted`, `unknown` | `LicenseRef-open-source`, `LicenseRef-restricted`, `LicenseRef-restricted`, `LicenseRef-unrestricted`, `LicenseRef-unknown` | no SPDX licence says only this much |
//!
//! Keywords are matched case-insensitively, as CPAN::Meta does. Any other
//! string becomes `LicenseRef-<string>` with every character SPDX does not
//! allow in an idstring (letters, digits, `.`, `-`) replaced by `-`, so the
//! result is always a syntactically valid expression.
//!
//! Several strings are joined with `OR`: CPAN::Meta::Spec lists more than one
//! licence when the distribution may be used under any of them (dual
//! licensing); repeated keywords are listed once. No strings at all read as
//! `unknown`, as CPAN::Meta does.

/// The SPDX expression for one META licence string, from either vocabulary.
pub fn spdx_for(meta: &str) -> String {
    let lc = meta.to_ascii_lowercase();
    let known = match lc.as_str() {
        "perl_5" | "perl" => "Artistic-1.0-Perl OR GPL-1.0-or-later",
        "agpl_3" => "AGPL-3.0-only",
        "apache_1_1" => "Apache-1.1",
        "apache_2_0" | "apache" => "Apache-2.0",
        "artistic_1" | "artistic" => "Artistic-1.0",
        "artistic_2" | "artistic2" => "Artistic-2.0",
        "bsd" => "BSD-3-Clause",
        "freebsd" => "BSD-2-Clause-Views",
        "gfdl_1_2" => "GFDL-1.2-only",
        "gfdl_1_3" => "GFDL-1.3-only",
        "gpl_1" => "GPL-1.0-only",
        "gpl_2" => "GPL-2.0-only",
        "gpl_3" => "GPL-3.0-only",
        "gpl" => "GPL-1.0-or-later",
        "lgpl_2_1" => "LGPL-2.1-only",
        "lgpl_3_0" => "LGPL-3.0-only",
        "lgpl" => "LGPL-2.0-or-later",
        "mit" => "MIT",
        "mozilla_1_0" => "MPL-1.0",
        "mozilla_1_1" | "mozilla" => "MPL-1.1",
        "openssl" => "OpenSSL",
        "ssleay" => "SSLeay-standalone",
        "qpl_1_0" => "QPL-1.0",
        "sun" => "SISSL",
        "zlib" => "Zlib",
        "open_source" => "LicenseRef-open-source",
        "restricted" | "restrictive" => "LicenseRef-restricted",
        "unrestricted" => "LicenseRef-unrestricted",
        "unknown" => "LicenseRef-unknown",
        _ => return license_ref(meta),
    };
    known.to_string()
}

/// `LicenseRef-` and `s` with characters outside SPDX's idstring set
/// (`[A-Za-z0-9.-]`) replaced by `-`; an empty string becomes `unknown`.
pub fn license_ref(s: &str) -> String {
    let body: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if body.is_empty() {
        "LicenseRef-unknown".to_string()
    } else {
        format!("LicenseRef-{body}")
    }
}

/// The SPDX expression for a META `license` list: each string mapped by
/// [`spdx_for`], duplicates dropped, joined with `OR`.
pub fn spdx_expression<S: AsRef<str>>(licenses: &[S]) -> String {
    let mut terms: Vec<String> = Vec::new();
    for l in licenses {
        let t = spdx_for(l.as_ref());
        if !terms.contains(&t) {
            terms.push(t);
        }
    }
    if terms.is_empty() {
        return spdx_for("unknown");
    }
    terms.join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_table() {
        let table = [
            ("perl_5", "Artistic-1.0-Perl OR GPL-1.0-or-later"),
            ("perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"),
            ("agpl_3", "AGPL-3.0-only"),
            ("apache_1_1", "Apache-1.1"),
            ("apache_2_0", "Apache-2.0"),
            ("apache", "Apache-2.0"),
            ("artistic_1", "Artistic-1.0"),
            ("artistic", "Artistic-1.0"),
            ("artistic_2", "Artistic-2.0"),
            ("artistic2", "Artistic-2.0"),
            ("bsd", "BSD-3-Clause"),
            ("freebsd", "BSD-2-Clause-Views"),
            ("gfdl_1_2", "GFDL-1.2-only"),
            ("gfdl_1_3", "GFDL-1.3-only"),
            ("gpl_1", "GPL-1.0-only"),
            ("gpl_2", "GPL-2.0-only"),
            ("gpl_3", "GPL-3.0-only"),
            ("gpl", "GPL-1.0-or-later"),
            ("lgpl_2_1", "LGPL-2.1-only"),
            ("lgpl_3_0", "LGPL-3.0-only"),
            ("lgpl", "LGPL-2.0-or-later"),
            ("mit", "MIT"),
            ("mozilla_1_0", "MPL-1.0"),
            ("mozilla_1_1", "MPL-1.1"),
            ("mozilla", "MPL-1.1"),
            ("openssl", "OpenSSL"),
            ("ssleay", "SSLeay-standalone"),
            ("qpl_1_0", "QPL-1.0"),
            ("sun", "SISSL"),
            ("zlib", "Zlib"),
            ("open_source", "LicenseRef-open-source"),
            ("restricted", "LicenseRef-restricted"),
            ("restrictive", "LicenseRef-restricted"),
            ("unrestricted", "LicenseRef-unrestricted"),
            ("unknown", "LicenseRef-unknown"),
            ("Perl_5", "Artistic-1.0-Perl OR GPL-1.0-or-later"),
        ];
        for (meta, spdx) in table {
            assert_eq!(spdx_for(meta), spdx, "{meta}");
        }
    }

    #[test]
    fn unknown_strings_become_sanitised_refs() {
        assert_eq!(
            spdx_for("GPL v2 (see COPYING)"),
            "LicenseRef-GPL-v2--see-COPYING-"
        );
        assert_eq!(spdx_for("  "), "LicenseRef-unknown");
        assert_eq!(spdx_for("é"), "LicenseRef--");
    }

    #[test]
    fn several_strings_are_alternatives() {
        assert_eq!(
            spdx_expression(&["perl_5", "bsd", "perl_5"]),
            "Artistic-1.0-Perl OR GPL-1.0-or-later OR BSD-3-Clause"
        );
        assert_eq!(spdx_expression::<&str>(&[]), "LicenseRef-unknown");
    }
}
