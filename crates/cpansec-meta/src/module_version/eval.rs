//! Static evaluation of one `$VERSION` line, standing in for Module::Metadata's
//! `eval` of that line.
//!
//! Module::Metadata compiles the whole line inside a fresh package with
//! `use version;` and returns the variable's value, upgraded to a version
//! object by `_dwim_version`. We never run Perl: this module understands the
//! right-hand sides that real modules use and says "not statically known" for
//! everything else (returns `None`), never guessing.
//!
//! Understood right-hand sides:
//! - string literals `'…'`, `"…"` (without interpolation), `q{…}`, `qq{…}`;
//! - number literals (`1.23`, `1.23_01`, `1_000`, `1e3`, `0x10`), v-strings
//!   (`v1.2.3`, `1.2.3`), `undef`;
//! - `qv(LIT)`, `version::qv(LIT)`, `version->declare|parse|new(LIT)`;
//! - chained assignments `$X::VERSION = $X::VERSION = LIT` (used to silence
//!   "used only once" warnings);
//! - the RCS keyword idioms `sprintf FMT, q$Revision: N $ =~ /(\d+)/g`,
//!   `do { my @r = (q$Revision: N $ =~ /\d+/g); sprintf "%d."."%02d" x $#r, @r }`,
//!   `(qw$Revision: N $)[1]` and, in list assignment `($VERSION) = …`, a
//!   match of a revision keyword;
//! - followed on the same line by nothing, a comment, statements that do not
//!   mention `VERSION`, or `$VERSION = eval $VERSION [if $VERSION =~ /_/];`.

use cpansec_version::{VERSION_MAX, Version};

/// A Perl value as the version line leaves it in the variable.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String),
    /// An integer literal (Perl's IV or UV).
    Int(i128),
    Num(f64),
    /// A v-string literal, as written (`v1.2.3`, `1.2.3`).
    VString(String),
    /// Already a version object (`qv`, `version->declare`): its stringification.
    Object(String),
    Undef,
}

/// Evaluates the right-hand side `rhs` (the text after the `=`) of an
/// assignment to `var` (e.g. `$VERSION`, `$Foo::VERSION`). `list` is true for
/// the list-assignment form `($VERSION) = …`. Returns the version string
/// Module::Metadata would report, or `None` when it is not statically known.
pub(super) fn evaluate(rhs: &str, var: &str, list: bool) -> Option<String> {
    let mut p = Cursor::new(rhs);
    if var.starts_with('*') {
        // `*VERSION = \'1.01';`: a glob aliased to a constant.
        p.skip_ws();
        if !p.eat("\\") {
            return None;
        }
    }
    let mut value = p.value(list)?;
    p.skip_ws();
    if !p.at_end() && !p.eat("#") {
        if !p.eat(";") {
            return None;
        }
        value = rest_of_line(p.rest(), var, value)?;
    }
    dwim(value)
}

/// The statements after the assignment on the same line: they may not touch
/// the variable, except for the `eval $VERSION` numification idiom.
fn rest_of_line(rest: &str, var: &str, mut value: Value) -> Option<Value> {
    let mut p = Cursor::new(rest);
    loop {
        p.skip_ws();
        if p.at_end() || p.peek() == Some('#') {
            return Some(value);
        }
        let start = p.pos;
        let stmt_end = p.rest().find(';').map_or(p.src.len(), |i| p.pos + i);
        let stmt = p.src.get(start..stmt_end)?.trim();
        p.pos = (stmt_end + 1).min(p.src.len());
        if !stmt.contains("VERSION") {
            if stmt.contains('#') || stmt.contains('"') || stmt.contains('\'') {
                // A comment or string could hide a `;`: not worth the risk.
                return None;
            }
            continue;
        }
        value = eval_idiom(stmt, var, value)?;
    }
}

