//! A reader for the YAML subset CPAN::Meta::YAML (YAML::Tiny) reads, which is
//! the YAML every META.yml and MYMETA.yml is read with by the CPAN toolchain.
//!
//! # Why not a YAML library
//!
//! META.yml files are written by CPAN::Meta::YAML, YAML::Tiny, Module::Install
//! and by hand, and the toolchain reads them with CPAN::Meta::YAML, not with a
//! YAML 1.2 parser. A full parser (serde-saphyr included) reads the same bytes
//! differently in ways that change the metadata:
//!
//! - every scalar is a string to CPAN::Meta::YAML; a YAML 1.2 parser types
//!   `version: 1.10` as the float 1.1 and `version: 1.0` as 1.0, losing the
//!   version as written;
//! - plain scalars with `: ` or a leading `-`, `@`, `%` or backquote are errors
//!   here, and `!`/`&` (tags, anchors) are unsupported features, while a YAML
//!   parser accepts or reinterprets them;
//! - a line such as `  ExtUtils::MakeMaker:  0` in a key is split by
//!   YAML::Tiny's own key rule, blank and comment lines are dropped before
//!   block scalars are read (so block scalars lose blank lines), and only the
//!   last document of a stream is used.
//!
//! So this module is a small strict port of that grammar: block mappings and
//! sequences by indentation, single- and double-quoted scalars, `~`, `{}` and
//! `[]`, `|`/`>` block scalars, `---` documents. Anything else is an error
//! naming the line, with CPAN::Meta::YAML's wording. Nesting is capped at
//! [`MAX_DEPTH`] levels (CPAN::Meta::YAML has no cap).

use super::value::{Hash, Value};
use crate::{Error, ErrorKind, Location};

/// Deepest nesting of mappings and sequences accepted.
pub const MAX_DEPTH: usize = 256;

/// Longest line accepted, in bytes (the key rule keeps a few words per
/// character of a line).
pub const MAX_LINE: usize = 1024 * 1024;

/// One non-blank, non-comment line and its 1-based number.
struct Line {
    number: u32,
    text: String,
}

struct Reader {
    lines: Vec<Line>,
    pos: usize,
    depth: usize,
}

/// Reads a YAML text and returns its last document, as
/// `scalar CPAN::Meta::YAML::Load($text)` does (`None` for no document).
pub(crate) fn load(text: &str) -> Result<Option<Value>, Error> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut lines = Vec::new();
    for (n, raw) in split_lines(text).into_iter().enumerate() {
        if is_blank_or_comment(raw) {
            continue;
        }
        if raw.len() > MAX_LINE {
            return Err(Error::at(
                ErrorKind::MetaYaml {
                    message: format!("line longer than {MAX_LINE} bytes"),
                },
                Location {
                    line: u32::try_from(n + 1).unwrap_or(u32::MAX),
                    column: 1,
                },
            ));
        }
        lines.push(Line {
            number: u32::try_from(n + 1).unwrap_or(u32::MAX),
            text: raw.to_string(),
        });
    }
    let mut r = Reader {
        lines,
        pos: 0,
        depth: 0,
    };
    if r.peek().is_some_and(is_yaml_directive) {
        r.pos += 1;
    }
    let mut documents: Vec<Value> = Vec::new();
    let mut in_document = false;
    while let Some(first) = r.peek() {
        if let Some(rest) = first.strip_prefix("---") {
            // `/^---\s*(?:(.+)\s*)?\z/`: anything after the marker is a
            // scalar document unless it is a comment or a %YAML directive.
            let trailer = rest.trim_start_matches(is_space).to_string();
            r.pos += 1;
            if !trailer.is_empty() && !is_document_comment(&trailer) {
                let scalar = r.load_scalar(trailer, &mut [None])?;
                documents.push(scalar);
                continue;
            }
            in_document = true;
        }
        match r.peek() {
            None => {
                documents.push(Value::Undef);
                in_document = false;
            }
            Some(l) if l.starts_with("---") || l.starts_with("...") => {
                documents.push(Value::Undef);
                while r.peek().is_some_and(|l| !l.starts_with("---")) {
                    r.pos += 1;
                }
                in_document = false;
            }
            Some(l) if !in_document && !documents.is_empty() => {
                return Err(r.error(format!(
                    "CPAN::Meta::YAML failed to classify the line '{l}'"
                )));
            }
            Some(l) if is_sequence_start(l) => {
                let mut array = Vec::new();
                r.load_array(&mut array, &mut vec![Some(0)])?;
                documents.push(Value::Array(array));
            }
            Some(l) if l.chars().any(|c| !is_space(c)) => {
                let indent = leading_space(l);
                let mut hash = Hash::new();
                r.load_hash(&mut hash, &mut vec![Some(indent)])?;
                documents.push(Value::Hash(hash));
            }
            Some(l) => {
                return Err(r.error(format!(
                    "CPAN::Meta::YAML failed to classify the line '{l}'"
                )));
            }
        }
    }
    Ok(documents.pop())
}

