//! A static reading of `Makefile.PL`: the literal arguments of
//! ExtUtils::MakeMaker's `WriteMakefile(...)`, without running any Perl.
//!
//! Read: `WriteMakefile( KEY => VALUE, ... )` (with or without parentheses,
//! also as `ExtUtils::MakeMaker::WriteMakefile`), and the Dist::Zilla form
//! `my %WriteMakefileArgs = ( ... ); ... WriteMakefile(%WriteMakefileArgs)`,
//! whose `%hash` is spliced in where it is named. Values are literals only:
//! single- and double-quoted strings without interpolation, `q`/`qq`/`qw`,
//! numbers (as Perl would print them: `2.070` is `"2.07"`), barewords
//! before `=>`, and `{...}` / `[...]` of those. Anything else (a variable,
//! a call, a `? :`, a concatenation) is kept as [`Static::NotStatic`] with
//! its source text, never evaluated. Later changes to the hash in code
//! (`delete $WriteMakefileArgs{...}` for old MakeMakers) are not followed:
//! what is read is what the author wrote down.

use std::collections::BTreeMap;

use crate::{Phase, Prereq, Prereqs, Relation};

/// A value that is either written literally or computed at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Static<T> {
    Known(T),
    /// Computed when `Makefile.PL` runs: the expression as written.
    NotStatic(String),
}

/// A Perl value as written in `Makefile.PL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PerlValue {
    Str(String),
    /// `[ ... ]` or `qw(...)`.
    List(Vec<PerlValue>),
    /// `{ ... }`.
    Hash(PerlHash),
    /// Not a literal: the expression as written.
    Dynamic(String),
}

impl PerlValue {
    /// The expression for a dynamic value, else what kind of literal it is
    /// (never the literal itself: messages stay short whatever the nesting).
    pub fn describe(&self) -> String {
        match self {
            PerlValue::Str(_) => "a string".to_string(),
            PerlValue::List(_) => "a list".to_string(),
            PerlValue::Hash(_) => "a hash".to_string(),
            PerlValue::Dynamic(e) => e.clone(),
        }
    }
}

/// A list of `key => value` pairs (a `{...}` or an argument list): the
/// literal pairs, the last of a repeated key winning as in Perl, and the
/// list elements that are not literal pairs (they may add any pairs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PerlHash {
    pub pairs: BTreeMap<String, PerlValue>,
    pub dynamic: Vec<String>,
}

/// What `Makefile.PL` says, read statically.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MakefilePl {
    /// The `WriteMakefile` arguments; `None` when no call was found (a
    /// Module::Install or hand-written Makefile.PL).
    pub args: Option<PerlHash>,
}

impl MakefilePl {
    /// Reads `Makefile.PL` source. Never fails: what cannot be read
    /// statically is reported as such. Bytes that are not UTF-8 are read as
    /// Latin-1, Perl's own default for source.
    pub fn parse_bytes(bytes: &[u8]) -> MakefilePl {
        match std::str::from_utf8(bytes) {
            Ok(text) => MakefilePl::parse(text),
            Err(_) => MakefilePl::parse(&bytes.iter().map(|&b| b as char).collect::<String>()),
        }
    }

    pub fn parse(text: &str) -> MakefilePl {
        let tokens = lex(text);
        let parser = Parser {
            text,
            tokens: &tokens,
        };
        MakefilePl {
            args: parser.write_makefile_args(),
        }
    }

    /// The argument `key` as a string.
    pub fn string(&self, key: &str) -> Option<Static<String>> {
        match self.args.as_ref()?.pairs.get(key)? {
            PerlValue::Str(s) => Some(Static::Known(s.clone())),
            PerlValue::Dynamic(e) => Some(Static::NotStatic(e.clone())),
            other => Some(Static::NotStatic(other.describe())),
        }
    }