/// `$VERSION = eval $VERSION;` and `… if $VERSION =~ /_/;`.
fn eval_idiom(stmt: &str, var: &str, value: Value) -> Option<Value> {
    let words: Vec<&str> = stmt.split_whitespace().collect();
    let plain = [var, "=", "eval", var];
    let (head, cond) = if words.len() == 4 {
        (&words[..], false)
    } else if words.len() == 8 {
        let tail = &words[4..];
        let guard = ["if", var, "=~", "/_/"];
        (&words[..4], tail == guard)
    } else {
        return None;
    };
    if head != plain || (words.len() == 8 && !cond) {
        return None;
    }
    if cond {
        match &value {
            Value::Str(s) if !s.contains('_') => return Some(value),
            Value::Str(_) => {}
            // Numbers, v-strings (whose characters are code points) and
            // undef never contain `_`.
            Value::Int(_) | Value::Num(_) | Value::VString(_) | Value::Undef => {
                return Some(value);
            }
            Value::Object(_) => return None,
        }
    }
    perl_eval_literal(&value)
}

/// `eval $x` where `$x` holds a version-looking string: Perl compiles it as a
/// number or v-string literal.
fn perl_eval_literal(value: &Value) -> Option<Value> {
    match value {
        Value::Str(s) => {
            let mut p = Cursor::new(s);
            p.skip_ws();
            let v = p.number()?;
            p.skip_ws();
            p.eat(";");
            p.skip_ws();
            p.at_end().then_some(v)
        }
        Value::Int(_) | Value::Num(_) => Some(value.clone()),
        _ => None,
    }
}

/// Module::Metadata's `_dwim_version`: `version->new`, then with trailing
/// junk stripped, then with ActiveState's extra underscores removed, then
/// numified.
fn dwim(value: Value) -> Option<String> {
    match value {
        Value::Object(s) => Some(s),
        Value::Undef => Some("0".to_string()),
        Value::VString(text) => {
            let digits = text.strip_prefix('v').unwrap_or(&text);
            Version::declare(digits).ok()?;
            Some(format!("v{digits}"))
        }
        Value::Int(i) => iv_version(i),
        Value::Num(f) => nv_version(f),
        Value::Str(s) => {
            if let Ok(v) = Version::parse(&s) {
                return Some(v.as_str().to_string());
            }
            let stripped = strip_trailing_junk(&s);
            if let Ok(v) = Version::parse(&stripped) {
                return Some(v.as_str().to_string());
            }
            let unders = activestate(&stripped);
            if let Ok(v) = Version::parse(&unders) {
                return Some(v.as_str().to_string());
            }
            match numify(&unders) {
                Value::Int(i) => iv_version(i),
                Value::Num(f) => nv_version(f),
                _ => None,
            }
        }
    }
}

/// version.pm's upgrade of an integer: its digits, clamped to
/// [`VERSION_MAX`] (where a string would become `v.Inf`); negative is an error.
fn iv_version(i: i128) -> Option<String> {
    if i < 0 {
        None
    } else {
        Some(i.min(i128::from(VERSION_MAX)).to_string())
    }
}

/// version.pm's upgrade of a floating-point value: `%.9f`, trailing zeros
/// and a trailing point removed.
fn nv_version(f: f64) -> Option<String> {
    if !f.is_finite() || !(0.0..=1e50).contains(&f) {
        return None;
    }
    let s = format!("{f:.9}");
    let s = s.trim_end_matches('0');
    let s = s.strip_suffix('.').unwrap_or(s);
    Version::parse(s).ok().map(|v| v.as_str().to_string())
}

/// `s{([0-9])[a-z-].*$}{$1}i`
fn strip_trailing_junk(s: &str) -> String {
    let b = s.as_bytes();
    for i in 1..b.len() {
        let (prev, c) = (b[i - 1], b[i]);
        if prev.is_ascii_digit() && (c.is_ascii_alphabetic() || c == b'-') {
            return s[..i].to_string();
        }
    }
    s.to_string()
}

/// Removes every `_` from a version without a leading `v`, with fewer than two
/// dots and more than one underscore (`1.23_45_01`).
fn activestate(s: &str) -> String {
    let dots = s.matches('.').count();
    let unders = s.matches('_').count();
    if !s.starts_with('v') && dots < 2 && unders > 1 {
        s.replace('_', "")
    } else {
        s.to_string()
    }
}

