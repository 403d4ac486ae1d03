//! A strict reader for the small subset of Perl literal syntax that data
//! files written by Data::Dumper use: nested hashes, quoted strings,
//! numbers, `undef`. Nothing is ever evaluated.
//!
//! ```text
//! value   = hash | string | number | "undef"
//! hash    = "{" [ pair { "," pair } [ "," ] ] "}"
//! pair    = key ( "=>" | "," ) value
//! key     = string | number | bareword      (a bareword only before "=>")
//! string  = '...'  (\\ and \' are escapes, any other backslash is literal)
//!         | "..."  (\\ \" \$ \@ \n \t \r \f \a \e \0 \xHH \x{H..}; an
//!                   unescaped $ or @ would interpolate and is refused)
//! number  = [-] digits [ "." digits ] [ ("e"|"E") [+-] digits ]
//!           (underscores between digits; no octal-looking leading zero)
//! ```
//!
//! White space and `#` comments may stand between tokens. A key given twice
//! in one hash is an error (Perl would keep the last silently). Nesting is
//! limited to [`MAX_DEPTH`] levels.

// The crate's one `Error` is over clippy's size threshold because of a
// variant shared by all readers; shrinking it is a crate-wide change.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use crate::{Error, ErrorKind, Location};

/// The deepest nesting of hashes accepted.
pub const MAX_DEPTH: usize = 32;

/// A Perl literal value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PerlValue {
    /// A quoted string, escapes resolved.
    String(String),
    /// A number as written (underscores kept); read it with
    /// [`PerlValue::as_u64`] or [`PerlValue::as_f64`].
    Number(String),
    Undef,
    Hash(BTreeMap<String, PerlValue>),
}