    pub fn name(&self) -> Option<Static<String>> {
        self.string("NAME")
    }
    pub fn version(&self) -> Option<Static<String>> {
        self.string("VERSION")
    }
    pub fn version_from(&self) -> Option<Static<String>> {
        self.string("VERSION_FROM")
    }
    pub fn abstract_(&self) -> Option<Static<String>> {
        self.string("ABSTRACT")
    }
    pub fn abstract_from(&self) -> Option<Static<String>> {
        self.string("ABSTRACT_FROM")
    }
    pub fn license(&self) -> Option<Static<String>> {
        self.string("LICENSE")
    }
    pub fn min_perl_version(&self) -> Option<Static<String>> {
        self.string("MIN_PERL_VERSION")
    }

    /// `AUTHOR`: a string or (MakeMaker 6.57_02+) a list of strings.
    pub fn author(&self) -> Option<Static<Vec<String>>> {
        match self.args.as_ref()?.pairs.get("AUTHOR")? {
            PerlValue::Str(s) => Some(Static::Known(vec![s.clone()])),
            PerlValue::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        PerlValue::Str(s) => out.push(s.clone()),
                        other => return Some(Static::NotStatic(other.describe())),
                    }
                }
                Some(Static::Known(out))
            }
            PerlValue::Dynamic(e) => Some(Static::NotStatic(e.clone())),
            other => Some(Static::NotStatic(other.describe())),
        }
    }

    /// The prerequisites, as MakeMaker maps them onto META phases:
    /// `PREREQ_PM` runtime, `BUILD_REQUIRES` build, `TEST_REQUIRES` test,
    /// `CONFIGURE_REQUIRES` configure (all `requires`). Second: what could
    /// not be read statically, as `(argument, expression)`.
    pub fn prereqs(&self) -> (Prereqs, Vec<(String, String)>) {
        let mut prereqs = Prereqs::default();
        let mut unknown = Vec::new();
        let Some(args) = &self.args else {
            return (prereqs, unknown);
        };
        for (key, phase) in [
            ("PREREQ_PM", Phase::Runtime),
            ("BUILD_REQUIRES", Phase::Build),
            ("TEST_REQUIRES", Phase::Test),
            ("CONFIGURE_REQUIRES", Phase::Configure),
        ] {
            match args.pairs.get(key) {
                None => {}
                Some(PerlValue::Hash(hash)) => {
                    for (module, value) in &hash.pairs {
                        match value {
                            PerlValue::Str(v) => prereqs.insert(
                                phase.clone(),
                                Relation::Requires,
                                module,
                                Prereq {
                                    requirement: v.clone(),
                                    location: None,
                                },
                            ),
                            PerlValue::Dynamic(e) => {
                                unknown.push((format!("{key}.{module}"), e.clone()));
                            }
                            other => unknown.push((format!("{key}.{module}"), other.describe())),
                        }
                    }
                    for e in &hash.dynamic {
                        unknown.push((key.to_string(), e.clone()));
                    }
                }
                Some(PerlValue::Dynamic(e)) => unknown.push((key.to_string(), e.clone())),
                Some(other) => unknown.push((key.to_string(), other.describe())),
            }
        }
        (prereqs, unknown)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    /// A string literal's value; `None` when it interpolates.
    Str(Option<String>),
    Num(String),
    QuoteWords(Vec<String>),
    Var(String),
    FatComma,
    Comma,
    Semi,
    Open(char),
    Close(char),
    Other(char),
}

/// A token and its byte span in the source.
type Spanned = (Tok, usize, usize);

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    out: Vec<Spanned>,
}