/// Perl's numification of a string (`0 + $s`): the leading decimal number,
/// else 0.
fn numify(s: &str) -> Value {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0c', '\x0b']);
    let b = t.as_bytes();
    let mut end = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let digits_start = end;
    while b.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    let mut float = false;
    if b.get(end) == Some(&b'.') {
        let mut e = end + 1;
        while b.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
        if e > end + 1 || end > digits_start {
            float = true;
            end = e;
        }
    }
    if end == digits_start
        || (end == digits_start + 1 && float && b.get(digits_start) == Some(&b'.'))
    {
        return Value::Int(0);
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(b.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp_start = e;
        while b.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
        if e > exp_start {
            float = true;
            end = e;
        }
    }
    let text = t.get(..end).unwrap_or("0");
    if !float {
        if let Ok(i) = text.parse::<i128>() {
            return Value::Int(i);
        }
    }
    Value::Num(text.parse::<f64>().unwrap_or(0.0))
}

/// A position in the right-hand side.
struct Cursor<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str) -> Cursor<'a> {
        Cursor { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Eats a keyword `s` not followed by a word character.
    fn eat_word(&mut self, s: &str) -> bool {
        let rest = self.rest();
        if rest.starts_with(s)
            && !rest[s.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            self.bump();
        }
        self.src.get(start..self.pos).unwrap_or("")
    }

    /// The value of the right-hand side: a chained assignment or one term.
    fn value(&mut self, list: bool) -> Option<Value> {
        self.skip_ws();
        // `$A::VERSION = $A::VERSION = 'N'`
        let save = self.pos;
        if self.eat("$") {
            let name = self.word();
            self.skip_ws();
            if name.ends_with("VERSION") && self.eat("=") && !self.rest().starts_with(['=', '~']) {
                return self.value(list);
            }
            self.pos = save;
        }
        if list {
            return self.list_term();
        }
        self.term()
    }

    /// The first element of a list on the right of `($VERSION) = …`.
    fn list_term(&mut self) -> Option<Value> {
        let save = self.pos;
        if let Some(s) = self.quoted() {
            self.skip_ws();
            if self.eat("=~") {
                self.skip_ws();
                let parts = self.match_op(&s)?;
                return parts
                    .into_iter()
                    .next()
                    .map_or(Some(Value::Undef), |p| Some(Value::Str(p)));
            }
            self.pos = save;
        }
        self.term()
    }

    fn term(&mut self) -> Option<Value> {
        self.skip_ws();
        let c = self.peek()?;
        if c == '\'' || c == '"' || c == 'q' {
            let save = self.pos;
            if let Some(s) = self.quoted() {
                return Some(Value::Str(s));
            }
            self.pos = save;
        }
        let after_v = self.rest().get(1..).unwrap_or("");
        if c.is_ascii_digit()
            || c == '.'
            || (c == 'v' && after_v.starts_with(|d: char| d.is_ascii_digit()))
        {
            return self.number();
        }
        if self.eat_word("undef") {
            return Some(Value::Undef);
        }
        if self.eat_word("qv") || self.eat_word("version::qv") {
            let arg = self.call_arg()?;
            return declare(arg);
        }
        if self.eat("version->") {
            let method = self.word();
            let arg = self.call_arg()?;
            return match method {
                "declare" => declare(arg),
                "parse" | "new" => match arg {
                    Value::Str(s) => Version::parse(&s)
                        .ok()
                        .map(|v| Value::Object(v.as_str().to_string())),
                    other => Some(other),
                },
                _ => None,
            };
        }
        if self.eat_word("sprintf") {
            return self.sprintf_rcs();
        }
        if self.eat_word("do") {
            return self.do_rcs();
        }
        if self.eat("(") {
            return self.qw_index();
        }
        None
    }

    /// `(LIT)` or ` LIT` after a function name.
    fn call_arg(&mut self) -> Option<Value> {
        self.skip_ws();
        if self.eat("(") {
            let v = self.term()?;
            self.skip_ws();
            self.eat(")").then_some(v)
        } else {
            self.term()
        }
    }

    /// A number or v-string literal.
    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        if self.eat("0x") || self.eat("0X") {
            let h = self.word();
            return u64::from_str_radix(&h.replace('_', ""), 16)
                .ok()
                .map(|i| Value::Int(i128::from(i)));
        }
        let rest = self.rest().as_bytes();
        if rest.first() == Some(&b'0')
            && rest
                .get(1)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'_')
        {
            // An octal literal; `01.02` is even the concatenation "12".
            return None;
        }
        let vstring = self.eat("v");
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || c == '.' || c == '_')
        {
            self.bump();
        }
        let mut text = self.src.get(start..self.pos)?.to_string();
        let dots = text.matches('.').count();
        if vstring || dots >= 2 {
            if text.ends_with('.') || text.contains("..") {
                return None;
            }
            return Some(Value::VString(text.replace('_', "")));
        }
        if self.peek().is_some_and(|c| c == 'e' || c == 'E') {
            let save = self.pos;
            self.bump();
            let exp_start = self.pos;
            self.eat("-");
            self.eat("+");
            let digits = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
            if self.pos == digits {
                self.pos = save;
            } else {
                text.push('e');
                text.push_str(self.src.get(exp_start..self.pos)?);
            }
        }
        if self.peek().is_some_and(|c| c.is_alphanumeric()) {
            return None;
        }
        let clean = text.replace('_', "");
        if clean.is_empty() || clean == "." {
            return None;
        }
        if !clean.contains(['.', 'e']) {
            if let Ok(i) = clean.parse::<u64>() {
                return Some(Value::Int(i128::from(i)));
            }
        }
        let clean = if clean.ends_with('.') {
            format!("{clean}0")
        } else {
            clean
        };
        let clean = if clean.starts_with('.') {
            format!("0{clean}")
        } else {
            clean
        };
        clean.parse::<f64>().ok().map(Value::Num)
    }

    /// A quoted string without interpolation: `'…'`, `"…"`, `q…`, `qq…`.
    fn quoted(&mut self) -> Option<String> {
        self.skip_ws();
        let rest = self.rest();
        let delim = |s: &str| {
            s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_punctuation() && c != '_')
        };
        let interpolate = if rest.starts_with('"') {
            true
        } else if rest.starts_with('\'') {
            false
        } else if rest.starts_with("qq") && delim(&rest[2..]) {
            self.pos += 2;
            true
        } else if rest.starts_with('q') && delim(&rest[1..]) {
            self.pos += 1;
            false
        } else {
            return None;
        };
        let open = self.bump()?;
        let close = match open {
            '(' => ')',
            '[' => ']',
            '{' => '}',
            '<' => '>',
            c => c,
        };
        let mut out = String::new();
        loop {
            let c = self.bump()?;
            if c == close {
                return Some(out);
            }
            if c == open && open != close {
                return None; // nesting: not worth modelling
            }
            if c == '\\' {
                let e = self.bump()?;
                if !interpolate {
                    if e != '\\' && e != close {
                        out.push('\\');
                    }
                    out.push(e);
                    continue;
                }
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'x' => {
                        let hex: String = self
                            .rest()
                            .chars()
                            .take_while(char::is_ascii_hexdigit)
                            .take(2)
                            .collect();
                        self.pos += hex.len();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    c if c.is_ascii_punctuation() => out.push(c),
                    _ => return None,
                }
                continue;
            }
            if interpolate && (c == '$' || c == '@') {
                return None;
            }
            out.push(c);
        }
    }

    /// `=~ /(\d+)/g` and friends applied to `s`: the list the match returns.
    fn match_op(&mut self, s: &str) -> Option<Vec<String>> {
        self.eat("m");
        if !self.eat("/") {
            return None;
        }
        let end = self.rest().find('/')?;
        let pattern = self.rest().get(..end)?.to_string();
        self.pos += end + 1;
        let global = self.eat("g");
        let runs: Vec<&str> = s
            .split(|c: char| !c.is_ascii_digit())
            .filter(|r| !r.is_empty())
            .collect();
        let dotted: Vec<&str> = s
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|r| !r.is_empty())
            .collect();
        match (pattern.as_str(), global) {
            (r"(\d+)" | r"\d+", true) => Some(runs.iter().map(|r| r.to_string()).collect()),
            (r"(\d+)", false) => Some(
                runs.first()
                    .map(|r| vec![r.to_string()])
                    .unwrap_or_default(),
            ),
            (r"(\d+)\.(\d+)", false) => {
                for w in s.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
                    let mut it = w.split('.');
                    if let (Some(a), Some(b)) = (it.next(), it.next()) {
                        let a_digits = a.chars().rev().take_while(char::is_ascii_digit).count();
                        if a_digits > 0 && b.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                            let a = &a[a.len() - a_digits..];
                            let b: String = b.chars().take_while(char::is_ascii_digit).collect();
                            return Some(vec![a.to_string(), b]);
                        }
                    }
                }
                Some(Vec::new())
            }
            (r"([\d.]+)", false) => Some(
                dotted
                    .first()
                    .map(|r| vec![r.to_string()])
                    .unwrap_or_default(),
            ),
            _ => None,
        }
    }

    /// `sprintf FMT, STR =~ /…/` (parentheses optional).
    fn sprintf_rcs(&mut self) -> Option<Value> {
        self.skip_ws();
        let paren = self.eat("(");
        let fmt = self.quoted()?;
        self.skip_ws();
        if !self.eat(",") {
            return None;
        }
        self.skip_ws();
        let s = self.quoted()?;
        self.skip_ws();
        if !self.eat("=~") {
            return None;
        }
        self.skip_ws();
        let args = self.match_op(&s)?;
        self.skip_ws();
        if paren && !self.eat(")") {
            return None;
        }
        sprintf(&fmt, &args).map(Value::Str)
    }

    /// `do { my @r = ( STR =~ /\d+/g ); sprintf "%d." . "%02d" x $#r, @r }`
    fn do_rcs(&mut self) -> Option<Value> {
        self.skip_ws();
        if !self.eat("{") {
            return None;
        }
        self.skip_ws();
        for w in ["my", "@r", "=", "("] {
            if !self.eat(w) {
                return None;
            }
            self.skip_ws();
        }
        let s = self.quoted()?;
        self.skip_ws();
        if !self.eat("=~") {
            return None;
        }
        self.skip_ws();
        let args = self.match_op(&s)?;
        self.skip_ws();
        for w in [")", ";", "sprintf"] {
            if !self.eat(w) {
                return None;
            }
            self.skip_ws();
        }
        let first = self.quoted()?;
        self.skip_ws();
        if !self.eat(".") {
            return None;
        }
        self.skip_ws();
        let each = self.quoted()?;
        self.skip_ws();
        for w in ["x", "$#r", ",", "@r", "}"] {
            if !self.eat(w) {
                return None;
            }
            self.skip_ws();
        }
        let mut fmt = first;
        for _ in 1..args.len() {
            fmt.push_str(&each);
        }
        sprintf(&fmt, &args).map(Value::Str)
    }

    /// `(qw$Revision: 1.5 $)[1]`, after the `(`.
    fn qw_index(&mut self) -> Option<Value> {
        self.skip_ws();
        if !self.eat("qw") {
            return None;
        }
        let words = {
            let open = self.bump()?;
            if open.is_alphanumeric() || open.is_whitespace() {
                return None;
            }
            let end = self.rest().find(open)?;
            let inner = self.rest().get(..end)?.to_string();
            self.pos += end + open.len_utf8();
            inner
        };
        self.skip_ws();
        for w in [")", "["] {
            if !self.eat(w) {
                return None;
            }
            self.skip_ws();
        }
        let digits = self.word();
        let index: usize = digits.parse().ok()?;
        self.skip_ws();
        if !self.eat("]") {
            return None;
        }
        Some(
            words
                .split_whitespace()
                .nth(index)
                .map_or(Value::Undef, |w| Value::Str(w.to_string())),
        )
    }
}

