//! Stable identifiers: name-based UUIDs (RFC 9562 version 5) for serial
//! numbers and document namespaces, and element ids derived from component
//! ids for the formats that restrict their character set.
//!
//! Nothing here is random: the same SBOM content gives the same UUID, so two
//! runs with `SOURCE_DATE_EPOCH` set write identical bytes, while SBOMs of
//! different content (or at different times) get different serial numbers.

use sha1::{Digest, Sha1};

/// The namespace cpansec's UUIDs are made in: the version-5 UUID of the URL
/// `https://github.com/cpansec/cpansec` in the RFC 9562 URL namespace.
fn namespace() -> [u8; 16] {
    // The RFC's URL namespace, 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
    const URL_NS: [u8; 16] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30,
        0xc8,
    ];
    v5_bytes(&URL_NS, b"https://github.com/cpansec/cpansec")
}

fn v5_bytes(ns: &[u8; 16], name: &[u8]) -> [u8; 16] {
    let mut h = Sha1::new();
    h.update(ns);
    h.update(name);
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

/// The version-5 UUID of `name` in cpansec's namespace, in the canonical
/// lower-case hyphenated form.
pub fn uuid_v5(name: &[u8]) -> String {
    let b = v5_bytes(&namespace(), name);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `s` with every character outside `[A-Za-z0-9.-]` (SPDX 2's idstring)
/// replaced by `-`; runs of replacements collapsed.
pub fn spdx_idstring(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v5_matches_the_rfc_example() {
        // RFC 9562 appendix A.4: v5 of "www.example.com" in the DNS namespace.
        const DNS_NS: [u8; 16] = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        let b = v5_bytes(&DNS_NS, b"www.example.com");
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(hex, "2ed6657de927568b95e12665a8aea6a2");
    }

    #[test]
    fn uuid_shape_and_stability() {
        let a = uuid_v5(b"x");
        assert_eq!(a, uuid_v5(b"x"));
        assert_ne!(a, uuid_v5(b"y"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn idstrings() {
        assert_eq!(
            spdx_idstring("pkg:cpan/Plack@1.0048?author=MIYAGAWA"),
            "pkg-cpan-Plack-1.0048-author-MIYAGAWA"
        );
        assert_eq!(spdx_idstring("Ünïcode"), "n-code");
    }
}
