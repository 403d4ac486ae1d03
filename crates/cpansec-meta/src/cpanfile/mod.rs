//! `cpanfile`: the Module::CPANfile language, read without running Perl.
//!
//! A cpanfile is Perl code calling a handful of functions. This module reads
//! the subset that only calls them with literal arguments, which is what
//! cpanfiles are in practice, and gives exactly what Module::CPANfile 1.1004
//! reads from it, with the line and column of every module name:
//!
//! ```text
//! requires 'Plack', '1.0';                      # runtime requires
//! requires 'JSON', '>= 2.00, < 2.80', dist => 'MAKAMAKA/JSON-2.53.tar.gz';
//! recommends 'JSON::XS';
//! on test => sub { requires 'Test::More', 0.98 };
//! test_requires 'Test::Deep';                   # also build_, configure_, author_ (develop)
//! feature 'sqlite', 'SQLite support' => sub { requires 'DBD::SQLite' };
//! mirror 'https://cpan.metacpan.org/';
//! ```
//!
//! Accepted: the keywords above with `(...)` or without; `,` and `=>`;
//! single and double quotes (escapes, but an interpolated `$x`/`@x` is an
//! error), `q{}`, `qq{}`, `qw()` lists; unquoted numbers (stringified as Perl
//! does: `1.10` is `1.1`) and v-strings (`v1.2`, `1.2.3`); a word before `=>`;
//! trailing commas; `;` optional before `}` and at the end; comments, POD
//! blocks, `__END__`/`__DATA__`; `use strict;` and `use warnings;`.
//!
//! Refused, with [`ErrorKind::CpanfileUnsupported`] naming the construct and
//! its position: conditionals, loops, variables, other function calls,
//! `do`/`eval`, string operators. Such a file needs Perl:
//! [`Cpanfile::read_with_perl`] runs Module::CPANfile on it (running the
//! file's code), and [`Cpanfile::read_or_eval`] tries the static reader first.
//!
//! The reading rules (last requirement wins, chained commas, false versions,
//! feature buckets) are in `eval.rs`; the corpus and property tests compare
//! every rule with Module::CPANfile itself.

// The crate's one `Error` is shared by every reader and is large (it carries
// the path and the offending text); errors are rare and cold here, so it is
// returned unboxed like everywhere else in the crate.
#![allow(clippy::result_large_err)]

mod eval;
mod lexer;
mod parser;
mod perl;
mod render;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::{Error, ErrorKind, Location, Phase, Prereqs, Relation};

pub use perl::ReadOutcome;

/// The most a cpanfile may weigh; real ones are a few kilobytes.
pub const MAX_CPANFILE_BYTES: u64 = 64 * 1024 * 1024;

/// What a cpanfile declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cpanfile {
    /// Requirements outside any feature.
    pub prereqs: Prereqs,
    /// Optional features by identifier.
    pub features: BTreeMap<String, Feature>,
    /// `mirror` URLs, in order.
    pub mirrors: Vec<String>,
    /// The options (`dist`, `url`, `mirror`, `git`, `ref`...) of the
    /// requirements that have some.
    pub options: BTreeMap<RequirementKey, RequirementOptions>,
    /// True when Perl and Module::CPANfile read the file
    /// ([`Cpanfile::read_with_perl`]); locations are then unknown.
    pub evaluated_by_perl: bool,
}

/// One `feature` block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Feature {
    /// The description, `None` when it was not given or equals the
    /// identifier (Module::CPANfile then uses the identifier).
    pub description: Option<String>,
    pub prereqs: Prereqs,
    /// Where the feature was first declared.
    pub location: Option<Location>,
}

/// Names one requirement: its feature (`None` outside any), phase, relation
/// and module.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequirementKey {
    pub feature: Option<String>,
    pub phase: Phase,
    pub relation: Relation,
    pub module: String,
}

/// The options hash after a requirement (`dist => ..., url => ...`), as cpanm
/// and Carton use it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequirementOptions {
    pub dist: Option<String>,
    pub url: Option<String>,
    pub mirror: Option<String>,
    pub git: Option<String>,
    /// `ref` (a git ref).
    pub git_ref: Option<String>,
    /// Any other key, as written.
    pub other: BTreeMap<String, String>,
}

