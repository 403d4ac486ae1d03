//! The documents' JSON writer: serde_json's pretty form (two spaces a
//! level, `": "` after keys, `[]` and `{}` when empty, serde_json's string
//! escapes), written straight into a buffer.
//!
//! Why not serde_json's own serializer: it escapes a string one byte at a
//! time and writes a line's indentation one level at a time, and an SBOM is
//! mostly strings (ids, purls, URLs) on lines four to six levels deep; the
//! two were the largest part of writing one (BENCHMARKS.md). This writer
//! looks at eight bytes at a time for anything to escape and writes a line
//! break with its indentation in one copy. The tests hold it to serde_json's
//! bytes on generated values.

use std::fmt;
use std::io::Write;

use serde::ser::{self, Serialize};

/// Appends `value` to `out` as indented JSON.
pub(crate) fn write_pretty(value: &impl Serialize, out: &mut Vec<u8>) -> Result<(), Error> {
    value.serialize(&mut Writer { out, level: 0 })
}

/// What a value's `Serialize` reported (the writer itself cannot fail, but
/// a map key that is no string or number is refused, as by serde_json).
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// `",\n"` and enough spaces for [`DEEPEST`] levels; deeper lines fall back
/// to one copy per level.
const BREAK: &[u8] = b",\n                                                                ";
const DEEPEST: usize = (BREAK.len() - 2) / 2;

struct Writer<'o> {
    out: &'o mut Vec<u8>,
    level: usize,
}

impl<'o> Writer<'o> {
    /// `,` (unless `first`), a line break and the current indentation.
    fn new_line(&mut self, first: bool) {
        let from = usize::from(first);
        match BREAK.get(from..2 + 2 * self.level) {
            Some(bytes) if self.level <= DEEPEST => self.out.extend_from_slice(bytes),
            _ => {
                self.out.extend_from_slice(&BREAK[from..2]);
                for _ in 0..self.level {
                    self.out.extend_from_slice(b"  ");
                }
            }
        }
    }

    fn open<'a>(&'a mut self, bracket: u8) -> Compound<'a, 'o> {
        self.level += 1;
        self.out.push(bracket);
        Compound {
            w: self,
            empty: true,
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push(b'"');
        escape_into(self.out, s);
        self.out.push(b'"');
    }

    fn display(&mut self, v: impl fmt::Display) {
        // Writing to a Vec cannot fail.
        let _ = write!(self.out, "{v}");
    }

    /// `{"variant": ` of the externally tagged enum variants; the caller
    /// writes the value and closes with [`Writer::close_variant`].
    fn open_variant(&mut self, variant: &str) {
        self.level += 1;
        self.out.push(b'{');
        self.new_line(true);
        self.string(variant);
        self.out.extend_from_slice(b": ");
    }

    fn close_variant(&mut self) {
        self.level = self.level.saturating_sub(1);
        self.new_line(true);
        self.out.push(b'}');
    }
}

/// serde_json's escapes: `"`, `\`, the five short control escapes, `\u00xx`
/// for the other bytes below 0x20; everything else as it is. Eight bytes are
/// tested at once (the last few padded with a letter); only a word with
/// something to escape is looked at byte by byte.
fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut words = bytes.chunks_exact(8);
    for (n, word) in words.by_ref().enumerate() {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        if any_to_escape(u64::from_le_bytes(eight)) {
            escape_word(out, bytes, &mut run, n * 8);
        }
    }
    let rest = words.remainder();
    let mut eight = [b'a'; 8];
    if let Some(head) = eight.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    if any_to_escape(u64::from_le_bytes(eight)) {
        escape_word(out, bytes, &mut run, bytes.len() - rest.len());
    }
    out.extend_from_slice(&bytes[run..]);
}

/// Writes the bytes from `run` on, escaping those of the (up to) eight from
/// `from` that need it; `run` moves past the last one escaped.
fn escape_word(out: &mut Vec<u8>, bytes: &[u8], run: &mut usize, from: usize) {
    let end = (from + 8).min(bytes.len());
    for at in from..end {
        if let Some((escaped, len)) = escape(bytes[at]) {
            out.extend_from_slice(&bytes[*run..at]);
            out.extend_from_slice(&escaped[..len]);
            *run = at + 1;
        }
    }
}

/// Whether any of the eight bytes is below 0x20, `"` or `\` (the usual
/// word-at-a-time tests, exact as a yes/no).
fn any_to_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |n: u64| word.wrapping_sub(ONES * n) & !word & HIGH;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    below(0x20) | zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\')))
        != 0
}

/// The escape of one byte and its length, if it needs one.
fn escape(b: u8) -> Option<([u8; 6], usize)> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = |c: u8| Some(([b'\\', c, 0, 0, 0, 0], 2));
    match b {
        b'"' => short(b'"'),
        b'\\' => short(b'\\'),
        0x08 => short(b'b'),
        0x09 => short(b't'),
        0x0a => short(b'n'),
        0x0c => short(b'f'),
        0x0d => short(b'r'),
        0x00..=0x1f => Some((
            [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ],
            6,
        )),
        _ => None,
    }
}

/// An array or object being written: whether nothing is in it yet.
struct Compound<'a, 'o> {
    w: &'a mut Writer<'o>,
    empty: bool,
}