impl Reader {
    fn peek(&self) -> Option<&str> {
        self.lines.get(self.pos).map(|l| l.text.as_str())
    }

    fn line_number(&self) -> u32 {
        self.lines
            .get(self.pos)
            .or(self.lines.last())
            .map_or(1, |l| l.number)
    }

    fn error(&self, message: String) -> Error {
        Error::at(
            ErrorKind::MetaYaml { message },
            Location {
                line: self.line_number(),
                column: 1,
            },
        )
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// `_load_scalar`: one scalar written after `key:` or `- `.
    fn load_scalar(
        &mut self,
        string: String,
        indent: &mut [Option<usize>],
    ) -> Result<Value, Error> {
        let string = string.trim_end_matches(is_space);
        if string == "~" {
            return Ok(Value::Undef);
        }
        if string.starts_with('\'') {
            for end in single_quoted_ends(string) {
                if is_trailing_comment(&string[end + 1..]) {
                    return Ok(Value::str(unquote_single(&string[1..end])));
                }
            }
        }
        if string.starts_with('"') {
            if let Some(end) = double_quoted_end(string) {
                if is_trailing_comment(&string[end + 1..]) {
                    return Ok(Value::str(unquote_double(&string[1..end])));
                }
            }
        }
        if string.starts_with(['\'', '"', '!', '&']) {
            return Err(self.error_before(format!(
                "CPAN::Meta::YAML does not support a feature in line '{string}'"
            )));
        }
        if let Some(rest) = string.strip_prefix("{}") {
            if is_trailing_comment(rest) {
                return Ok(Value::Hash(Hash::new()));
            }
        }
        if let Some(rest) = string.strip_prefix("[]") {
            if is_trailing_comment(rest) {
                return Ok(Value::Array(Vec::new()));
            }
        }
        if !string.starts_with(['>', '|']) {
            if has_illegal_plain_characters(string) {
                return Err(self.error_before(format!(
                    "CPAN::Meta::YAML found illegal characters in plain scalar: '{string}'"
                )));
            }
            return Ok(Value::str(strip_comment(string)));
        }
        // A block scalar: the following more-indented lines.
        let Some(first) = self.peek() else {
            return Err(self.error_before(
                "CPAN::Meta::YAML failed to find multi-line scalar content".to_string(),
            ));
        };
        let block_indent = leading_space(first);
        if let Some(last) = indent.last_mut() {
            *last = Some(block_indent);
        }
        if let Some(Some(outer)) = indent.len().checked_sub(2).and_then(|i| indent.get(i)) {
            if block_indent <= *outer {
                return Err(self.error(format!(
                    "CPAN::Meta::YAML found bad indenting in line '{first}'"
                )));
            }
        }
        let mut parts: Vec<String> = Vec::new();
        while let Some(line) = self.peek() {
            let n = leading_space(line);
            if n < block_indent {
                break;
            }
            parts.push(skip_chars(line, n).to_string());
            self.pos += 1;
        }
        let joiner = if string.starts_with('>') { " " } else { "\n" };
        let tail = if string[1..].starts_with('-') {
            ""
        } else {
            "\n"
        };
        Ok(Value::Str(parts.join(joiner) + tail))
    }

    /// An error about the line just consumed.
    fn error_before(&self, message: String) -> Error {
        let line = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.lines.get(i))
            .map_or(1, |l| l.number);
        Error::at(
            ErrorKind::MetaYaml { message },
            Location { line, column: 1 },
        )
    }