impl RequirementOptions {
    /// Sets one option; a key given twice keeps the last value, as a Perl
    /// hash does.
    pub fn set(&mut self, key: &str, value: String) {
        let slot = match key {
            "dist" => &mut self.dist,
            "url" => &mut self.url,
            "mirror" => &mut self.mirror,
            "git" => &mut self.git,
            "ref" => &mut self.git_ref,
            other => {
                self.other.insert(other.to_string(), value);
                return;
            }
        };
        *slot = Some(value);
    }

    /// Every option as (key, value), sorted by key.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let mut out = self.other.clone();
        for (k, v) in [
            ("dist", &self.dist),
            ("url", &self.url),
            ("mirror", &self.mirror),
            ("git", &self.git),
            ("ref", &self.git_ref),
        ] {
            if let Some(v) = v {
                out.insert(k.to_string(), v.clone());
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.to_map().is_empty()
    }
}

impl Cpanfile {
    /// Reads cpanfile text without running Perl. Errors name the line and
    /// column; [`ErrorKind::CpanfileUnsupported`] means the file uses Perl
    /// beyond the cpanfile language.
    ///
    /// ```
    /// use cpansec_meta::{Cpanfile, Location, Phase, Relation};
    ///
    /// let c = Cpanfile::parse("requires 'Plack', 1.10;\non test => sub {\n  requires 'Test::More';\n};")?;
    /// let plack = c.prereqs.get(&Phase::Runtime, &Relation::Requires, "Plack").unwrap();
    /// assert_eq!(plack.requirement, "1.1"); // an unquoted number, as Perl reads it
    /// assert_eq!(plack.location, Some(Location { line: 1, column: 10 }));
    ///
    /// let err = Cpanfile::parse("if ($^O eq 'MSWin32') { requires 'Win32' }").unwrap_err();
    /// assert!(err.to_string().starts_with(
    ///     "line 1, column 1: Perl `if` is outside the cpanfile language (conditionals are not supported)"
    /// ));
    /// # Ok::<(), cpansec_meta::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Cpanfile, Error> {
        let tokens = lexer::tokenize(text)?;
        let statements = parser::parse(&tokens)?;
        let mut env = eval::Env::new();
        env.run(&statements)?;
        let out = env.out;
        out.validate()?;
        Ok(out)
    }

    /// Reads the file at `path` (at most [`MAX_CPANFILE_BYTES`]) with
    /// [`Cpanfile::parse`]; errors name the path.
    pub fn read(path: impl AsRef<Path>) -> Result<Cpanfile, Error> {
        let path = path.as_ref();
        let text = read_text(path)?;
        Cpanfile::parse(&text).map_err(|e| e.in_file(path))
    }

    /// Module::CPANfile checks requirement strings when it builds its
    /// CPAN::Meta::Prereqs, for the requirements it keeps: the same check,
    /// so the same files are refused.
    fn validate(&self) -> Result<(), Error> {
        let all = std::iter::once(&self.prereqs).chain(self.features.values().map(|f| &f.prereqs));
        for prereqs in all {
            for (phase, _, module, prereq) in prereqs.iter() {
                if !is_meta_phase(phase) {
                    continue;
                }
                prereq.parsed().map_err(|source| {
                    let kind = ErrorKind::Requirement {
                        module: module.to_string(),
                        requirement: prereq.requirement.clone(),
                        source,
                    };
                    match prereq.location {
                        Some(loc) => Error::at(kind, loc),
                        None => Error::new(kind),
                    }
                })?;
            }
        }
        Ok(())
    }

    /// What Module::CPANfile's `prereq_specs` and `features` give, the shape
    /// of the corpus expectations:
    /// `{"prereqs": {phase: {relation: {module: req}}}, "features": {id:
    /// {"description": ..., "prereqs": ...}}}`. Requirements are normalised by
    /// CPAN::Meta::Requirements' rules; phases CPAN::Meta does not know (and
    /// that do not start with `x_`) are left out, as CPAN::Meta::Prereqs does.
    pub fn to_meta_json(&self) -> Result<serde_json::Value, Error> {
        let mut features = serde_json::Map::new();
        for (id, f) in &self.features {
            let description = f.description.clone().unwrap_or_else(|| id.clone());
            features.insert(
                id.clone(),
                serde_json::json!({
                    "description": description,
                    "prereqs": meta_prereqs(&f.prereqs)?,
                }),
            );
        }
        Ok(serde_json::json!({
            "prereqs": meta_prereqs(&self.prereqs)?,
            "features": features,
        }))
    }

