//! The cpanfile grammar, over the tokens of [`super::lexer`]:
//!
//! ```text
//! file      = statement* EOF
//! block     = "{" statement* "}"
//! statement = ";" | POD | "use" ("strict" | "warnings" | "utf8") ";"
//!           | list (";" | before "}" | EOF)
//! list      = [ item { ("," | "=>") item } [ "," | "=>" ] ]
//! item      = STRING | NUMBER | VSTRING | QW | WORD "=>" | "(" list ")"
//!           | "sub" block | call
//! call      = KEYWORD "(" list ")" | KEYWORD list      (a list operator: greedy)
//! ```
//!
//! `KEYWORD` is one of the Module::CPANfile functions. Everything else Perl
//! allows is refused with [`ErrorKind::CpanfileUnsupported`], naming the
//! construct: the file then needs Perl to be read.

use crate::cpanfile::lexer::{Tok, Token};
use crate::{Error, ErrorKind, Location};

/// How deep parentheses, blocks and nested calls may go: deeper input is
/// refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// The Module::CPANfile functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keyword {
    On,
    Feature,
    Mirror,
    Osname,
    Requires,
    Recommends,
    Suggests,
    Conflicts,
    ConfigureRequires,
    BuildRequires,
    TestRequires,
    AuthorRequires,
}

impl Keyword {
    fn from_word(w: &str) -> Option<Keyword> {
        Some(match w {
            "on" => Keyword::On,
            "feature" => Keyword::Feature,
            "mirror" => Keyword::Mirror,
            "osname" => Keyword::Osname,
            "requires" => Keyword::Requires,
            "recommends" => Keyword::Recommends,
            "suggests" => Keyword::Suggests,
            "conflicts" => Keyword::Conflicts,
            "configure_requires" => Keyword::ConfigureRequires,
            "build_requires" => Keyword::BuildRequires,
            "test_requires" => Keyword::TestRequires,
            "author_requires" => Keyword::AuthorRequires,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Keyword::On => "on",
            Keyword::Feature => "feature",
            Keyword::Mirror => "mirror",
            Keyword::Osname => "osname",
            Keyword::Requires => "requires",
            Keyword::Recommends => "recommends",
            Keyword::Suggests => "suggests",
            Keyword::Conflicts => "conflicts",
            Keyword::ConfigureRequires => "configure_requires",
            Keyword::BuildRequires => "build_requires",
            Keyword::TestRequires => "test_requires",
            Keyword::AuthorRequires => "author_requires",
        }
    }
}

/// One element of an argument list.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    /// A string, number or v-string, as the value Perl passes. A v-string's
    /// value is its characters (`v1.2` is "\x01\x02"); `vstring` keeps the
    /// literal, which is what CPAN::Meta::Requirements reads as a version.
    Scalar {
        value: String,
        vstring: Option<String>,
        loc: Location,
    },
    /// `sub { ... }`.
    Code { body: Vec<Statement>, loc: Location },
    /// A nested call (`requires 'A', requires 'B'`): evaluated before the
    /// call it is an argument of.
    Call(Call),
    /// `( ... )`, flattened when evaluated.
    List(Vec<Item>),
}

#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub keyword: Keyword,
    pub loc: Location,
    pub args: Vec<Item>,
}

/// A statement: a comma-separated list evaluated for its effects.
pub(crate) type Statement = Vec<Item>;

pub(crate) fn parse(tokens: &[Token]) -> Result<Vec<Statement>, Error> {
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let body = p.statements(false)?;
    if let Some(t) = p.peek() {
        return Err(p.unexpected(t, "a statement"));
    }
    Ok(body)
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    depth: usize,
}

