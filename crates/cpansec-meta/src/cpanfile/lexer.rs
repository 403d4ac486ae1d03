//! Tokens of the cpanfile language: the small part of Perl's lexical syntax a
//! cpanfile uses. Literals are decoded here, exactly as Perl would decode them
//! (escapes, `qw` splitting, numeric literals stringified like Perl), so the
//! parser and evaluator only see values.
//!
//! Comments, POD blocks and everything after `__END__` / `__DATA__` never
//! become tokens. A POD block starts at a line beginning with `=` and a letter
//! and ends after the next line beginning with `=cut`; the parser accepts it
//! only where a statement may start, as Perl does.

use crate::{Error, ErrorKind, Location};

/// What a token is. Strings are decoded (no quotes, escapes applied).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A bareword: `requires`, `sub`, `Foo::Bar`, `if`.
    Ident(String),
    /// A quoted string, `q{}` or `qq{}`, decoded.
    Str(String),
    /// A numeric literal, as Perl stringifies its value (`1.10` -> `1.1`,
    /// `010` -> `8`).
    Num(String),
    /// A version-string literal (`v1.2`, `1.2.3`), as written; this is the
    /// text CPAN::Meta::Requirements reads from its magic.
    VStr(String),
    /// The words of a `qw` list, each with its position.
    Qw(Vec<(String, Location)>),
    Comma,
    FatComma,
    Semi,
    LParen,
    RParen,
    LBrace,
    RBrace,
    /// A variable: sigil and name (`$x`, `@ARGV`, `$^O`).
    Variable(String),
    /// A POD block (skipped where a statement may start).
    Pod,
    /// Any other operator or punctuation, as written.
    Other(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub loc: Location,
}

/// Splits `text` into tokens, stopping at `__END__` / `__DATA__`.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, Error> {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        column: 1,
        after_term: false,
    };
    let mut out = Vec::new();
    while let Some(token) = lx.next_token()? {
        out.push(token);
    }
    Ok(out)
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: u32,
    column: u32,
    /// The previous token ends a term, so a `.` now is the concatenation
    /// operator, not the start of a number like `.5`.
    after_term: bool,
}

fn syntax(expected: &str, found: &str, loc: Location) -> Error {
    Error::at(
        ErrorKind::CpanfileSyntax {
            expected: expected.to_string(),
            found: found.to_string(),
        },
        loc,
    )
}

fn unsupported(construct: String, why: &str, loc: Location) -> Error {
    Error::at(
        ErrorKind::CpanfileUnsupported {
            construct,
            why: why.to_string(),
        },
        loc,
    )
}

