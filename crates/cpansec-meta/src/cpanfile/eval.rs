//! What Module::CPANfile 1.1004's DSL functions do with their arguments,
//! applied to a parsed file (no Perl runs). The rules, from
//! `Module::CPANfile::Environment` and `::Prereqs`:
//!
//! - `requires MODULE, ARGS`: when ARGS has an odd length its first element is
//!   the version, the rest is an options hash; a false version (`''`, `0`)
//!   is `0`. A module named again in the same feature, phase and relation
//!   replaces the earlier one (the last one wins; nothing is merged).
//! - Arguments are evaluated left to right before the call, so in
//!   `requires 'A' => 1, requires 'B' => 2;` the inner call runs first and
//!   its return value (the number of requirements recorded so far in the
//!   current feature) becomes an argument of the outer one: `A` gets
//!   version `0` and the option `1 => N`. This is what Module::CPANfile does
//!   with a comma where a `;` was meant, and what is reproduced here.
//! - `on PHASE => sub {...}` runs the block with that phase; the shortcuts
//!   (`test_requires` ...) are `requires` inside `on`.
//! - `feature ID, DESC => sub {...}` or `feature ID => sub {...}` (then the
//!   description is the identifier) runs the block inside that feature; a
//!   false identifier (`''`, `0`) records the feature but its requirements
//!   land in the main prerequisites, as Module::CPANfile's `feature || ''`
//!   does.

use std::collections::BTreeMap;

use crate::cpanfile::parser::{Call, Item, Keyword, Statement};
use crate::cpanfile::{Cpanfile, Feature, RequirementKey, RequirementOptions};
use crate::{Error, ErrorKind, Location, Phase, Prereq, Relation};

#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Scalar {
        value: &'a str,
        vstring: Option<&'a str>,
        loc: Location,
    },
    Count {
        value: usize,
        loc: Location,
    },
    Code {
        body: &'a [Statement],
        loc: Location,
    },
}

impl<'a> Value<'a> {
    fn loc(&self) -> Location {
        match self {
            Value::Scalar { loc, .. } | Value::Count { loc, .. } | Value::Code { loc, .. } => *loc,
        }
    }

    /// The scalar's string, or `None` for a code block.
    fn text(&self) -> Option<String> {
        match self {
            Value::Scalar { value, .. } => Some((*value).to_string()),
            Value::Count { value, .. } => Some(value.to_string()),
            Value::Code { .. } => None,
        }
    }
}

/// Perl truthiness of a string: false for `""` and `"0"`.
fn is_true(s: &str) -> bool {
    !s.is_empty() && s != "0"
}

pub(crate) struct Env {
    phase: Phase,
    feature: Option<String>,
    /// Requirements pushed per feature bucket (`""` = main), Module::CPANfile's
    /// return value of `requires`.
    pushed: BTreeMap<String, usize>,
    pub(crate) out: Cpanfile,
}

fn usage(keyword: Keyword, message: impl Into<String>, loc: Location) -> Error {
    Error::at(
        ErrorKind::CpanfileUsage {
            keyword: keyword.as_str().to_string(),
            message: message.into(),
        },
        loc,
    )
}

impl Env {
    pub(crate) fn new() -> Env {
        Env {
            phase: Phase::Runtime,
            feature: None,
            pushed: BTreeMap::new(),
            out: Cpanfile::default(),
        }
    }

