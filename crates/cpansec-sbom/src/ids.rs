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
    v5_finish(h)
}

fn v5_finish(h: Sha1) -> [u8; 16] {
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

/// The canonical lower-case hyphenated form of a UUID.
fn hyphenated(b: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(HEX[usize::from(x >> 4)]));
        s.push(char::from(HEX[usize::from(x & 0x0f)]));
    }
    s
}

/// The version-5 UUID of `name` in cpansec's namespace, in the canonical
/// lower-case hyphenated form.
pub fn uuid_v5(name: &[u8]) -> String {
    hyphenated(&v5_bytes(&namespace(), name))
}

/// A version-5 UUID in cpansec's namespace of a name given in pieces (an
/// [`std::io::Write`], so a serializer can write the name straight into
/// the hash): the same UUID as [`uuid_v5`] of the pieces joined.
pub(crate) struct Uuid5(Sha1);

impl Uuid5 {
    pub(crate) fn new() -> Uuid5 {
        let mut h = Sha1::new();
        h.update(namespace());
        Uuid5(h)
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(crate) fn finish(self) -> String {
        hyphenated(&v5_finish(self.0))
    }
}

impl std::io::Write for Uuid5 {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `s` with every character outside `[A-Za-z0-9.-]` (SPDX 2's idstring)
/// replaced by `-`; runs of replacements collapsed.
pub fn spdx_idstring(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_idstring(&mut out, s);
    out
}

/// Appends [`spdx_idstring`] of `s` to `out`; whether it appended anything.
pub(crate) fn push_idstring(out: &mut String, s: &str) -> bool {
    let start = out.len();
    // A leading replacement is dropped, a trailing one popped below.
    let mut pending = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if pending && out.len() > start {
                out.push('-');
            }
            pending = false;
            out.push(c);
        } else {
            pending = true;
        }
    }
    out.len() > start
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
    fn pieces_give_the_uuid_of_the_whole() {
        use std::io::Write;
        let mut u = Uuid5::new();
        u.update(b"spdx-2.3\0");
        write!(u, "{{\"a\":{}}}", 1).unwrap();
        assert_eq!(u.finish(), uuid_v5(b"spdx-2.3\0{\"a\":1}"));
        // The hyphenated form of a known UUID (RFC 9562 URL namespace).
        let url_ns = [
            0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        assert_eq!(hyphenated(&url_ns), "6ba7b811-9dad-11d1-80b4-00c04fd430c8");
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