/// `qv(x)` / `version->declare(x)`.
fn declare(arg: Value) -> Option<Value> {
    let text = match arg {
        Value::Str(s) => s,
        Value::VString(s) => {
            let digits = s.strip_prefix('v').unwrap_or(&s);
            Version::declare(digits).ok()?;
            return Some(Value::Object(format!("v{digits}")));
        }
        Value::Object(s) => return Some(Value::Object(s)),
        // Past the largest component, version.pm's integer path clamps.
        Value::Int(i) if i > i128::from(VERSION_MAX) => return iv_version(i).map(Value::Object),
        Value::Int(i) => i.to_string(),
        Value::Num(f) => nv_version(f)?,
        Value::Undef => return None,
    };
    let v = Version::declare(&text).ok()?;
    Some(Value::Object(v.as_str().to_string()))
}

/// `sprintf` with `%d`, `%0Nd`, `%Nd`, `%s` and `%%`: the RCS idioms' formats.
fn sprintf(fmt: &str, args: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let zero = chars.peek() == Some(&'0');
        if zero {
            chars.next();
        }
        let mut width = 0usize;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            width = width.checked_mul(10)?.checked_add(d as usize)?;
            chars.next();
            if width > 64 {
                return None;
            }
        }
        let arg = args.next().map_or("", String::as_str);
        let field = match chars.next()? {
            'd' => match numify(arg) {
                Value::Int(i) => i.to_string(),
                Value::Num(f) if f.is_finite() && f.abs() < 1e18 => format!("{}", f.trunc() as i64),
                _ => return None,
            },
            's' => arg.to_string(),
            _ => return None,
        };
        let pad = width.saturating_sub(field.chars().count());
        let fill = if zero { '0' } else { ' ' };
        out.extend(std::iter::repeat_n(fill, pad));
        out.push_str(&field);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(rhs: &str) -> Option<String> {
        evaluate(rhs, "$VERSION", false)
    }

    #[test]
    fn literals() {
        assert_eq!(ev(" '1.23';").as_deref(), Some("1.23"));
        assert_eq!(ev(" 1.10;").as_deref(), Some("1.1"));
        assert_eq!(ev(" 1.2.3;").as_deref(), Some("v1.2.3"));
        assert_eq!(ev(" '1.23-TRIAL';").as_deref(), Some("1.23"));
        assert_eq!(ev(" '1.2_3_4';").as_deref(), Some("1.234"));
        assert_eq!(ev(" 'abc';").as_deref(), Some("0"));
        assert_eq!(
            ev(" 123456789.123456789;").as_deref(),
            Some("123456789.123456791")
        );
        assert_eq!(ev(" \"1.2$x\";"), None);
        assert_eq!(ev(" $Other::VERSION;"), None);
    }

    #[test]
    fn eval_idiom() {
        assert_eq!(
            ev(" '1.23_01'; $VERSION = eval $VERSION;").as_deref(),
            Some("1.2301")
        );
        assert_eq!(
            ev(" '1.230'; $VERSION = eval $VERSION;").as_deref(),
            Some("1.23")
        );
        assert_eq!(
            ev(" '1.02'; $VERSION = eval $VERSION if $VERSION =~ /_/;").as_deref(),
            Some("1.02")
        );
        assert_eq!(ev(" '1.02'; $VERSION .= 'x';"), None);
    }

    #[test]
    fn rcs() {
        assert_eq!(
            ev(r#" sprintf "%d.%02d", q$Revision: 3.00 $ =~ /(\d+)/g;"#).as_deref(),
            Some("3.00")
        );
        assert_eq!(
            ev(r#" do { my @r = ( q$Revision: 2.3.4 $ =~ /\d+/g ); sprintf "%d." . "%02d" x $#r, @r };"#)
                .as_deref(),
            Some("2.0304")
        );
        assert_eq!(ev(" (qw$Revision: 1.5 $)[1];").as_deref(), Some("1.5"));
        assert_eq!(
            evaluate(r" q$Revision: 1.2 $ =~ /(\d+)/g;", "$VERSION", true).as_deref(),
            Some("1")
        );
    }
}