    /// Runs statements; returns the values of the last one, which is what a
    /// Perl block returns (to `on` and `feature`, which return it in turn).
    pub(crate) fn run<'a>(&mut self, statements: &'a [Statement]) -> Result<Vec<Value<'a>>, Error> {
        let mut values = Vec::new();
        for statement in statements {
            values.clear();
            self.eval_items(statement, &mut values)?;
        }
        Ok(values)
    }

    /// Evaluates items left to right into `out`, in list context: a nested
    /// call runs now and contributes its return values.
    fn eval_items<'a>(&mut self, items: &'a [Item], out: &mut Vec<Value<'a>>) -> Result<(), Error> {
        for item in items {
            match item {
                Item::Scalar {
                    value,
                    vstring,
                    loc,
                } => out.push(Value::Scalar {
                    value,
                    vstring: vstring.as_deref(),
                    loc: *loc,
                }),
                Item::Code { body, loc } => out.push(Value::Code { body, loc: *loc }),
                Item::List(inner) => self.eval_items(inner, out)?,
                Item::Call(call) => out.extend(self.call(call)?),
            }
        }
        Ok(())
    }

    /// Runs one call and returns what Module::CPANfile's function returns:
    /// the requirement (or mirror) count, or for `on` and `feature` what
    /// their block returns.
    fn call<'a>(&mut self, call: &'a Call) -> Result<Vec<Value<'a>>, Error> {
        let mut args = Vec::new();
        self.eval_items(&call.args, &mut args)?;
        let k = call.keyword;
        let count = |value| {
            vec![Value::Count {
                value,
                loc: call.loc,
            }]
        };
        Ok(match k {
            Keyword::Requires => count(self.add(k, Relation::Requires, &args, call.loc)?),
            Keyword::Recommends => count(self.add(k, Relation::Recommends, &args, call.loc)?),
            Keyword::Suggests => count(self.add(k, Relation::Suggests, &args, call.loc)?),
            Keyword::Conflicts => count(self.add(k, Relation::Conflicts, &args, call.loc)?),
            Keyword::ConfigureRequires
            | Keyword::BuildRequires
            | Keyword::TestRequires
            | Keyword::AuthorRequires => {
                let phase = match k {
                    Keyword::ConfigureRequires => Phase::Configure,
                    Keyword::BuildRequires => Phase::Build,
                    Keyword::TestRequires => Phase::Test,
                    _ => Phase::Develop,
                };
                let outer = std::mem::replace(&mut self.phase, phase);
                let result = self.add(k, Relation::Requires, &args, call.loc);
                self.phase = outer;
                count(result?)
            }
            Keyword::Mirror => {
                // No URL is Perl's `undef`, recorded as `""`.
                let url = match args.first() {
                    Some(v) => v
                        .text()
                        .ok_or_else(|| usage(k, "the URL is a code block", call.loc))?,
                    None => String::new(),
                };
                self.out.mirrors.push(url);
                count(self.out.mirrors.len())
            }
            Keyword::On => {
                let phase = args
                    .first()
                    .and_then(Value::text)
                    .ok_or_else(|| usage(k, "needs a phase name", call.loc))?;
                let Some(Value::Code { body, .. }) = args.get(1) else {
                    return Err(usage(
                        k,
                        "needs a block: `on 'test' => sub { ... };`",
                        call.loc,
                    ));
                };
                let phase = phase.parse().unwrap_or(Phase::Runtime);
                let outer = std::mem::replace(&mut self.phase, phase);
                let result = self.run(body);
                self.phase = outer;
                result?
            }
            Keyword::Feature => self.feature(&args, call.loc)?,
            Keyword::Osname => {
                return Err(usage(
                    k,
                    "is not implemented by Module::CPANfile (it dies with \"TODO\")",
                    call.loc,
                ));
            }
        })
    }

    fn feature<'a>(&mut self, args: &[Value<'a>], loc: Location) -> Result<Vec<Value<'a>>, Error> {
        let k = Keyword::Feature;
        let usage_text = "usage: feature 'identifier', 'Description' => sub { ... };";
        let (id, description, body) = match args {
            [id, Value::Code { body, .. }] => (id, None, *body),
            [id, desc, Value::Code { body, .. }, ..] => {
                let desc = desc.text().ok_or_else(|| usage(k, usage_text, loc))?;
                (id, Some(desc), *body)
            }
            _ => return Err(usage(k, usage_text, loc)),
        };
        let id = id.text().ok_or_else(|| usage(k, usage_text, loc))?;
        // The description is kept only when it says more than the identifier.
        let description = description.filter(|d| *d != id);
        match self.out.features.get_mut(&id) {
            Some(f) => f.description = description,
            None => {
                self.out.features.insert(
                    id.clone(),
                    Feature {
                        description,
                        prereqs: Default::default(),
                        location: Some(loc),
                    },
                );
            }
        }
        let outer = self.feature.replace(id);
        let result = self.run(body);
        self.feature = outer;
        result
    }

    /// `add_prereq`: returns the number of requirements recorded so far in
    /// the current feature bucket.
    fn add(
        &mut self,
        k: Keyword,
        relation: Relation,
        args: &[Value<'_>],
        loc: Location,
    ) -> Result<usize, Error> {
        // No module at all is Perl's `undef`, which Module::CPANfile records
        // as the module `""`.
        let missing = [Value::Scalar {
            value: "",
            vstring: None,
            loc,
        }];
        let (module_value, rest) = match args.split_first() {
            Some(split) => split,
            None => (&missing[0], &[][..]),
        };
        let module = module_value
            .text()
            .ok_or_else(|| usage(k, "the module name is a code block", module_value.loc()))?;
        let (version, options) = if rest.len() % 2 == 1 {
            (rest.first(), rest.get(1..).unwrap_or_default())
        } else {
            (None, rest)
        };
        // `$args{version} ||= 0` tests the value; a v-string's version is
        // its literal (CPAN::Meta::Requirements reads the v-string magic).
        let version = match version {
            Some(v) => {
                let text = v
                    .text()
                    .ok_or_else(|| usage(k, "the version is a code block", v.loc()))?;
                match v {
                    _ if !is_true(&text) => "0".to_string(),
                    Value::Scalar {
                        vstring: Some(literal),
                        ..
                    } => literal.to_string(),
                    _ => text,
                }
            }
            None => "0".to_string(),
        };
        let mut opts = RequirementOptions::default();
        for pair in options.chunks(2) {
            if let [key, value] = pair {
                let key = key
                    .text()
                    .ok_or_else(|| usage(k, "an option name is a code block", key.loc()))?;
                let value = value
                    .text()
                    .ok_or_else(|| usage(k, "an option value is a code block", value.loc()))?;
                opts.set(&key, value);
            }
        }
        let bucket = self.feature.clone().filter(|f| is_true(f));
        let key = RequirementKey {
            feature: bucket.clone(),
            phase: self.phase.clone(),
            relation: relation.clone(),
            module: module.clone(),
        };
        let prereq = Prereq {
            requirement: version,
            location: Some(module_value.loc()),
        };
        let prereqs = match &bucket {
            Some(id) => {
                &mut self
                    .out
                    .features
                    .entry(id.clone())
                    .or_insert_with(|| Feature {
                        description: None,
                        prereqs: Default::default(),
                        location: Some(loc),
                    })
                    .prereqs
            }
            None => &mut self.out.prereqs,
        };
        prereqs.insert(self.phase.clone(), relation, &module, prereq);
        if opts.is_empty() {
            self.out.options.remove(&key);
        } else {
            self.out.options.insert(key, opts);
        }
        let n = self.pushed.entry(bucket.unwrap_or_default()).or_insert(0);
        *n += 1;
        Ok(*n)
    }
}