/// Words after which Perl expects a term (the cpanfile keywords are list
/// operators), so `requires .5` is the number `0.5`.
fn expects_term(word: &str) -> bool {
    matches!(
        word,
        "on" | "feature"
            | "mirror"
            | "osname"
            | "requires"
            | "recommends"
            | "suggests"
            | "conflicts"
            | "configure_requires"
            | "build_requires"
            | "test_requires"
            | "author_requires"
            | "return"
            | "if"
            | "unless"
            | "and"
            | "or"
            | "not"
    )
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The closing delimiter of a quote-like operator: brackets pair and nest,
/// anything else closes itself.
fn closing(open: char) -> (char, bool) {
    match open {
        '(' => (')', true),
        '[' => (']', true),
        '{' => ('}', true),
        '<' => ('>', true),
        c => (c, false),
    }
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    fn loc(&self) -> Location {
        Location {
            line: self.line,
            column: self.column,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn at_line_start(&self) -> bool {
        self.pos == 0 || self.chars.get(self.pos - 1) == Some(&'\n')
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }

    fn rest_starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(n, c)| self.peek_at(n) == Some(c))
    }

    /// Skips whitespace and comments. Returns a POD token when a POD block
    /// was skipped.
    fn skip_trivia(&mut self) -> Option<Token> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('#') => self.skip_line(),
                Some('=')
                    if self.at_line_start() && self.peek_at(1).is_some_and(is_ident_start) =>
                {
                    // The opening line never closes the block, even when it
                    // is `=cut` itself (Perl then skips to the next `=cut`).
                    let loc = self.loc();
                    self.skip_line();
                    while self.peek().is_some() {
                        let cut = self.rest_starts_with("=cut")
                            && !self.peek_at(4).is_some_and(char::is_alphabetic);
                        self.skip_line();
                        if cut {
                            break;
                        }
                    }
                    return Some(Token { tok: Tok::Pod, loc });
                }
                _ => return None,
            }
        }
    }

    fn next_token(&mut self) -> Result<Option<Token>, Error> {
        if let Some(pod) = self.skip_trivia() {
            return Ok(Some(pod));
        }
        let loc = self.loc();
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        let tok = match c {
            '\'' => {
                self.bump();
                Tok::Str(self.single_quoted('\'', '\'', false, loc)?)
            }
            '"' => {
                self.bump();
                Tok::Str(self.double_quoted('"', '"', false, loc)?)
            }
            ',' => {
                self.bump();
                Tok::Comma
            }
            ';' => {
                self.bump();
                Tok::Semi
            }
            '(' => {
                self.bump();
                Tok::LParen
            }
            ')' => {
                self.bump();
                Tok::RParen
            }
            '{' => {
                self.bump();
                Tok::LBrace
            }
            '}' => {
                self.bump();
                Tok::RBrace
            }
            '=' if self.peek_at(1) == Some('>') => {
                self.bump();
                self.bump();
                Tok::FatComma
            }
            '$' | '@' | '%' if self.sigil_starts_variable() => Tok::Variable(self.variable()),
            '.' if !self.after_term && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => {
                self.number(loc)?
            }
            c if c.is_ascii_digit() => self.number(loc)?,
            c if is_ident_start(c) => {
                let word = self.ident();
                if word == "__END__" || word == "__DATA__" {
                    self.pos = self.chars.len();
                    return Ok(None);
                }
                self.after_word(word, loc)?
            }
            _ => Tok::Other(self.operator()),
        };
        self.after_term = match &tok {
            Tok::Ident(w) => !expects_term(w),
            _ => false,
        } || matches!(
            tok,
            Tok::Str(_)
                | Tok::Num(_)
                | Tok::VStr(_)
                | Tok::Qw(_)
                | Tok::Variable(_)
                | Tok::RParen
                | Tok::RBrace
        );
        Ok(Some(Token { tok, loc }))
    }

    /// True when the `$`, `@` or `%` under the cursor starts a variable
    /// rather than being an operator (`%` is also modulus).
    fn sigil_starts_variable(&self) -> bool {
        let sigil = self.peek();
        match self.peek_at(1) {
            Some(c) if is_ident_start(c) || c == '{' || c == '$' || c == ':' => true,
            Some(c) if sigil == Some('$') && !c.is_whitespace() => true,
            Some('_') => true,
            _ => false,
        }
    }

    fn variable(&mut self) -> String {
        let mut out = String::new();
        if let Some(s) = self.bump() {
            out.push(s);
        }
        match self.peek() {
            Some('^') => {
                out.extend(self.bump());
                out.extend(self.bump());
            }
            Some(c) if is_ident_start(c) || c == ':' => {
                out.push_str(&self.ident());
            }
            Some(c) => {
                self.bump();
                out.push(c);
            }
            None => {}
        }
        out
    }

    fn ident(&mut self) -> String {
        let mut out = String::new();
        loop {
            match self.peek() {
                Some(c) if is_ident_char(c) => {
                    out.push(c);
                    self.bump();
                }
                Some(':') if self.peek_at(1) == Some(':') => {
                    out.push_str("::");
                    self.bump();
                    self.bump();
                }
                _ => return out,
            }
        }
    }

    /// A bareword just read: a quote-like operator, a v-string, or a plain
    /// word.
    fn after_word(&mut self, word: String, loc: Location) -> Result<Tok, Error> {
        let is_quote_op = matches!(word.as_str(), "q" | "qq" | "qw");
        if is_quote_op {
            // `q => 1` is the string "q"; otherwise the next non-space
            // character is the delimiter.
            let mut n = 0;
            while self.peek_at(n).is_some_and(char::is_whitespace) {
                n += 1;
            }
            let delim = self.peek_at(n);
            let fat = delim == Some('=') && self.peek_at(n + 1) == Some('>');
            let usable = delim.is_some_and(|d| !is_ident_char(d) && d != ',' && d != ';')
                && !(n > 0 && delim == Some('#'));
            if usable && !fat {
                for _ in 0..n {
                    self.bump();
                }
                let open = self.bump().unwrap_or(' ');
                let (close, nests) = closing(open);
                return Ok(match word.as_str() {
                    "q" => Tok::Str(self.single_quoted(open, close, nests, loc)?),
                    "qq" => Tok::Str(self.double_quoted(open, close, nests, loc)?),
                    _ => Tok::Qw(self.qw(open, close, nests, loc)?),
                });
            }
        }
        let is_vstring = word.len() > 1
            && word.starts_with('v')
            && word[1..].chars().all(|c| c.is_ascii_digit());
        if is_vstring {
            let mut text = word;
            while self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
                text.push('.');
                self.bump();
                while let Some(c) = self.peek().filter(char::is_ascii_digit) {
                    text.push(c);
                    self.bump();
                }
            }
            if text.contains('.') {
                return Ok(Tok::VStr(text));
            }
            // A lone `v65` is a word before `=>`, a v-string elsewhere: the
            // parser decides.
            return Ok(Tok::Ident(text));
        }
        Ok(Tok::Ident(word))
    }

    fn operator(&mut self) -> String {
        const TWO: [&str; 16] = [
            "==", "!=", ">=", "<=", "&&", "||", "//", "..", "->", "=~", "!~", "<<", ">>", "**",
            "++", "--",
        ];
        for op in TWO {
            if self.rest_starts_with(op) {
                self.bump();
                self.bump();
                return op.to_string();
            }
        }
        self.bump().map(String::from).unwrap_or_default()
    }

    /// Reads up to the closing delimiter (nesting brackets), returning the raw
    /// text with backslashes kept.
    fn delimited(
        &mut self,
        open: char,
        close: char,
        nests: bool,
        start: Location,
    ) -> Result<Vec<(char, Location)>, Error> {
        let mut depth = 0usize;
        let mut out = Vec::new();
        loop {
            let loc = self.loc();
            let Some(c) = self.bump() else {
                return Err(syntax(
                    &format!("`{close}` closing the string that starts at {start}"),
                    "end of file",
                    loc,
                ));
            };
            if c == '\\' {
                out.push((c, loc));
                let loc = self.loc();
                if let Some(next) = self.bump() {
                    out.push((next, loc));
                }
                continue;
            }
            if nests && c == open {
                depth += 1;
            } else if c == close {
                if depth == 0 {
                    return Ok(out);
                }
                depth -= 1;
            }
            out.push((c, loc));
        }
    }

    /// `'...'` / `q{...}`: only `\\` and the escaped delimiter are escapes.
    fn single_quoted(
        &mut self,
        open: char,
        close: char,
        nests: bool,
        start: Location,
    ) -> Result<String, Error> {
        let raw = self.delimited(open, close, nests, start)?;
        let mut out = String::new();
        let mut it = raw.iter().map(|(c, _)| *c).peekable();
        while let Some(c) = it.next() {
            if c == '\\' {
                match it.peek() {
                    Some(&n) if n == '\\' || n == open || n == close => {
                        out.push(n);
                        it.next();
                    }
                    _ => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// `"..."` / `qq{...}`: Perl's escapes; an interpolated variable is an
    /// error, since its value is not known without running Perl.
    fn double_quoted(
        &mut self,
        open: char,
        close: char,
        nests: bool,
        start: Location,
    ) -> Result<String, Error> {
        let raw = self.delimited(open, close, nests, start)?;
        let mut out = String::new();
        let mut n = 0;
        let get = |n: usize| raw.get(n).map(|(c, _)| *c);
        while let Some((c, loc)) = raw.get(n).copied() {
            n += 1;
            match c {
                '$' | '@' => {
                    let next = get(n);
                    // Any unescaped `$` interpolates (even `$ x`, `$)`) or is
                    // a Perl error ("Final $"); `@` only before a name (`@x`, `@0`,
                    // `@{`, `@::x`, `@$x`, `@-`, `@+`, `@@`, and `@'x` with the old
                    // package separator).
                    let interpolates = c == '$'
                        || matches!(next, Some(x) if is_ident_char(x) || matches!(x, '{' | ':' | '$' | '\'' | '-' | '+' | '@'));
                    if interpolates {
                        let mut name = String::from(c);
                        while let Some(x) = get(n).filter(|x| is_ident_char(*x) || *x == ':') {
                            name.push(x);
                            n += 1;
                            if name.len() > 40 {
                                break;
                            }
                        }
                        if name.len() == 1 {
                            name.extend(get(n));
                        }
                        return Err(unsupported(
                            format!("interpolation of `{name}` in a double-quoted string"),
                            "variables are not supported; write the value in single quotes",
                            loc,
                        ));
                    }
                    out.push(c);
                }
                '\\' => {
                    let Some(e) = get(n) else {
                        out.push('\\');
                        continue;
                    };
                    n += 1;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'f' => out.push('\x0c'),
                        'a' => out.push('\x07'),
                        'e' => out.push('\x1b'),
                        'b' => out.push('\x08'),
                        '0'..='7' => {
                            let mut value = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match get(n).and_then(|d| d.to_digit(8)) {
                                    Some(d) => {
                                        value = value * 8 + d;
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                        }
                        'x' => {
                            let mut digits = String::new();
                            if get(n) == Some('{') {
                                n += 1;
                                while let Some(d) = get(n) {
                                    n += 1;
                                    if d == '}' {
                                        break;
                                    }
                                    digits.push(d);
                                }
                            } else {
                                while digits.len() < 2 {
                                    match get(n).filter(char::is_ascii_hexdigit) {
                                        Some(d) => {
                                            digits.push(d);
                                            n += 1;
                                        }
                                        None => break,
                                    }
                                }
                            }
                            let digits: String = digits.chars().filter(|c| *c != '_').collect();
                            let value = if digits.trim().is_empty() {
                                0
                            } else {
                                u32::from_str_radix(digits.trim(), 16).map_err(|_| {
                                    syntax("hexadecimal digits after `\\x`", &digits, loc)
                                })?
                            };
                            out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                        }
                        'l' | 'u' | 'L' | 'U' | 'Q' | 'E' | 'F' | 'N' | 'c' | 'o' => {
                            return Err(unsupported(
                                format!("the escape `\\{e}` in a double-quoted string"),
                                "only character escapes are supported",
                                loc,
                            ));
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
        Ok(out)
    }

    /// `qw(...)`: whitespace-separated words; `\\` and the escaped
    /// delimiter are the only escapes.
    fn qw(
        &mut self,
        open: char,
        close: char,
        nests: bool,
        start: Location,
    ) -> Result<Vec<(String, Location)>, Error> {
        let raw = self.delimited(open, close, nests, start)?;
        let mut words: Vec<(String, Location)> = Vec::new();
        let mut current: Option<(String, Location)> = None;
        let mut n = 0;
        while let Some((c, loc)) = raw.get(n).copied() {
            n += 1;
            if c.is_whitespace() {
                words.extend(current.take());
                continue;
            }
            let word = current.get_or_insert_with(|| (String::new(), loc));
            match (c, raw.get(n).map(|(c, _)| *c)) {
                ('\\', Some(x)) if x == '\\' || x == open || x == close => {
                    word.0.push(x);
                    n += 1;
                }
                _ => word.0.push(c),
            }
        }
        words.extend(current);
        Ok(words)
    }

    /// A numeric literal (or a bare v-string like `1.2.3`).
    fn number(&mut self, loc: Location) -> Result<Tok, Error> {
        let mut text = String::new();
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some('0'), Some('x' | 'X')) => Some(16),
            (Some('0'), Some('b' | 'B')) => Some(2),
            (Some('0'), Some(d)) if d.is_ascii_digit() || d == '_' => Some(8),
            _ => None,
        };
        if let Some(radix) = radix {
            if radix != 8 {
                self.bump();
                self.bump();
            }
            while let Some(c) = self
                .peek()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                text.push(c);
                self.bump();
            }
            let digits: String = text.chars().filter(|c| *c != '_').collect();
            // `0x_` has no digits: a Perl syntax error, like `u64`'s.
            let value = if digits.is_empty() && radix == 8 {
                Ok(0)
            } else {
                u64::from_str_radix(&digits, radix)
            };
            return value
                .map(|v| Tok::Num(v.to_string()))
                .map_err(|_| syntax("a number", &text, loc));
        }
        let mut dots = 0;
        while let Some(c) = self.peek() {
            let take = c.is_ascii_digit()
                || c == '_'
                || (c == '.'
                    && self.peek_at(1) != Some('.')
                    && (dots == 0 || self.peek_at(1).is_some_and(|d| d.is_ascii_digit())));
            if !take {
                break;
            }
            if c == '.' {
                dots += 1;
            }
            text.push(c);
            self.bump();
        }
        if dots >= 2 {
            // Perl records a bare `1.2.3` literal as `v1.2.3` in the
            // v-string magic CPAN::Meta::Requirements reads.
            return Ok(Tok::VStr(format!("v{text}")));
        }
        if matches!(self.peek(), Some('e' | 'E'))
            && (self.peek_at(1).is_some_and(|d| d.is_ascii_digit())
                || (matches!(self.peek_at(1), Some('+' | '-'))
                    && self.peek_at(2).is_some_and(|d| d.is_ascii_digit())))
        {
            text.extend(self.bump());
            text.extend(self.bump());
            while let Some(c) = self.peek().filter(|c| c.is_ascii_digit() || *c == '_') {
                text.push(c);
                self.bump();
            }
        }
        if self.peek().is_some_and(is_ident_char) {
            let mut rest = text.clone();
            while let Some(c) = self.peek().filter(|c| is_ident_char(*c)) {
                rest.push(c);
                self.bump();
            }
            return Err(syntax("a number", &rest, loc));
        }
        Ok(Tok::Num(perl_number(&text)))
    }
}

/// The string Perl gives for a decimal numeric literal: integers as written
/// (without underscores and leading zeros), anything with a fraction or an
/// exponent through a double and `%.15g`.
pub(crate) fn perl_number(text: &str) -> String {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    let integral = digits.chars().all(|c| c.is_ascii_digit());
    if integral {
        if let Ok(v) = digits.parse::<u64>() {
            return v.to_string();
        }
    }
    let digits = if digits.starts_with('.') {
        format!("0{digits}")
    } else {
        digits
    };
    let digits = digits.strip_suffix('.').unwrap_or(&digits);
    match digits.parse::<f64>() {
        Ok(x) => format_g15(x),
        Err(_) => text.to_string(),
    }
}

/// C's `%.15g`, the format Perl stringifies doubles with.
pub(crate) fn format_g15(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf" } else { "-Inf" }.to_string();
    }
    if x.is_nan() {
        return "NaN".to_string();
    }
    let sci = format!("{x:.14e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..15).contains(&exp) {
        let m = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.abs());
    }
    let precision = usize::try_from(14 - exp).unwrap_or(0);
    trim_fraction(&format!("{x:.precision$}")).to_string()
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn numbers_stringify_like_perl() {
        for (lit, want) in [
            ("1.10", "1.1"),
            ("010", "8"),
            ("0x1f", "31"),
            ("1_000.5", "1000.5"),
            ("1e3", "1000"),
            ("1.123456789012345678", "1.12345678901235"),
            ("0.77", "0.77"),
            ("2.084000", "2.084"),
            ("0.0", "0"),
            ("1.", "1"),
            (".5", "0.5"),
            ("1e20", "1e+20"),
            ("0.00001", "1e-05"),
            ("20181120", "20181120"),
        ] {
            assert_eq!(toks(lit), vec![Tok::Num(want.into())], "{lit}");
        }
    }

    #[test]
    fn vstrings_and_words() {
        assert_eq!(toks("v1.2"), vec![Tok::VStr("v1.2".into())]);
        assert_eq!(toks("1.2.3"), vec![Tok::VStr("v1.2.3".into())]);
        assert_eq!(toks("v65"), vec![Tok::Ident("v65".into())]);
    }

    #[test]
    fn strings_decode_escapes() {
        assert_eq!(toks(r"'a\'b\\c\d'"), vec![Tok::Str(r"a'b\c\d".into())]);
        assert_eq!(
            toks(r#""a\tb\x41\101\"""#),
            vec![Tok::Str("a\tbAA\"".into())]
        );
        assert_eq!(toks("q{a{b}c}"), vec![Tok::Str("a{b}c".into())]);
        assert_eq!(toks(r#""user@""#), vec![Tok::Str("user@".into())]);
    }

    #[test]
    fn interpolation_is_refused_with_its_position() {
        let err = tokenize("requires \"Foo\", \"$v\";").unwrap_err();
        assert_eq!(
            err.location,
            Some(Location {
                line: 1,
                column: 18
            })
        );
        assert!(err.to_string().contains("`$v`"), "{err}");
    }

    #[test]
    fn qw_splits_words() {
        let t = toks("qw{ A 1.0 }");
        let Tok::Qw(words) = &t[0] else {
            panic!("{t:?}")
        };
        let words: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["A", "1.0"]);
    }

    #[test]
    fn pod_comments_and_end() {
        let t = toks("a # x\n=pod\n\nb\n=cut\nc\n__END__\nd");
        assert_eq!(
            t,
            vec![Tok::Ident("a".into()), Tok::Pod, Tok::Ident("c".into())]
        );
        // A block opened by `=cut` runs to the next `=cut`.
        let t = toks("=cut\nb\n=cut\nc");
        assert_eq!(t, vec![Tok::Pod, Tok::Ident("c".into())]);
    }
}