impl PerlValue {
    /// The value as text: strings as they are, numbers as written.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PerlValue::String(s) | PerlValue::Number(s) => Some(s),
            _ => None,
        }
    }

    /// A non-negative integer, from a number or a string of digits (Perl
    /// treats `'123'` and `123` alike).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            PerlValue::Number(s) => s.replace('_', "").parse().ok(),
            PerlValue::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()
            }
            _ => None,
        }
    }

    /// A number's value as a float.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            PerlValue::Number(s) => s.replace('_', "").parse().ok(),
            _ => None,
        }
    }

    pub fn as_hash(&self) -> Option<&BTreeMap<String, PerlValue>> {
        match self {
            PerlValue::Hash(h) => Some(h),
            _ => None,
        }
    }

    /// As JSON: numbers as JSON numbers, `undef` as `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            PerlValue::String(s) => Value::String(s.clone()),
            PerlValue::Number(s) => {
                let plain = s.replace('_', "");
                if let Ok(i) = plain.parse::<i64>() {
                    Value::from(i)
                } else {
                    plain.parse::<f64>().map_or(Value::Null, Value::from)
                }
            }
            PerlValue::Undef => Value::Null,
            PerlValue::Hash(h) => {
                Value::Object(h.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

/// A cursor over Perl source text that reports positions.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
    /// The file line of the text's first line (1 when the text is a whole
    /// file).
    first_line: u32,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str, first_line: u32) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            first_line,
        }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn is_at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// The file position of byte offset `at`.
    pub(crate) fn location_of(&self, at: usize) -> Location {
        let before = self.text.get(..at).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.bytes().filter(|&b| b == b'\n').count();
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Location {
            line: self
                .first_line
                .saturating_add(u32::try_from(line).unwrap_or(u32::MAX)),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    pub(crate) fn error_at(&self, at: usize, expected: &'static str) -> Error {
        let found: String = self
            .text
            .get(at..)
            .unwrap_or_default()
            .chars()
            .take(20)
            .take_while(|&c| c != '\n')
            .collect();
        Error::at(
            ErrorKind::PerlData { expected, found },
            self.location_of(at),
        )
    }

    pub(crate) fn error(&self, expected: &'static str) -> Error {
        self.error_at(self.pos, expected)
    }

    /// Skips white space and `#` comments.
    pub(crate) fn skip_space(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with('#') {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else {
                return;
            }
        }
    }

    /// Consumes `token` (after white space) if it comes next.
    pub(crate) fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, token: &str, expected: &'static str) -> Result<(), Error> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    /// Moves to byte offset `pos` (clamped to the end).
    pub(crate) fn advance_to(&mut self, pos: usize) {
        self.pos = pos.min(self.text.len());
    }

    /// Consumes the next `#` comment line, if one comes next after white
    /// space, and returns its text after the `#`.
    pub(crate) fn next_comment(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        let c = trimmed.strip_prefix('#')?;
        let line = c.split('\n').next().unwrap_or_default();
        self.pos += rest.len() - trimmed.len() + 1 + line.len();
        Some(line)
    }

    /// The rest of the text, from the current position.
    pub(crate) fn remaining(&self) -> &'a str {
        self.rest()
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn value(&mut self, depth: usize) -> Result<PerlValue, Error> {
        self.skip_space();
        let rest = self.rest();
        match rest.as_bytes().first() {
            Some(b'{') => self.hash(depth),
            Some(b'\'') => self.single_quoted().map(PerlValue::String),
            Some(b'"') => self.double_quoted().map(PerlValue::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(PerlValue::Number),
            _ if rest.starts_with("undef")
                && rest.get(5..).is_some_and(|r| !r.starts_with(is_word_char)) =>
            {
                self.pos += 5;
                Ok(PerlValue::Undef)
            }
            _ => Err(self.error("a hash, string, number or undef")),
        }
    }

    fn hash(&mut self, depth: usize) -> Result<PerlValue, Error> {
        if depth >= MAX_DEPTH {
            return Err(self.error("less deeply nested data"));
        }
        self.expect("{", "{")?;
        let mut map = BTreeMap::new();
        loop {
            if self.eat("}") {
                return Ok(PerlValue::Hash(map));
            }
            let key_at = self.pos;
            let key = self.key()?;
            if !self.eat("=>") && !self.eat(",") {
                return Err(self.error("=> after a hash key"));
            }
            let value = self.value(depth + 1)?;
            if map.insert(key.clone(), value).is_some() {
                return Err(Error::at(
                    ErrorKind::PerlDataDuplicateKey { key },
                    self.location_of(key_at),
                ));
            }
            if !self.eat(",") {
                self.expect("}", ", or } after a hash value")?;
                return Ok(PerlValue::Hash(map));
            }
        }
    }

    fn key(&mut self) -> Result<String, Error> {
        self.skip_space();
        let rest = self.rest();
        match rest.as_bytes().first() {
            Some(b'\'') => self.single_quoted(),
            Some(b'"') => self.double_quoted(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {
                let len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
                let word = rest.get(..len).unwrap_or_default();
                let at = self.pos;
                self.pos += len;
                self.skip_space();
                if self.rest().starts_with("=>") {
                    Ok(word.to_string())
                } else {
                    Err(self.error_at(at, "a quoted key (a bareword key needs =>)"))
                }
            }
            _ => Err(self.error("a hash key or }")),
        }
    }

    fn single_quoted(&mut self) -> Result<String, Error> {
        let start = self.pos;
        let body = self.rest().get(1..).unwrap_or_default();
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    self.pos += 1 + i + 1;
                    return Ok(out);
                }
                '\\' => match chars.clone().next() {
                    Some((_, n @ ('\\' | '\''))) => {
                        chars.next();
                        out.push(n);
                    }
                    _ => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        Err(self.error_at(start, "a closing ' for this string"))
    }

    fn double_quoted(&mut self) -> Result<String, Error> {
        let start = self.pos;
        let body = self.rest().get(1..).unwrap_or_default();
        let mut out = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let at = start + 1 + i;
            match c {
                '"' => {
                    self.pos = at + 1;
                    return Ok(out);
                }
                '$' | '@' => {
                    return Err(self.error_at(at, "no interpolation (escape $ and @ in \"...\")"));
                }
                '\\' => {
                    let Some((_, e)) = chars.next() else { break };
                    match e {
                        '\\' | '"' | '$' | '@' | '\'' => out.push(e),
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'f' => out.push('\x0c'),
                        'a' => out.push('\x07'),
                        'e' => out.push('\x1b'),
                        '0' if !chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) => {
                            out.push('\0')
                        }
                        'x' => {
                            let mut hex = String::new();
                            if chars.peek().is_some_and(|(_, c)| *c == '{') {
                                chars.next();
                                loop {
                                    match chars.next() {
                                        Some((_, '}')) => break,
                                        Some((_, h)) if h.is_ascii_hexdigit() && hex.len() < 8 => {
                                            hex.push(h)
                                        }
                                        _ => return Err(self.error_at(at, "a \\x{HEX} escape")),
                                    }
                                }
                            } else {
                                while hex.len() < 2
                                    && chars.peek().is_some_and(|(_, h)| h.is_ascii_hexdigit())
                                {
                                    if let Some((_, h)) = chars.next() {
                                        hex.push(h);
                                    }
                                }
                            }
                            let code = if hex.is_empty() {
                                0
                            } else {
                                u32::from_str_radix(&hex, 16)
                                    .map_err(|_| self.error_at(at, "a \\x escape"))?
                            };
                            out.push(
                                char::from_u32(code)
                                    .ok_or_else(|| self.error_at(at, "a Unicode scalar value"))?,
                            );
                        }
                        _ => return Err(self.error_at(at, "a supported escape")),
                    }
                }
                c => out.push(c),
            }
        }
        Err(self.error_at(start, "a closing \" for this string"))
    }

    fn number(&mut self) -> Result<String, Error> {
        let start = self.pos;
        let b = self.rest().as_bytes();
        let mut i = 0;
        if b.first() == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let s = *i;
            while b.get(*i).is_some_and(|c| c.is_ascii_digit())
                || (b.get(*i) == Some(&b'_')
                    && *i > s
                    && b.get(*i + 1).is_some_and(|c| c.is_ascii_digit()))
            {
                *i += 1;
            }
            *i - s
        };
        let int_start = i;
        if digits(&mut i) == 0 {
            return Err(self.error_at(start, "a number"));
        }
        if b.get(int_start) == Some(&b'0') && i - int_start > 1 {
            return Err(self.error_at(start, "a decimal number (a leading 0 means octal)"));
        }
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
            digits(&mut i);
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if digits(&mut j) > 0 {
                i = j;
            }
        }
        if b.get(i)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            return Err(self.error_at(start, "a decimal number"));
        }
        let text = self.rest().get(..i).unwrap_or_default().to_string();
        self.pos += i;
        Ok(text)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(t: &str) -> Result<PerlValue, String> {
        let mut r = Reader::new(t, 1);
        let v = r.value(0).map_err(|e| e.to_string())?;
        r.skip_space();
        if r.is_at_end() {
            Ok(v)
        } else {
            Err(r.error("the end").to_string())
        }
    }

    #[test]
    fn values() {
        let v =
            read("{ 'a' => { md5 => \"x\\ty\", 'size' => 12, }, b => undef, 'c\\'\\q' => -1.5e3 }")
                .expect("parse");
        let h = v.as_hash().expect("hash");
        assert_eq!(
            h["a"].as_hash().and_then(|a| a["md5"].as_str()),
            Some("x\ty")
        );
        assert_eq!(h["a"].as_hash().and_then(|a| a["size"].as_u64()), Some(12));
        assert_eq!(h["b"], PerlValue::Undef);
        assert_eq!(h["c'\\q"].as_f64(), Some(-1500.0));
        assert_eq!(read("'a\\\\b'"), Ok(PerlValue::String("a\\b".into())));
        assert_eq!(
            read("\"\\x41\\x{263A}\""),
            Ok(PerlValue::String("A\u{263A}".into()))
        );
        assert_eq!(read("1_000").ok().and_then(|v| v.as_u64()), Some(1000));
    }

    #[test]
    fn refusals() {
        for bad in [
            "\"$x\"",
            "\"@x\"",
            "\"\\q\"",
            "{ a, 1 }",
            "{ 'a' => 1 'b' => 2 }",
            "{ 'a' => 1, 'a' => 2 }",
            "0755",
            "1x",
            "'open",
            "{",
            "system('rm')",
            "[1]",
        ] {
            assert!(read(bad).is_err(), "{bad} must fail");
        }
        let deep = "{a=>".repeat(MAX_DEPTH + 1);
        assert!(read(&deep).is_err());
    }

    #[test]
    fn positions() {
        let e = read("{\n  'a' => 1,\n  'b' => ?\n}").expect_err("fails");
        assert!(e.starts_with("line 3, column 10:"), "{e}");
    }
}
