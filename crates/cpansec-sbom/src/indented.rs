//! serde_json's two-space pretty form, with each line break and its
//! indentation written in one call.
//!
//! `serde_json::ser::PrettyFormatter` writes a line's indentation one level
//! at a time (a call per level): for an SBOM, whose lines sit four to six
//! levels deep, that was more calls than the content itself. [`Indented`]
//! writes the same bytes (a test compares the two) from one constant of
//! spaces.

use std::io;

use serde_json::ser::Formatter;

/// `",\n"` and enough spaces for [`DEEPEST`] levels; deeper lines fall back
/// to one call per level.
const BREAK: &[u8] = b",\n                                                                ";
const DEEPEST: usize = (BREAK.len() - 2) / 2;

/// The pretty formatter: two spaces a level, `": "` after keys, empty arrays
/// and objects as `[]` and `{}`.
#[derive(Default)]
pub(crate) struct Indented {
    level: usize,
    has_value: bool,
}

impl Indented {
    /// Writes `,` (unless `first`), a line break and the current level's
    /// indentation.
    fn new_line<W: ?Sized + io::Write>(&self, out: &mut W, first: bool) -> io::Result<()> {
        let from = usize::from(first);
        if self.level <= DEEPEST {
            return out.write_all(&BREAK[from..2 + 2 * self.level]);
        }
        out.write_all(&BREAK[from..2])?;
        for _ in 0..self.level {
            out.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level = self.level.saturating_sub(1);
        if self.has_value {
            self.new_line(out, true)?;
        }
        out.write_all(bracket)
    }
}

impl Formatter for Indented {
    fn begin_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.new_line(out, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.new_line(out, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    fn indented(value: &serde_json::Value) -> Vec<u8> {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Indented::default());
        value.serialize(&mut ser).expect("to memory");
        out
    }

    #[test]
    fn writes_what_the_pretty_formatter_writes() {
        let mut deep = json!(["bottom", {}, []]);
        for level in 0..(DEEPEST + 5) {
            deep = json!({ "level": level, "empty": [], "none": {}, "next": deep, "list": [1, "a\nb"] });
        }
        let values = [
            json!(null),
            json!([]),
            json!({}),
            json!([[], {}, [[]], [{}], {"a": []}]),
            json!({"b": {"c": [1, 2, {"d": "e"}]}, "a": "\"quoted\"\t"}),
            deep,
        ];
        for value in &values {
            let expected = serde_json::to_vec_pretty(value).expect("to memory");
            assert_eq!(
                String::from_utf8_lossy(&indented(value)),
                String::from_utf8_lossy(&expected)
            );
        }
    }
}