    /// Phases the file names that CPAN::Meta does not know (neither one of
    /// the five spec phases nor `x_...`), with the first position each is
    /// used at: Module::CPANfile's users (cpanm, Carton) silently ignore their
    /// requirements, which is worth a warning (`on 'devel'` is a typo of
    /// `develop`).
    pub fn ignored_phases(&self) -> BTreeMap<Phase, Option<Location>> {
        let mut out = BTreeMap::new();
        let all = std::iter::once(&self.prereqs).chain(self.features.values().map(|f| &f.prereqs));
        for prereqs in all {
            for (phase, _, _, prereq) in prereqs.iter() {
                if is_meta_phase(phase) {
                    continue;
                }
                let first = out.entry(phase.clone()).or_insert(prereq.location);
                if let (Some(old), Some(new)) = (*first, prereq.location) {
                    *first = Some(old.min(new));
                }
            }
        }
        out
    }

    /// The same reading without positions (what a reading by Perl has).
    pub fn without_locations(&self) -> Cpanfile {
        let strip = |p: &Prereqs| {
            let mut p = p.clone();
            for relations in p.by_phase.values_mut() {
                for modules in relations.values_mut() {
                    for prereq in modules.values_mut() {
                        prereq.location = None;
                    }
                }
            }
            p
        };
        Cpanfile {
            prereqs: strip(&self.prereqs),
            features: self
                .features
                .iter()
                .map(|(id, f)| {
                    let feature = Feature {
                        description: f.description.clone(),
                        prereqs: strip(&f.prereqs),
                        location: None,
                    };
                    (id.clone(), feature)
                })
                .collect(),
            mirrors: self.mirrors.clone(),
            options: self.options.clone(),
            evaluated_by_perl: false,
        }
    }

    /// Renders the reading as a cpanfile that reads back to the same model
    /// (positions aside): mirrors, then requirements by phase, then
    /// features.
    pub fn to_cpanfile_string(&self) -> String {
        render::render(self)
    }
}

/// CPAN::Meta::Prereqs keeps the five spec phases and `x_` ones.
fn is_meta_phase(phase: &Phase) -> bool {
    !matches!(phase, Phase::Other(p) if !p.to_ascii_lowercase().starts_with("x_"))
}

fn meta_prereqs(prereqs: &Prereqs) -> Result<serde_json::Value, Error> {
    let mut out = serde_json::Map::new();
    for (phase, relations) in &prereqs.by_phase {
        if !is_meta_phase(phase) {
            continue;
        }
        let mut rels = serde_json::Map::new();
        for (relation, modules) in relations {
            if modules.is_empty() {
                continue;
            }
            let mut mods = serde_json::Map::new();
            for (module, prereq) in modules {
                let req = prereq.parsed().map_err(|source| {
                    Error::new(ErrorKind::Requirement {
                        module: module.clone(),
                        requirement: prereq.requirement.clone(),
                        source,
                    })
                })?;
                mods.insert(module.clone(), serde_json::Value::String(req.to_string()));
            }
            rels.insert(relation.to_string(), serde_json::Value::Object(mods));
        }
        if !rels.is_empty() {
            out.insert(phase.to_string(), serde_json::Value::Object(rels));
        }
    }
    Ok(serde_json::Value::Object(out))
}

/// Reads a text file of at most [`MAX_CPANFILE_BYTES`]; bytes that are not
/// UTF-8 are replaced (Perl reads them as Latin-1 bytes; cpanfiles are
/// ASCII in practice).
fn read_text(path: &Path) -> Result<String, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::new(ErrorKind::Io(e)).in_file(path))?;
    let mut bytes = Vec::new();
    file.take(MAX_CPANFILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorKind::Io(e)).in_file(path))?;
    if bytes.len() as u64 > MAX_CPANFILE_BYTES {
        return Err(Error::new(ErrorKind::TooLarge {
            what: "cpanfile".to_string(),
            limit: MAX_CPANFILE_BYTES,
        })
        .in_file(path));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests;