/// Splits Perl source into the tokens the argument reader needs. Comments,
/// POD and heredoc bodies are skipped; what it does not know becomes
/// `Other`, which makes the surrounding value not static (never wrong).
fn lex(text: &str) -> Vec<Spanned> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        out: Vec::new(),
    };
    lexer.run();
    lexer.out
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..)?.chars().next()
    }
    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.text.get(self.pos..)?.chars().nth(ahead)
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn at_line_start(&self) -> bool {
        self.pos == 0 || self.text.as_bytes().get(self.pos - 1) == Some(&b'\n')
    }
    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }
    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push((tok, start, self.pos));
    }
    /// Whether a `/` here starts a pattern rather than a division.
    fn regex_allowed(&self) -> bool {
        match self.out.last() {
            None => true,
            Some((Tok::Other(c), _, _)) => "=~!(,{;&|?:".contains(*c),
            Some((Tok::Open(_) | Tok::Comma | Tok::FatComma | Tok::Semi, _, _)) => true,
            Some((Tok::Word(w), _, _)) => {
                matches!(
                    w.as_str(),
                    "split" | "grep" | "if" | "unless" | "and" | "or" | "not"
                )
            }
            _ => false,
        }
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c == '=' && self.at_line_start() && self.peek_at(1).is_some_and(char::is_alphabetic)
            {
                // POD, to the `=cut` line.
                loop {
                    let line_start = self.pos;
                    self.skip_line();
                    let line = self.text.get(line_start..self.pos).unwrap_or_default();
                    if line.starts_with("=cut") || self.peek().is_none() {
                        break;
                    }
                }
                continue;
            }
            if c.is_whitespace() {
                self.bump();
            } else if c == '#' {
                self.skip_line();
            } else if c == '\'' || c == '"' {
                self.bump();
                let body = self.delimited(c);
                let value = if c == '\'' {
                    Some(single(&body))
                } else {
                    double(&body)
                };
                self.push(Tok::Str(value), start);
            } else if c.is_ascii_digit()
                || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
            {
                while self
                    .peek()
                    .is_some_and(|d| d.is_ascii_alphanumeric() || d == '.' || d == '_')
                {
                    self.bump();
                }
                let text = self
                    .text
                    .get(start..self.pos)
                    .unwrap_or_default()
                    .to_string();
                self.push(Tok::Num(text), start);
            } else if c.is_alphabetic() || c == '_' {
                self.word(start);
            } else if c == '$'
                && self.peek_at(1).is_some_and(|d| {
                    !d.is_whitespace() && !d.is_alphanumeric() && !"{_:".contains(d)
                })
            {
                // A punctuation variable: `$]`, `$^O`, `$$`, `$@`, `$/`...
                self.bump();
                if self.bump() == Some('^') {
                    self.bump();
                }
                let text = self
                    .text
                    .get(start..self.pos)
                    .unwrap_or_default()
                    .to_string();
                self.push(Tok::Var(text), start);
            } else if (c == '$' || c == '@' || c == '%')
                && self
                    .peek_at(1)
                    .is_some_and(|d| d.is_alphanumeric() || "_:{^$".contains(d))
            {
                self.bump();
                if self.peek() == Some('{') || self.peek() == Some('^') || self.peek() == Some('$')
                {
                    self.bump();
                }
                while self
                    .peek()
                    .is_some_and(|d| d.is_alphanumeric() || d == '_' || d == ':')
                {
                    self.bump();
                }
                let text = self
                    .text
                    .get(start..self.pos)
                    .unwrap_or_default()
                    .to_string();
                self.push(Tok::Var(text), start);
            } else if c == '=' && self.peek_at(1) == Some('>') {
                self.bump();
                self.bump();
                self.push(Tok::FatComma, start);
            } else if c == '<' && self.peek_at(1) == Some('<') && self.heredoc(start) {
            } else if c == '/' && self.regex_allowed() {
                self.bump();
                self.delimited('/');
                self.push(Tok::Other('/'), start);
            } else {
                self.bump();
                let tok = match c {
                    ',' => Tok::Comma,
                    ';' => Tok::Semi,
                    '(' | '[' | '{' => Tok::Open(c),
                    ')' | ']' | '}' => Tok::Close(c),
                    _ => Tok::Other(c),
                };
                self.push(tok, start);
            }
        }
    }

    /// A bareword, or a quote-like operator (`q`, `qq`, `qw`, `m`, `qr`,
    /// `s`, `tr`, `y`) with its delimited parts.
    fn word(&mut self, start: usize) {
        while self.peek().is_some_and(|d| {
            d.is_alphanumeric() || d == '_' || (d == ':' && self.peek_at(1) == Some(':'))
        }) {
            if self.peek() == Some(':') {
                self.bump();
            }
            self.bump();
        }
        let word = self
            .text
            .get(start..self.pos)
            .unwrap_or_default()
            .to_string();
        if word == "__END__" || word == "__DATA__" {
            self.pos = self.text.len();
            return;
        }
        let parts = match word.as_str() {
            "q" | "qq" | "qw" | "m" | "qr" => 1,
            "s" | "tr" | "y" => 2,
            _ => 0,
        };
        // `q => 1` is a hash key, not a quote.
        let save = self.pos;
        while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
            self.bump();
        }
        let delim = self.peek();
        let is_quote = parts > 0
            && delim.is_some_and(|d| {
                !d.is_alphanumeric()
                    && !d.is_whitespace()
                    && d != '_'
                    && d != ','
                    && d != ';'
                    && d != ')'
            })
            && !(delim == Some('=') && self.peek_at(1) == Some('>'));
        if !is_quote {
            self.pos = save;
            self.push(Tok::Word(word), start);
            return;
        }
        let Some(open) = self.bump() else {
            return;
        };
        let close = closing(open);
        let body = self.delimited(open);
        if parts == 2 {
            if close != open {
                while self.peek().is_some_and(char::is_whitespace) {
                    self.bump();
                }
                if let Some(o) = self.bump() {
                    self.delimited(o);
                }
            } else {
                self.delimited(open);
            }
        }
        // Pattern modifiers.
        if parts == 2 || word == "m" || word == "qr" {
            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                self.bump();
            }
        }
        let tok = match word.as_str() {
            "q" => Tok::Str(Some(single(&body))),
            "qq" => Tok::Str(double(&body)),
            "qw" => Tok::QuoteWords(body.split_whitespace().map(str::to_string).collect()),
            _ => Tok::Other('/'),
        };
        self.push(tok, start);
    }

    /// The text up to the matching `close` of `open` (already consumed),
    /// nesting bracket pairs and skipping backslash escapes. The escapes are
    /// kept; the closing delimiter is consumed.
    fn delimited(&mut self, open: char) -> String {
        let close = closing(open);
        let mut depth = 0usize;
        let start = self.pos;
        let mut end = self.text.len();
        while let Some(c) = self.bump() {
            if c == '\\' {
                self.bump();
            } else if c == close && depth == 0 {
                end = self.pos - c.len_utf8();
                break;
            } else if c == close {
                depth -= 1;
            } else if c == open && open != close {
                depth += 1;
            }
        }
        self.text.get(start..end).unwrap_or_default().to_string()
    }

    /// `<<"EOT"`, `<<'EOT'`, `<<EOT`, `<<~EOT`: skips the body (from the
    /// next line to the terminator) and yields an interpolating string.
    fn heredoc(&mut self, start: usize) -> bool {
        let rest = self.text.get(self.pos + 2..).unwrap_or_default();
        let rest_trim = rest.strip_prefix('~').unwrap_or(rest);
        let indented = rest_trim.len() != rest.len();
        let (tag, quoted_len) = if let Some(r) = rest_trim
            .strip_prefix('"')
            .or_else(|| rest_trim.strip_prefix('\''))
        {
            match r.find(['"', '\'']) {
                Some(end) => (r.get(..end).unwrap_or_default().to_string(), end + 2),
                None => return false,
            }
        } else {
            let tag: String = rest_trim
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let len = tag.len();
            (tag, len)
        };
        if tag.is_empty() {
            return false;
        }
        self.pos += 2 + usize::from(indented) + quoted_len;
        // The body starts on the next line; the rest of this line still counts.
        let line_end = self
            .text
            .get(self.pos..)
            .and_then(|r| r.find('\n'))
            .map_or(self.text.len(), |i| self.pos + i + 1);
        let mut body_end = self.text.len();
        let mut at = line_end;
        while at < self.text.len() {
            let next = self
                .text
                .get(at..)
                .and_then(|r| r.find('\n'))
                .map_or(self.text.len(), |i| at + i + 1);
            let line = self.text.get(at..next).unwrap_or_default();
            let line = line.trim_end_matches(['\n', '\r']);
            let line = if indented { line.trim_start() } else { line };
            if line == tag {
                body_end = next;
                break;
            }
            at = next;
        }
        self.push(Tok::Str(None), start);
        // Lex the rest of the heredoc's line, then jump over the body.
        let resume = body_end;
        let saved = std::mem::take(&mut self.out);
        let mut line = Lexer {
            text: self.text.get(..line_end).unwrap_or_default(),
            pos: self.pos,
            out: Vec::new(),
        };
        line.run();
        self.out = saved;
        self.out.extend(line.out);
        self.pos = resume.max(line_end);
        true
    }
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        c => c,
    }
}