    /// `_load_array`: items of a block sequence at `indent.last()`.
    fn load_array(
        &mut self,
        array: &mut Vec<Value>,
        indent: &mut Vec<Option<usize>>,
    ) -> Result<(), Error> {
        self.enter()?;
        let current = indent.last().copied().flatten().unwrap_or(0);
        let outer = indent
            .len()
            .checked_sub(2)
            .and_then(|i| indent.get(i))
            .copied()
            .flatten();
        while let Some(line) = self.peek() {
            if line.starts_with("---") || line.starts_with("...") {
                while self.peek().is_some_and(|l| !l.starts_with("---")) {
                    self.pos += 1;
                }
                break;
            }
            let line = line.to_string();
            let n = leading_space(&line);
            if n < current {
                break;
            }
            if n > current {
                return Err(self.error(format!(
                    "CPAN::Meta::YAML found bad indenting in line '{line}'"
                )));
            }
            if let Some(prefix) = inline_hash_item_prefix(&line) {
                // `- key: value`: the dash becomes indentation of a mapping.
                if let Some(l) = self.lines.get_mut(self.pos) {
                    l.text = line.replacen('-', " ", 1);
                }
                let mut hash = Hash::new();
                indent.push(Some(prefix));
                let result = self.load_hash(&mut hash, indent);
                indent.pop();
                result?;
                array.push(Value::Hash(hash));
            } else if is_lone_dash(&line) {
                self.pos += 1;
                let Some(next) = self.peek() else {
                    array.push(Value::Undef);
                    break;
                };
                let next_indent = leading_space(next);
                if skip_chars(next, next_indent).starts_with('-') {
                    if next_indent == current {
                        array.push(Value::Undef);
                    } else {
                        let mut inner = Vec::new();
                        indent.push(Some(next_indent));
                        let result = self.load_array(&mut inner, indent);
                        indent.pop();
                        result?;
                        array.push(Value::Array(inner));
                    }
                } else if next.chars().any(|c| !is_space(c)) {
                    let mut hash = Hash::new();
                    indent.push(Some(next_indent));
                    let result = self.load_hash(&mut hash, indent);
                    indent.pop();
                    result?;
                    array.push(Value::Hash(hash));
                } else {
                    return Err(
                        self.error(format!("CPAN::Meta::YAML failed to classify line '{next}'"))
                    );
                }
            } else if let Some(item) = dash_item(&line) {
                self.pos += 1;
                indent.push(None);
                let result = self.load_scalar(item.to_string(), indent);
                indent.pop();
                array.push(result?);
            } else if outer == Some(current) {
                break;
            } else {
                return Err(
                    self.error(format!("CPAN::Meta::YAML failed to classify line '{line}'"))
                );
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// `_load_hash`: entries of a block mapping at `indent.last()`.
    fn load_hash(&mut self, hash: &mut Hash, indent: &mut Vec<Option<usize>>) -> Result<(), Error> {
        self.enter()?;
        let current = indent.last().copied().flatten().unwrap_or(0);
        while let Some(line) = self.peek() {
            if line.starts_with("---") || line.starts_with("...") {
                while self.peek().is_some_and(|l| !l.starts_with("---")) {
                    self.pos += 1;
                }
                break;
            }
            let line = line.to_string();
            let n = leading_space(&line);
            if n < current {
                break;
            }
            if n > current {
                return Err(self.error(format!(
                    "CPAN::Meta::YAML found bad indenting in line '{line}'"
                )));
            }
            let Some((key, rest)) = split_key(&line) else {
                let what = if skip_chars(&line, n).starts_with('?') {
                    "does not support a feature in"
                } else {
                    "failed to classify"
                };
                return Err(self.error(format!("CPAN::Meta::YAML {what} line '{line}'")));
            };
            if !rest.is_empty() {
                self.pos += 1;
                indent.push(None);
                let result = self.load_scalar(rest, indent);
                indent.pop();
                hash.insert(key, result?);
                continue;
            }
            self.pos += 1;
            let Some(next) = self.peek() else {
                hash.insert(key, Value::Undef);
                break;
            };
            let next_indent = leading_space(next);
            if skip_chars(next, next_indent).starts_with('-') {
                let mut array = Vec::new();
                indent.push(Some(next_indent));
                let result = self.load_array(&mut array, indent);
                indent.pop();
                result?;
                hash.insert(key, Value::Array(array));
            } else if current >= next_indent {
                hash.insert(key, Value::Undef);
            } else {
                let mut inner = Hash::new();
                indent.push(Some(next_indent));
                let result = self.load_hash(&mut inner, indent);
                indent.pop();
                result?;
                hash.insert(key, Value::Hash(inner));
            }
        }
        self.depth -= 1;
        Ok(())
    }
}

/// Perl's `\s` (on character strings: Unicode white space).
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Number of leading white-space characters (`/^(\s*)/`, in characters).
fn leading_space(s: &str) -> usize {
    s.chars().take_while(|c| is_space(*c)).count()
}

/// `s` without its first `n` characters.
fn skip_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or("", |(i, _)| &s[i..])
}

/// Splits on `\r\r\n`, `\r\n`, `\r` or `\n`, as CPAN::Meta::YAML does; a
/// trailing empty field is dropped like Perl's `split`.
fn split_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(&text[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                out.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                    i += 3;
                } else if bytes.get(i + 1) == Some(&b'\n') {
                    i += 2;
                } else {
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push(&text[start..]);
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// `/^\s*(?:\#.*)?\z/`.
fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start_matches(is_space);
    t.is_empty() || t.starts_with('#')
}

/// `/^\%YAML[: ][\d\.]+.*\z/`.
fn is_yaml_directive(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("%YAML") else {
        return false;
    };
    let Some(rest) = rest.strip_prefix([':', ' ']) else {
        return false;
    };
    rest.starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// What may follow `---` on its line and still open a document:
/// `/^(?:\#.+|\%YAML[: ][\d\.]+)\z/`.
fn is_document_comment(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix('#') {
        return !rest.is_empty();
    }
    let Some(rest) = s.strip_prefix("%YAML") else {
        return false;
    };
    let Some(rest) = rest.strip_prefix([':', ' ']) else {
        return false;
    };
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// `/^\s*\-(?:\s|$|-+$)/`.
fn is_sequence_start(line: &str) -> bool {
    let t = line.trim_start_matches(is_space);
    let Some(rest) = t.strip_prefix('-') else {
        return false;
    };
    rest.is_empty() || rest.starts_with(is_space) || rest.chars().all(|c| c == '-')
}

/// `/^\s*\-\s*\z/`.
fn is_lone_dash(line: &str) -> bool {
    line.trim_start_matches(is_space)
        .strip_prefix('-')
        .is_some_and(|r| r.chars().all(is_space))
}

/// `/^\s*\-(\s*)(.+?)\s*\z/`: the scalar of a `- value` item.
fn dash_item(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(is_space).strip_prefix('-')?;
    let item = rest.trim_start_matches(is_space).trim_end_matches(is_space);
    if item.is_empty() { None } else { Some(item) }
}

/// `/^(\s*\-\s+)[^\'\"]\S*\s*:(?:\s+|$)/`: a `- key: value` item; returns the
/// length in characters of the `- ` prefix, the mapping's indentation.
fn inline_hash_item_prefix(line: &str) -> Option<usize> {
    let chars: Vec<char> = line.chars().collect();
    let lead = chars.iter().take_while(|c| is_space(**c)).count();
    if chars.get(lead) != Some(&'-') {
        return None;
    }
    let spaces = chars[lead + 1..]
        .iter()
        .take_while(|c| is_space(**c))
        .count();
    // Greedy `\s+`, backing off one character at a time. Backing off two or
    // more leaves `[^'"]` and `\S*` on spaces, so all those tries ask the
    // same thing; the first of them stands for the rest.
    for s in (1..=spaces).rev().take(3) {
        let first = lead + 1 + s;
        match chars.get(first) {
            Some('\'') | Some('"') | None => continue,
            Some(_) => {}
        }
        let run = chars[first + 1..]
            .iter()
            .take_while(|c| !is_space(**c))
            .count();
        let after_run = first + 1 + run;
        let ws = chars[after_run..]
            .iter()
            .take_while(|c| is_space(**c))
            .count();
        let colon_ok = |at: usize| {
            chars.get(at) == Some(&':') && chars.get(at + 1).is_none_or(|c| is_space(*c))
        };
        if colon_ok(after_run + ws) || (run > 0 && colon_ok(after_run - 1)) {
            return Some(lead + 1 + s);
        }
    }
    None
}

/// `(?:\s+\#.*)?\z` at the start of `s`.
fn is_trailing_comment(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let t = s.trim_start_matches(is_space);
    t.len() < s.len() && t.starts_with('#')
}

/// `s/\s+#.*\z//` on a plain scalar.
fn strip_comment(s: &str) -> &str {
    let mut prev_space = false;
    for (i, c) in s.char_indices() {
        if c == '#' && prev_space {
            return s[..i].trim_end_matches(is_space);
        }
        prev_space = is_space(c);
    }
    s
}

/// A plain scalar CPAN::Meta::YAML refuses: it starts with `- `, `@`, `%` or
/// a backquote, or contains `: ` or ends in `:`.
fn has_illegal_plain_characters(s: &str) -> bool {
    if s.starts_with(['@', '%', '`']) {
        return true;
    }
    if let Some(rest) = s.strip_prefix('-') {
        if rest.is_empty() || rest.starts_with(is_space) {
            return true;
        }
    }
    let chars: Vec<char> = s.chars().collect();
    chars
        .iter()
        .enumerate()
        .any(|(i, c)| *c == ':' && chars.get(i + 1).is_none_or(|n| is_space(*n)))
}

/// Candidate byte offsets of the closing quote of a single-quoted scalar at
/// the start of `s`, in the order Perl's backtracking tries them
/// (`'([^']*(?:''[^']*)*)'`: most doubled quotes first).
fn single_quoted_ends(s: &str) -> Vec<usize> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let mut ends = Vec::new();
    loop {
        while i < bytes.len() && bytes[i] != b'\'' {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        // A quote here either closes the scalar (fewer iterations) or, when
        // doubled, continues it (one more iteration, tried first).
        ends.push(i);
        if bytes.get(i + 1) == Some(&b'\'') {
            i += 2;
        } else {
            break;
        }
    }
    ends.reverse();
    ends
}

/// Byte offset of the closing quote of a double-quoted scalar at the start of
/// `s` (`"([^\\"]*(?:\\.[^\\"]*)*)"`).
fn double_quoted_end(s: &str) -> Option<usize> {
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some(i),
            '\\' => {
                chars.next()?;
            }
            _ => {}
        }
    }
    None
}

fn unquote_single(s: &str) -> String {
    s.replace("''", "'")
}

/// `_unquote_double`: `\"` and the escapes `\0 \z \N \a \b \t \n \v \f \r \e
/// \\ \xHH`; other backslashes stay.
fn unquote_double(s: &str) -> String {
    let s = s.replace("\\\"", "\"");
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut it = after.chars();
        let replacement = match it.next() {
            Some('0') | Some('z') => Some(('\0', 1)),
            Some('N') => Some(('\u{85}', 1)),
            Some('a') => Some(('\x07', 1)),
            Some('b') => Some(('\x08', 1)),
            Some('t') => Some(('\t', 1)),
            Some('n') => Some(('\n', 1)),
            Some('v') => Some(('\x0b', 1)),
            Some('f') => Some(('\x0c', 1)),
            Some('r') => Some(('\r', 1)),
            Some('e') => Some(('\x1b', 1)),
            Some('\\') => Some(('\\', 1)),
            Some('x') => after
                .get(1..3)
                .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .map(|b| (char::from(b), 3)),
            _ => None,
        };
        match replacement {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len..];
            }
            None => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Splits a mapping line into its key and the text after the separator
/// (`''` when the value is on the following lines), trying a single-quoted,
/// a double-quoted and then a plain key, as CPAN::Meta::YAML does.
fn split_key(line: &str) -> Option<(String, String)> {
    let t = line.trim_start_matches(is_space);
    if t.starts_with('\'') {
        for end in single_quoted_ends(t) {
            if let Some(rest) = separator(&t[end + 1..]) {
                return Some((unquote_single(&t[1..end]), rest.to_string()));
            }
        }
    }
    if t.starts_with('"') {
        if let Some(end) = double_quoted_end(t) {
            if let Some(rest) = separator(&t[end + 1..]) {
                return Some((unquote_double(&t[1..end]), rest.to_string()));
            }
        }
    }
    let chars: Vec<char> = line.chars().collect();
    let (key_start, key_end) = plain_key(&chars).ok()??;
    let key: String = chars[key_start..key_end].iter().collect();
    let rest: String = chars[key_end..].iter().collect();
    let rest = separator(&rest)?;
    Some((key.trim_end_matches(is_space).to_string(), rest.to_string()))
}

/// `\s*:(?:\s+(?:\#.*)?|$)` at the start of `s`: the text after it.
fn separator(s: &str) -> Option<&str> {
    let t = s.trim_start_matches(is_space).strip_prefix(':')?;
    if t.is_empty() {
        return Some("");
    }
    let after = t.trim_start_matches(is_space);
    if after.len() == t.len() {
        return None;
    }
    if after.starts_with('#') {
        return Some("");
    }
    Some(after)
}

/// Most backtracking steps the plain-key rule may take on one line (Perl's
/// regex engine would grind through such a line too; no real META file comes
/// near it).
const KEY_STEP_BUDGET: usize = 4_000_000;

/// The plain key rule `^\s*([^:]+(?::+\S(?:[^:]*|.*?(?=:)))*)(?=\s*:(?:\s+|$))`
/// with Perl's backtracking order; returns the key's character range, or
/// `Err(())` when the line needs more than [`KEY_STEP_BUDGET`] steps.
///
/// Every alternative of the repeated group only moves right, so the first
/// match from each position (`tail`) is computed right to left without
/// recursion, along with the first colon at or after each position from
/// which a match exists (`from_colon`, the lazy `.*?(?=:)` alternative).
fn plain_key(chars: &[char]) -> Result<Option<(usize, usize)>, ()> {
    let n = chars.len();
    // `look[pos]`: the look-ahead `\s*:(?:\s+|$)` holds at `pos`.
    let mut look = vec![false; n + 1];
    for pos in (0..n).rev() {
        look[pos] = if is_space(chars[pos]) {
            look[pos + 1]
        } else {
            chars[pos] == ':' && chars.get(pos + 1).is_none_or(|c| is_space(*c))
        };
    }
    // Lengths of the colon run and of the non-colon run starting at `pos`.
    let mut colon_run = vec![0usize; n + 1];
    let mut other_run = vec![0usize; n + 1];
    for pos in (0..n).rev() {
        if chars[pos] == ':' {
            colon_run[pos] = colon_run[pos + 1] + 1;
        } else {
            other_run[pos] = other_run[pos + 1] + 1;
        }
    }
    let mut tail: Vec<Option<usize>> = vec![None; n + 1];
    let mut from_colon: Vec<Option<usize>> = vec![None; n + 2];
    let mut steps = 0usize;
    for pos in (0..=n).rev() {
        let colons = colon_run[pos];
        let mut found = None;
        for k in (1..=colons).rev() {
            steps += 1;
            if steps > KEY_STEP_BUDGET {
                return Err(());
            }
            // `:+` took k colons; `\S` must follow.
            match chars.get(pos + k) {
                Some(c) if !is_space(*c) => {}
                _ => continue,
            }
            let p = pos + k + 1;
            let run = other_run[p];
            // `[^:]*` greedy: the whole run, then one character less (only
            // that can still meet the look-ahead), then `.*?(?=:)`.
            found = tail[p + run]
                .or_else(|| (run > 0 && look[p + run - 1]).then_some(p + run - 1))
                .or(from_colon[p]);
            if found.is_some() {
                break;
            }
        }
        tail[pos] = found.or_else(|| look[pos].then_some(pos));
        from_colon[pos] = if chars.get(pos) == Some(&':') {
            tail[pos].or(from_colon[pos + 1])
        } else {
            from_colon[pos + 1]
        };
    }
    let lead = chars.iter().take_while(|c| is_space(**c)).count();
    for start in (0..=lead).rev() {
        let run = other_run[start];
        // `[^:]+` greedy: the whole run first; shorter only meets the
        // look-ahead directly.
        if run == 0 {
            continue;
        }
        if let Some(end) = tail[start + run] {
            return Ok(Some((start, end)));
        }
        for len in (1..run).rev() {
            steps += 1;
            if steps > KEY_STEP_BUDGET {
                return Err(());
            }
            if look[start + len] {
                return Ok(Some((start, start + len)));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(text: &str) -> Hash {
        match load(text) {
            Ok(Some(Value::Hash(h))) => h,
            other => panic!("not a mapping: {other:?}"),
        }
    }

    #[test]
    fn plain_keys_split_like_yaml_tiny() {
        let h = hash("requires:\n  Foo::Bar:  1.2\n  a:b c: d\n");
        let r = h["requires"].as_hash().unwrap();
        assert_eq!(r["Foo::Bar"], Value::str("1.2"));
        assert_eq!(r["a:b c"], Value::str("d"));
    }

    #[test]
    fn key_rule_backtracks_like_perl() {
        let key = split_key;
        assert_eq!(key("a: b"), Some(("a".into(), "b".into())));
        assert_eq!(key("a:b: c"), Some(("a:b".into(), "c".into())));
        assert_eq!(key("a:b x: c: d"), Some(("a:b x".into(), "c: d".into())));
        assert_eq!(key("a :  # c"), Some(("a".into(), "".into())));
        assert_eq!(key("   : foo"), Some(("".into(), "foo".into())));
        assert_eq!(key("'a''b': c"), Some(("a'b".into(), "c".into())));
        assert_eq!(key("'a'': b"), Some(("'a''".into(), "b".into())));
        assert_eq!(key("a:"), Some(("a".into(), "".into())));
        assert_eq!(key("no colon"), None);
        assert_eq!(key("a:: b"), None);
    }

    #[test]
    fn pathological_key_lines_are_bounded() {
        let colons = format!("a{}b: c", ":".repeat(200_000));
        let started = std::time::Instant::now();
        let _ = split_key(&colons);
        let pairs = format!("{}: c", "a:b ".repeat(100_000));
        let _ = split_key(&pairs);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert!(load(&format!("a: {}\n", "x".repeat(MAX_LINE + 1))).is_err());
    }

    #[test]
    fn colon_runs_before_space_are_not_keys() {
        assert!(load("a:: b\n").is_err());
    }

    #[test]
    fn scalars() {
        let h = hash(
            "a: ~\nb: 'it''s'\nc: \"x\\ty\"\nd: {}\ne: []\nf: foo # note\ng: |\n  one\n  two\n",
        );
        assert_eq!(h["a"], Value::Undef);
        assert_eq!(h["b"], Value::str("it's"));
        assert_eq!(h["c"], Value::str("x\ty"));
        assert_eq!(h["d"], Value::Hash(Hash::new()));
        assert_eq!(h["e"], Value::Array(vec![]));
        assert_eq!(h["f"], Value::str("foo"));
        assert_eq!(h["g"], Value::str("one\ntwo\n"));
    }

    #[test]
    fn sequences_and_inline_mappings() {
        let h = hash("author:\n  - A\n  - B\nlist:\n- x: 1\n  y: 2\n");
        assert_eq!(
            h["author"],
            Value::Array(vec![Value::str("A"), Value::str("B")])
        );
        let Value::Array(items) = &h["list"] else {
            panic!()
        };
        let item = items[0].as_hash().unwrap();
        assert_eq!(item["y"], Value::str("2"));
    }

    #[test]
    fn last_document_wins_and_errors_name_the_line() {
        let h = hash("---\na: 1\n---\nb: 2\n");
        assert!(h.contains_key("b"));
        let e = load("a: 1\n\nb: &x 2\n").unwrap_err();
        assert_eq!(e.location.map(|l| l.line), Some(3));
        assert!(e.to_string().contains("does not support a feature"), "{e}");
    }

    #[test]
    fn plain_scalar_with_colon_is_an_error() {
        assert!(load("a: b: c\n").is_err());
    }
}
