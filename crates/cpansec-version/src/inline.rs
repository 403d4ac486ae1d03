//! Small values kept in place: a [`Version`](crate::Version)'s components and
//! text without a heap allocation for nearly every real version.
//!
//! Versions are made by the thousand (every release of a distribution when an
//! audit works out which release fixes an advisory), and two allocations per
//! version cost more than parsing it: real versions have at most five
//! components and text of at most 22 bytes, so both fit in the space of the
//! boxed slice they would otherwise point to plus a little.

/// Integer components: in place up to [`Parts::INLINE`], else boxed.
#[derive(Clone)]
pub(crate) enum Parts {
    Inline(u8, [u32; Parts::INLINE]),
    Heap(Box<[u32]>),
}

impl Parts {
    pub(crate) const INLINE: usize = 5;

    pub(crate) fn new(parts: &[u32]) -> Parts {
        match u8::try_from(parts.len()) {
            Ok(len) if parts.len() <= Parts::INLINE => {
                let mut buf = [0; Parts::INLINE];
                buf[..parts.len()].copy_from_slice(parts);
                Parts::Inline(len, buf)
            }
            _ => Parts::Heap(parts.into()),
        }
    }

    pub(crate) fn as_slice(&self) -> &[u32] {
        match self {
            Parts::Inline(len, buf) => &buf[..usize::from(*len)],
            Parts::Heap(parts) => parts,
        }
    }
}

/// UTF-8 text: in place up to [`Text::INLINE`] bytes, else boxed.
#[derive(Clone)]
pub(crate) enum Text {
    Inline(u8, [u8; Text::INLINE]),
    Heap(Box<str>),
}

impl Text {
    pub(crate) const INLINE: usize = 22;

    /// `prefix` followed by `s`.
    pub(crate) fn concat(prefix: &str, s: &str) -> Text {
        let len = prefix.len() + s.len();
        match u8::try_from(len) {
            Ok(n) if len <= Text::INLINE => {
                let mut buf = [0; Text::INLINE];
                buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
                buf[prefix.len()..len].copy_from_slice(s.as_bytes());
                Text::Inline(n, buf)
            }
            _ => Text::Heap(format!("{prefix}{s}").into_boxed_str()),
        }
    }

    pub(crate) fn new(s: &str) -> Text {
        Text::concat("", s)
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            // Whole strings were copied in: the bytes are UTF-8 (the
            // fallback is never taken).
            Text::Inline(len, buf) => std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or(""),
            Text::Heap(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parts_round_trip(parts in prop::collection::vec(any::<u32>(), 0..12)) {
            let p = Parts::new(&parts);
            prop_assert_eq!(p.as_slice(), parts.as_slice());
            prop_assert_eq!(matches!(p, Parts::Inline(..)), parts.len() <= Parts::INLINE);
        }

        #[test]
        fn text_round_trip(prefix in "v?", s in "\\PC{0,30}") {
            let t = Text::concat(&prefix, &s);
            let whole = format!("{prefix}{s}");
            prop_assert_eq!(t.as_str(), whole.as_str());
            prop_assert_eq!(matches!(t, Text::Inline(..)), whole.len() <= Text::INLINE);
        }
    }
}