/// A single-quoted string's value: only `\\` and `\'` are escapes.
fn single(body: &str) -> String {
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.peek(), Some('\\' | '\'')) {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// A double-quoted string's value, or `None` when it interpolates a
/// variable (`$x`, `@x`) and so is not known until run time.
fn double(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'e' => out.push('\u{1b}'),
                'a' => out.push('\u{7}'),
                'x' | 'N' | 'c' | 'u' | 'l' | 'U' | 'L' | 'Q' | 'E' => return None,
                other => out.push(other),
            },
            '$' | '@'
                if chars
                    .peek()
                    .is_some_and(|d| d.is_alphanumeric() || "_{:$".contains(*d)) =>
            {
                return None;
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// A numeric literal as Perl prints it back: underscores dropped, trailing
/// fractional zeros dropped (`2.070` is `2.07`), hex/octal/binary integers
/// in decimal. `None` for what cannot be printed exactly without floating
/// point (more than 15 significant digits, exponents, v-strings).
fn perl_number(lit: &str) -> Option<String> {
    let lit: String = lit.chars().filter(|&c| c != '_').collect();
    let radix = |digits: &str, radix: u32| {
        u64::from_str_radix(digits, radix)
            .ok()
            .map(|n| n.to_string())
    };
    if let Some(h) = lit.strip_prefix("0x").or_else(|| lit.strip_prefix("0X")) {
        return radix(h, 16);
    }
    if let Some(b) = lit.strip_prefix("0b").or_else(|| lit.strip_prefix("0B")) {
        return radix(b, 2);
    }
    if !lit.chars().all(|c| c.is_ascii_digit() || c == '.') || lit.matches('.').count() > 1 {
        return None;
    }
    let (int, frac) = lit.split_once('.').unwrap_or((&lit, ""));
    if frac.is_empty() && int.len() > 1 && int.starts_with('0') {
        return radix(int, 8);
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let significant = if int.is_empty() {
        frac.trim_start_matches('0').len()
    } else {
        int.len() + frac.len()
    };
    if significant > 15 {
        return None;
    }
    let int = if int.is_empty() { "0" } else { int };
    Some(if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    })
}

struct Parser<'a> {
    text: &'a str,
    tokens: &'a [Spanned],
}

impl Parser<'_> {
    fn tok(&self, i: usize) -> Option<&Tok> {
        self.tokens.get(i).map(|(t, _, _)| t)
    }

    /// Finds the `WriteMakefile` call and reads its arguments.
    fn write_makefile_args(&self) -> Option<PerlHash> {
        let call = (0..self.tokens.len()).find(|&i| {
            matches!(self.tok(i), Some(Tok::Word(w)) if w == "WriteMakefile" || w == "ExtUtils::MakeMaker::WriteMakefile")
                && !matches!(i.checked_sub(1).and_then(|p| self.tok(p)), Some(Tok::Word(w)) if w == "sub")
        })?;
        let (start, close) = match self.tok(call + 1) {
            Some(Tok::Open('(')) => (call + 2, Some(')')),
            _ => (call + 1, None),
        };
        let (items, _) = self.list(start, close, 0);
        Some(self.pairs(items, 0))
    }

    /// `%name = (` ... `)` anywhere in the file: the list assigned.
    fn hash_assignment(&self, name: &str, depth: u32) -> Option<Vec<Item>> {
        // `%name = (` or `my(%name) = (`.
        let list_start = (0..self.tokens.len()).find_map(|i| {
            if !matches!(self.tok(i), Some(Tok::Var(v)) if v == name) {
                return None;
            }
            let after = if self.tok(i + 1) == Some(&Tok::Close(')')) {
                i + 2
            } else {
                i + 1
            };
            (self.tok(after) == Some(&Tok::Other('='))
                && self.tok(after + 1) == Some(&Tok::Open('(')))
            .then_some(after + 2)
        })?;
        Some(self.list(list_start, Some(')'), depth + 1).0)
    }

    /// Reads list items from `i` up to `close` (or `;`/end when `None`);
    /// returns them and the index after the closer.
    fn list(&self, mut i: usize, close: Option<char>, depth: u32) -> (Vec<Item>, usize) {
        let mut items = Vec::new();
        loop {
            match self.tok(i) {
                None => return (items, i),
                Some(Tok::Close(c)) if Some(*c) == close => return (items, i + 1),
                Some(Tok::Close(_)) if close.is_none() => return (items, i),
                Some(Tok::Semi) if close.is_none() => return (items, i),
                Some(Tok::Comma | Tok::FatComma) => i += 1,
                Some(_) => {
                    let (item, next) = self.item(i, depth);
                    match item {
                        Item::Flat(values) => items.extend(values.into_iter().map(Item::Value)),
                        item => items.push(item),
                    }
                    // Guarantee progress on any input.
                    i = next.max(i + 1);
                }
            }
        }
    }

    /// One list element starting at `i`; literal if it is one and is
    /// followed by a separator or closer, else the expression's text.
    fn item(&self, i: usize, depth: u32) -> (Item, usize) {
        if depth < 32 {
            if let Some((item, next)) = self.literal(i, depth) {
                if matches!(
                    self.tok(next),
                    None | Some(Tok::Comma | Tok::FatComma | Tok::Close(_) | Tok::Semi)
                ) {
                    return (item, next);
                }
            }
        }
        let end = self.expression_end(i);
        let text = match (
            self.tokens.get(i),
            end.checked_sub(1).and_then(|e| self.tokens.get(e)),
        ) {
            (Some((_, s, _)), Some((_, _, e))) if s <= e => {
                self.text.get(*s..*e).unwrap_or_default().trim().to_string()
            }
            _ => String::new(),
        };
        (Item::Dynamic(text), end)
    }

    fn literal(&self, i: usize, depth: u32) -> Option<(Item, usize)> {
        let value = match self.tok(i)? {
            Tok::Str(Some(s)) => PerlValue::Str(s.clone()),
            Tok::Num(n) => PerlValue::Str(perl_number(n)?),
            Tok::Word(w) if self.tok(i + 1) == Some(&Tok::FatComma) => PerlValue::Str(w.clone()),
            // `qw(...)` is a list, flattened into the surrounding one.
            Tok::QuoteWords(words) => {
                let words = words.iter().map(|w| PerlValue::Str(w.clone())).collect();
                return Some((Item::Flat(words), i + 1));
            }
            Tok::Open('{') => {
                let (items, next) = self.list(i + 1, Some('}'), depth + 1);
                return Some((
                    Item::Value(PerlValue::Hash(self.pairs(items, depth + 1))),
                    next,
                ));
            }
            Tok::Open('[') => {
                let (items, next) = self.list(i + 1, Some(']'), depth + 1);
                let mut values = Vec::new();
                for item in items {
                    match item {
                        Item::Value(v) => values.push(v),
                        Item::Dynamic(_) | Item::Splice(_) | Item::Flat(_) => return None,
                    }
                }
                return Some((Item::Value(PerlValue::List(values)), next));
            }
            Tok::Var(v) if v.starts_with('%') => return Some((Item::Splice(v.clone()), i + 1)),
            _ => return None,
        };
        Some((Item::Value(value), i + 1))
    }

    /// The index just past an expression starting at `i`: the next comma,
    /// `=>`, `;` or unbalanced closer at bracket depth 0.
    fn expression_end(&self, mut i: usize) -> usize {
        let mut depth = 0usize;
        while let Some(tok) = self.tok(i) {
            match tok {
                Tok::Open(_) => depth += 1,
                Tok::Close(_) if depth == 0 => return i,
                Tok::Close(_) => depth -= 1,
                Tok::Comma | Tok::FatComma | Tok::Semi if depth == 0 => return i,
                _ => {}
            }
            i += 1;
        }
        i
    }

    /// Pairs list items into a hash. A dynamic element may add any number
    /// of elements; like MakeMaker's own conditional idiom
    /// `(COND ? (K => V) : ())` it is assumed to add whole pairs.
    fn pairs(&self, items: Vec<Item>, depth: u32) -> PerlHash {
        let mut hash = PerlHash::default();
        let mut key: Option<String> = None;
        for item in items {
            match (key.take(), item) {
                (None, Item::Value(PerlValue::Str(k))) => key = Some(k),
                (None, Item::Value(other)) => {
                    hash.dynamic
                        .push(format!("{} used as a key", other.describe()));
                }
                (None, Item::Dynamic(e)) => hash.dynamic.push(e),
                // Only the call's own arguments splice a hash in; inside an
                // assigned hash a `%name` stays unknown, so self- and
                // mutual references cannot multiply the work.
                (None, Item::Splice(name)) => match self.hash_assignment(&name, depth) {
                    Some(inner) if depth == 0 => {
                        let inner = self.pairs(inner, depth + 1);
                        hash.pairs.extend(inner.pairs);
                        hash.dynamic.extend(inner.dynamic);
                    }
                    _ => hash.dynamic.push(name),
                },
                (Some(k), Item::Value(v)) => {
                    hash.pairs.insert(k, v);
                }
                (Some(k), Item::Dynamic(e)) => {
                    hash.pairs.insert(k, PerlValue::Dynamic(e));
                }
                // `list` flattens these before pairing; kept total.
                (_, Item::Flat(_)) => hash.dynamic.push("qw(...)".to_string()),
                (Some(k), Item::Splice(name)) => {
                    hash.pairs.insert(k, PerlValue::Dynamic(name));
                }
            }
        }
        if let Some(k) = key {
            hash.dynamic.push(format!("{k} (a key without a value)"));
        }
        hash
    }
}