impl<'a, 'o> Compound<'a, 'o> {
    fn item(&mut self) {
        self.w.new_line(self.empty);
        self.empty = false;
    }

    fn field(&mut self, key: &str) {
        self.item();
        self.w.string(key);
        self.w.out.extend_from_slice(b": ");
    }

    /// Writes the closing bracket; gives the writer back (a variant's
    /// object closes after it).
    fn close(self, bracket: u8) -> &'a mut Writer<'o> {
        self.w.level = self.w.level.saturating_sub(1);
        if !self.empty {
            self.w.new_line(true);
        }
        self.w.out.push(bracket);
        self.w
    }
}

/// The integer methods of the serializer: every integer in decimal.
macro_rules! integers {
    ($($method:ident: $int:ty),* $(,)?) => {
        $(
            fn $method(self, v: $int) -> Result<(), Error> {
                self.display(v);
                Ok(())
            }
        )*
    };
}

impl<'a, 'o> ser::Serializer for &'a mut Writer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'o>;
    type SerializeTuple = Compound<'a, 'o>;
    type SerializeTupleStruct = Compound<'a, 'o>;
    type SerializeTupleVariant = Compound<'a, 'o>;
    type SerializeMap = Compound<'a, 'o>;
    type SerializeStruct = Compound<'a, 'o>;
    type SerializeStructVariant = Compound<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    integers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128,
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v).map_err(ser::Error::custom)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // No document has numbers with fractions; serde_json's own form
        // (shortest round trip, `null` when not finite) keeps them exact.
        serde_json::to_writer(&mut *self.out, &v).map_err(ser::Error::custom)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.open(b'[');
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.close_variant();
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Ok(self.open(b'['))
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        self.open_variant(variant);
        Ok(self.open(b'['))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(self.open(b'{'))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        self.open_variant(variant);
        Ok(self.open(b'{'))
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.item();
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']').close_variant();
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        // Keys as serde_json takes them: strings, and numbers and booleans
        // written as strings. Maps are rare in the documents; this path
        // need not be fast.
        let key = match serde_json::to_value(key).map_err(ser::Error::custom)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => return Err(Error("key must be a string".into())),
        };
        self.field(&key);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key);
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}').close_variant();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn ours(value: &impl Serialize) -> String {
        let mut out = Vec::new();
        write_pretty(value, &mut out).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    fn theirs(value: &impl Serialize) -> String {
        String::from_utf8(serde_json::to_vec_pretty(value).expect("writes")).expect("UTF-8")
    }

    /// Strings with every kind of byte the escaper tells apart, at every
    /// offset within a word.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-zA-Z0-9:/@?=._-]{0,12}",
            proptest::char::range('\u{0}', '\u{7f}').prop_map(String::from),
            proptest::sample::select(vec!["\"", "\\", "\u{7f}", "é", "€", "𝄞", "\u{1f}"])
                .prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            text().prop_map(Value::from),
        ];
        leaf.prop_recursive(8, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(text(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn writes_what_serde_json_writes(v in value()) {
            prop_assert_eq!(ours(&v), theirs(&v));
        }

        #[test]
        fn the_word_test_agrees_with_the_byte_test(bytes in any::<[u8; 8]>()) {
            let any = bytes.iter().any(|&b| escape(b).is_some());
            prop_assert_eq!(any_to_escape(u64::from_le_bytes(bytes)), any);
        }
    }

    #[test]
    fn deep_nesting_and_every_control_byte() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let mut deep = json!([controls, {}, []]);
        for level in 0..(DEEPEST + 5) {
            deep = json!({ "level": level, "empty": [], "next": deep, "list": [1, "a\"b\\"] });
        }
        assert_eq!(ours(&deep), theirs(&deep));
    }

    #[derive(serde::Serialize)]
    enum Variants {
        Unit,
        Newtype(u8),
        Tuple(u8, &'static str),
        Struct { a: Option<u8>, b: () },
    }

    #[derive(serde::Serialize)]
    struct Typed {
        variants: Vec<Variants>,
        unit: (),
        chars: [char; 2],
        bytes: serde_bytes_like::Bytes,
        float: f32,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        map: std::collections::BTreeMap<u32, bool>,
    }

    mod serde_bytes_like {
        /// Serialized with `serialize_bytes`.
        pub struct Bytes(pub &'static [u8]);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
    }

    #[test]
    fn typed_values_as_serde_json_writes_them() {
        let typed = Typed {
            variants: vec![
                Variants::Unit,
                Variants::Newtype(7),
                Variants::Tuple(1, "x"),
                Variants::Struct { a: None, b: () },
            ],
            unit: (),
            chars: ['"', 'ß'],
            bytes: serde_bytes_like::Bytes(b"\x00\xff"),
            float: 0.1,
            skipped: None,
            map: [(1, true), (20, false)].into_iter().collect(),
        };
        assert_eq!(ours(&typed), theirs(&typed));
    }

    #[test]
    fn a_key_that_is_no_string_is_refused() {
        let map: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        let mut out = Vec::new();
        assert!(write_pretty(&map, &mut out).is_err());
        assert!(serde_json::to_vec_pretty(&map).is_err());
    }
}