fn unsupported(construct: impl Into<String>, why: &str, loc: Location) -> Error {
    Error::at(
        ErrorKind::CpanfileUnsupported {
            construct: construct.into(),
            why: why.to_string(),
        },
        loc,
    )
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(w) => format!("`{w}`"),
        Tok::Str(s) => format!("the string {s:?}"),
        Tok::Num(n) => format!("the number {n}"),
        Tok::VStr(v) => format!("the version string {v}"),
        Tok::Qw(_) => "a `qw` list".to_string(),
        Tok::Comma => "`,`".to_string(),
        Tok::FatComma => "`=>`".to_string(),
        Tok::Semi => "`;`".to_string(),
        Tok::LParen => "`(`".to_string(),
        Tok::RParen => "`)`".to_string(),
        Tok::LBrace => "`{`".to_string(),
        Tok::RBrace => "`}`".to_string(),
        Tok::Variable(v) => format!("the variable `{v}`"),
        Tok::Pod => "a POD block".to_string(),
        Tok::Other(o) => format!("`{o}`"),
    }
}

/// The error for a Perl word that is not part of the cpanfile language.
fn perl_word(word: &str, loc: Location) -> Error {
    let (construct, why) = match word {
        "if" | "unless" | "elsif" | "else" => {
            (format!("Perl `{word}`"), "conditionals are not supported")
        }
        "for" | "foreach" | "while" | "until" => {
            (format!("Perl `{word}`"), "loops are not supported")
        }
        "my" | "our" | "local" | "state" => {
            (format!("Perl `{word}`"), "variables are not supported")
        }
        "use" | "no" | "require" => (
            format!("Perl `{word}`"),
            "loading modules and pragmas other than `use strict`/`use warnings` is not supported",
        ),
        "do" | "eval" => (
            format!("Perl `{word}`"),
            "evaluating code or other files is not supported",
        ),
        "sub" => (
            "a named Perl `sub`".to_string(),
            "only anonymous `sub { ... }` blocks passed to `on` and `feature` are supported",
        ),
        "package" | "BEGIN" | "END" | "INIT" | "CHECK" | "return" | "die" | "warn" | "print"
        | "exit" => (
            format!("Perl `{word}`"),
            "only the cpanfile keywords are supported",
        ),
        "and" | "or" | "not" | "xor" | "x" | "eq" | "ne" | "lt" | "gt" | "le" | "ge" | "cmp" => (
            format!("the Perl operator `{word}`"),
            "expressions are not supported",
        ),
        _ => (
            format!("the call `{word}`"),
            "function calls other than the cpanfile keywords are not supported",
        ),
    };
    unsupported(construct, why, loc)
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.pos)
    }

    fn peek_tok(&self) -> Option<&'a Tok> {
        self.peek().map(|t| &t.tok)
    }

    fn next(&mut self) -> Option<&'a Token> {
        let t = self.tokens.get(self.pos)?;
        self.pos += 1;
        Some(t)
    }

    fn end_loc(&self) -> Location {
        self.tokens
            .last()
            .map(|t| t.loc)
            .unwrap_or(Location { line: 1, column: 1 })
    }

    fn enter(&mut self, loc: Location) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(unsupported(
                format!("nesting deeper than {MAX_DEPTH} levels"),
                "such input is refused to bound the parser's stack",
                loc,
            ));
        }
        Ok(())
    }

    /// The error for a token where `expected` should be; Perl operators get
    /// an "outside the language" error naming them.
    fn unexpected(&self, t: &Token, expected: &str) -> Error {
        match &t.tok {
            Tok::Ident(w) => perl_word(w, t.loc),
            Tok::Variable(v) => unsupported(
                format!("the Perl variable `{v}`"),
                "variables are not supported",
                t.loc,
            ),
            Tok::Other(op) => {
                let why = match op.as_str() {
                    "." => "string concatenation is not supported",
                    "?" | ":" => "conditionals are not supported",
                    "=" => "assignments are not supported",
                    "<<" => "here-documents and shifts are not supported",
                    _ => "expressions are not supported",
                };
                unsupported(format!("the Perl operator `{op}`"), why, t.loc)
            }
            other => Error::at(
                ErrorKind::CpanfileSyntax {
                    expected: expected.to_string(),
                    found: describe(other),
                },
                t.loc,
            ),
        }
    }

    /// Statements up to the end of input, or up to (not including) `}` when
    /// `in_block`.
    fn statements(&mut self, in_block: bool) -> Result<Vec<Statement>, Error> {
        let mut out = Vec::new();
        loop {
            let Some(t) = self.peek() else {
                return Ok(out);
            };
            match &t.tok {
                Tok::Semi | Tok::Pod => {
                    self.pos += 1;
                    continue;
                }
                Tok::RBrace if in_block => return Ok(out),
                Tok::Ident(w) if w == "use" => {
                    self.use_pragma(t)?;
                    continue;
                }
                Tok::Ident(w) if is_statement_word(w) => return Err(perl_word(w, t.loc)),
                _ => {}
            }
            let list = self.list()?;
            match self.peek() {
                None => {}
                Some(Token { tok: Tok::Semi, .. }) => self.pos += 1,
                Some(Token {
                    tok: Tok::RBrace, ..
                }) if in_block => {}
                Some(t) => return Err(self.unexpected(t, "`;`")),
            }
            if list.is_empty() {
                // Only a stray `)` or `}` can leave nothing consumed.
                if let Some(t) = self.peek().filter(|t| !matches!(t.tok, Tok::RBrace)) {
                    return Err(self.unexpected(t, "a statement"));
                }
                if !in_block {
                    if let Some(t) = self.peek() {
                        return Err(self.unexpected(t, "a statement"));
                    }
                }
            }
            out.push(list);
        }
    }

    /// `use strict;`, `use warnings;`, `use utf8;`: accepted, they change
    /// nothing in what the file declares. Other `use` lines need Perl.
    fn use_pragma(&mut self, use_tok: &Token) -> Result<(), Error> {
        self.pos += 1;
        let name = match self.peek_tok() {
            Some(Tok::Ident(w)) if matches!(w.as_str(), "strict" | "warnings" | "utf8") => w,
            _ => return Err(perl_word("use", use_tok.loc)),
        };
        self.pos += 1;
        match self.peek_tok() {
            None | Some(Tok::Semi) | Some(Tok::RBrace) => Ok(()),
            Some(_) => Err(unsupported(
                format!("`use {name}` with arguments"),
                "only plain `use strict;`, `use warnings;` and `use utf8;` are supported",
                use_tok.loc,
            )),
        }
    }

    /// A comma list, stopping before `;`, `)`, `}` or the end of input.
    /// Doubled separators are allowed between items, as in Perl; a leading
    /// one ends the list empty and is left to the caller (after a keyword it
    /// means a call without arguments; elsewhere it is a syntax error).
    fn list(&mut self) -> Result<Vec<Item>, Error> {
        let mut items = Vec::new();
        loop {
            match self.peek_tok() {
                None | Some(Tok::Semi | Tok::RParen | Tok::RBrace) => return Ok(items),
                Some(Tok::Comma | Tok::FatComma) if items.is_empty() => return Ok(items),
                Some(Tok::Comma | Tok::FatComma) => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            self.item(&mut items)?;
            match self.peek_tok() {
                Some(Tok::Comma | Tok::FatComma) => self.pos += 1,
                None | Some(Tok::Semi | Tok::RParen | Tok::RBrace) => return Ok(items),
                Some(_) => {
                    if let Some(t) = self.peek() {
                        return Err(self.unexpected(t, "`,`, `=>` or `;`"));
                    }
                }
            }
        }
    }

    fn item(&mut self, items: &mut Vec<Item>) -> Result<(), Error> {
        let Some(t) = self.next() else {
            return Err(Error::at(
                ErrorKind::CpanfileSyntax {
                    expected: "a value".to_string(),
                    found: "end of file".to_string(),
                },
                self.end_loc(),
            ));
        };
        let loc = t.loc;
        match &t.tok {
            Tok::Str(s) | Tok::Num(s) => items.push(Item::Scalar {
                value: s.clone(),
                vstring: None,
                loc,
            }),
            Tok::VStr(v) => items.push(vstring(v, loc)),
            Tok::Qw(words) => items.extend(words.iter().map(|(w, loc)| Item::Scalar {
                value: w.clone(),
                vstring: None,
                loc: *loc,
            })),
            Tok::LParen => {
                self.enter(loc)?;
                let inner = self.list()?;
                self.expect_close(loc)?;
                self.depth -= 1;
                items.push(Item::List(inner));
            }
            Tok::Ident(w) if matches!(self.peek_tok(), Some(Tok::FatComma)) => {
                if w.contains("::") {
                    return Err(unsupported(
                        format!("the bareword `{w}`"),
                        "`=>` quotes only a plain word; quote module names",
                        loc,
                    ));
                }
                items.push(Item::Scalar {
                    value: w.clone(),
                    vstring: None,
                    loc,
                });
            }
            Tok::Ident(w) if w == "sub" && matches!(self.peek_tok(), Some(Tok::LBrace)) => {
                self.pos += 1;
                self.enter(loc)?;
                let body = self.statements(true)?;
                match self.next() {
                    Some(Token {
                        tok: Tok::RBrace, ..
                    }) => {}
                    _ => {
                        return Err(Error::at(
                            ErrorKind::CpanfileSyntax {
                                expected: format!("`}}` closing the block opened at {loc}"),
                                found: "end of file".to_string(),
                            },
                            self.end_loc(),
                        ));
                    }
                }
                self.depth -= 1;
                items.push(Item::Code { body, loc });
            }
            Tok::Ident(w) if is_vstring_word(w) => items.push(vstring(w, loc)),
            Tok::Ident(w) => match Keyword::from_word(w) {
                Some(keyword) => {
                    self.enter(loc)?;
                    let args = if matches!(self.peek_tok(), Some(Tok::LParen)) {
                        let open = self.next().map_or(loc, |t| t.loc);
                        let args = self.list()?;
                        self.expect_close(open)?;
                        args
                    } else {
                        self.list()?
                    };
                    self.depth -= 1;
                    items.push(Item::Call(Call { keyword, loc, args }));
                }
                None => return Err(perl_word(w, loc)),
            },
            _ => return Err(self.unexpected(t, "a value")),
        }
        Ok(())
    }

    fn expect_close(&mut self, open: Location) -> Result<(), Error> {
        match self.next() {
            Some(Token {
                tok: Tok::RParen, ..
            }) => Ok(()),
            Some(t) => Err(Error::at(
                ErrorKind::CpanfileSyntax {
                    expected: format!("`)` closing the `(` at {open}"),
                    found: describe(&t.tok),
                },
                t.loc,
            )),
            None => Err(Error::at(
                ErrorKind::CpanfileSyntax {
                    expected: format!("`)` closing the `(` at {open}"),
                    found: "end of file".to_string(),
                },
                self.end_loc(),
            )),
        }
    }
}

/// Words that start a Perl statement we refuse before anything else.
fn is_statement_word(w: &str) -> bool {
    matches!(
        w,
        "if" | "unless"
            | "for"
            | "foreach"
            | "while"
            | "until"
            | "my"
            | "our"
            | "local"
            | "state"
            | "no"
            | "require"
            | "do"
            | "eval"
            | "package"
            | "BEGIN"
            | "END"
            | "return"
    )
}

fn is_vstring_word(w: &str) -> bool {
    w.len() > 1 && w.starts_with('v') && w[1..].chars().all(|c| c.is_ascii_digit())
}

/// A v-string literal (`v1.2`) as a scalar: the characters with those code
/// points, and the literal.
fn vstring(literal: &str, loc: Location) -> Item {
    let value = literal
        .trim_start_matches('v')
        .split('.')
        .map(|n| {
            n.parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}')
        })
        .collect();
    Item::Scalar {
        value,
        vstring: Some(literal.to_string()),
        loc,
    }
}