#[derive(Debug)]
enum Item {
    Value(PerlValue),
    Dynamic(String),
    /// `%name` in a list: the pairs of that hash.
    Splice(String),
    /// Several list elements written as one (`qw(a b)`).
    Flat(Vec<PerlValue>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(s: &str) -> Option<Static<String>> {
        Some(Static::Known(s.to_string()))
    }

    #[test]
    fn plain_write_makefile() {
        let m = MakefilePl::parse(
            "use ExtUtils::MakeMaker;\n# WriteMakefile(NAME => 'Wrong')\nWriteMakefile(\n NAME => 'Foo::Bar', VERSION_FROM => q{lib/Foo/Bar.pm},\n 'AUTHOR' => \"A <a\\@b.org>\",\n PREREQ_PM => { 'Test::More' => 0.88, Carp => '1.0', 'X' => 2.070, Y => $v, },\n LICENSE => 'perl',\n);\n",
        );
        assert_eq!(m.name(), known("Foo::Bar"));
        assert_eq!(m.version_from(), known("lib/Foo/Bar.pm"));
        assert_eq!(
            m.author(),
            Some(Static::Known(vec!["A <a@b.org>".to_string()]))
        );
        assert_eq!(m.license(), known("perl"));
        let (prereqs, unknown) = m.prereqs();
        let get = |module| {
            prereqs
                .get(&Phase::Runtime, &Relation::Requires, module)
                .map(|p| p.requirement.clone())
        };
        assert_eq!(get("Test::More").as_deref(), Some("0.88"));
        assert_eq!(get("X").as_deref(), Some("2.07"));
        assert_eq!(unknown, vec![("PREREQ_PM.Y".to_string(), "$v".to_string())]);
    }

    #[test]
    fn conditional_pairs_are_not_static() {
        let m = MakefilePl::parse(
            "WriteMakefile(NAME => 'A', (eval { ExtUtils::MakeMaker->VERSION(6.21) } ? (LICENSE => 'perl') : ()), VERSION => $VERSION, ABSTRACT => 'x' . 'y');",
        );
        let args = m.args.clone().unwrap_or_default();
        assert_eq!(args.dynamic.len(), 1);
        assert_eq!(m.license(), None);
        assert_eq!(m.version(), Some(Static::NotStatic("$VERSION".into())));
        assert_eq!(m.abstract_(), Some(Static::NotStatic("'x' . 'y'".into())));
    }

    #[test]
    fn dist_zilla_hash() {
        let m = MakefilePl::parse(
            "my %WriteMakefileArgs = (\n  \"NAME\" => \"Foo\",\n  \"PREREQ_PM\" => { \"Moo\" => 2 },\n  \"MIN_PERL_VERSION\" => \"5.010001\",\n);\nmy %FallbackPrereqs = ( 'X' => 1 );\nunless ( eval { ExtUtils::MakeMaker->VERSION(6.63_03) } ) {\n  delete $WriteMakefileArgs{TEST_REQUIRES};\n}\nWriteMakefile(%WriteMakefileArgs);\n",
        );
        assert_eq!(m.name(), known("Foo"));
        assert_eq!(m.min_perl_version(), known("5.010001"));
        assert!(
            m.prereqs()
                .0
                .get(&Phase::Runtime, &Relation::Requires, "Moo")
                .is_some()
        );
    }

    #[test]
    fn parenthesised_my_hash() {
        let m = MakefilePl::parse(
            "my(%params) = (\n (($] ge '5.005') ? (AUTHOR => 'A') : ()),\n NAME => 'Config::Tiny', PREREQ_PM => { 'File::Spec' => 3.30 },\n);\nWriteMakefile(%params);\n",
        );
        assert_eq!(m.name(), known("Config::Tiny"));
        let (prereqs, _) = m.prereqs();
        let spec = prereqs.get(&Phase::Runtime, &Relation::Requires, "File::Spec");
        assert_eq!(spec.map(|p| p.requirement.as_str()), Some("3.3"));
    }

    #[test]
    fn self_referencing_hashes_stay_cheap() {
        let splices = vec!["%a"; 50].join(", ");
        let text = format!("my %a = ({splices}, NAME => 'A');\nWriteMakefile(%a, %a, %a);\n");
        let m = MakefilePl::parse(&text);
        assert_eq!(m.name(), known("A"));
    }

    #[test]
    fn deep_nesting_stays_cheap() {
        // Found by fuzzing: messages quoting nested values grew
        // exponentially with the depth.
        let text = format!("WriteMakefile(NAME => 'A', {}", "{".repeat(200));
        let m = MakefilePl::parse(&text);
        assert_eq!(m.name(), known("A"));
    }

    #[test]
    fn no_call() {
        assert_eq!(
            MakefilePl::parse("use inc::Module::Install;\nname 'Foo';\nWriteAll;\n").args,
            None
        );
    }

    #[test]
    fn heredoc_and_pod_are_skipped() {
        let m = MakefilePl::parse(
            "print <<EOT;\nWriteMakefile(NAME => 'Wrong');\nEOT\n=pod\n\nWriteMakefile(NAME => 'Wrong2');\n\n=cut\nWriteMakefile(NAME => 'Right', ABSTRACT => 'it\\'s');\n",
        );
        assert_eq!(m.name(), known("Right"));
        assert_eq!(m.abstract_(), known("it's"));
    }

    #[test]
    fn numbers_print_as_perl_prints_them() {
        assert_eq!(perl_number("2.070").as_deref(), Some("2.07"));
        assert_eq!(perl_number("1_000").as_deref(), Some("1000"));
        assert_eq!(perl_number("0.31").as_deref(), Some("0.31"));
        assert_eq!(perl_number("010").as_deref(), Some("8"));
        assert_eq!(perl_number("0x1f").as_deref(), Some("31"));
        assert_eq!(perl_number("5.010001").as_deref(), Some("5.010001"));
        assert_eq!(perl_number("6.").as_deref(), Some("6"));
        assert_eq!(perl_number("1e3"), None);
    }
}
