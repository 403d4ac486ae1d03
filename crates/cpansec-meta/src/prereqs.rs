//! Prerequisites as CPAN::Meta::Prereqs models them: for each phase and
//! relation, a map from module name to a requirement string. META files and
//! cpanfiles both read into this.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use cpansec_version::{Requirement, RequirementError};

use crate::Location;

/// When a prerequisite is needed (CPAN::Meta::Spec "Phases").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Configure,
    Build,
    Test,
    Runtime,
    Develop,
    /// A phase outside the spec, kept as written (`x_` phases are allowed).
    Other(String),
}

impl Phase {
    pub fn as_str(&self) -> &str {
        match self {
            Phase::Configure => "configure",
            Phase::Build => "build",
            Phase::Test => "test",
            Phase::Runtime => "runtime",
            Phase::Develop => "develop",
            Phase::Other(s) => s,
        }
    }
}

impl FromStr for Phase {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "configure" => Phase::Configure,
            "build" => Phase::Build,
            "test" => Phase::Test,
            "runtime" => Phase::Runtime,
            "develop" => Phase::Develop,
            other => Phase::Other(other.to_string()),
        })
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How strongly a prerequisite is wanted (CPAN::Meta::Spec "Relationships").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    Requires,
    Recommends,
    Suggests,
    Conflicts,
    /// A relationship outside the spec, kept as written.
    Other(String),
}

impl Relation {
    pub fn as_str(&self) -> &str {
        match self {
            Relation::Requires => "requires",
            Relation::Recommends => "recommends",
            Relation::Suggests => "suggests",
            Relation::Conflicts => "conflicts",
            Relation::Other(s) => s,
        }
    }
}

impl FromStr for Relation {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "requires" => Relation::Requires,
            "recommends" => Relation::Recommends,
            "suggests" => Relation::Suggests,
            "conflicts" => Relation::Conflicts,
            other => Relation::Other(other.to_string()),
        })
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One module requirement, as written, with where it was written when the
/// source has positions (cpanfiles do; META files do not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prereq {
    /// The requirement string as written (`"1.2"`, `">= 1.0, < 2"`, `"0"`).
    pub requirement: String,
    pub location: Option<Location>,
}

impl Prereq {
    /// The requirement, read as CPAN::Meta::Requirements reads it.
    pub fn parsed(&self) -> Result<Requirement, RequirementError> {
        Requirement::parse(&self.requirement)
    }
}

/// Prerequisites by phase, then relation, then module name; sorted, so output
/// built from it is deterministic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prereqs {
    pub by_phase: BTreeMap<Phase, BTreeMap<Relation, BTreeMap<String, Prereq>>>,
}

impl Prereqs {
    /// Records one requirement. A module named twice for the same phase and
    /// relation keeps the last one, as Module::CPANfile and CPAN::Meta do.
    pub fn insert(&mut self, phase: Phase, relation: Relation, module: &str, prereq: Prereq) {
        self.by_phase
            .entry(phase)
            .or_default()
            .entry(relation)
            .or_default()
            .insert(module.to_string(), prereq);
    }

    /// The requirement for `module` in `phase` and `relation`, if any.
    pub fn get(&self, phase: &Phase, relation: &Relation, module: &str) -> Option<&Prereq> {
        self.by_phase.get(phase)?.get(relation)?.get(module)
    }

    /// Every requirement as (phase, relation, module, prereq), sorted.
    pub fn iter(&self) -> impl Iterator<Item = (&Phase, &Relation, &str, &Prereq)> {
        self.by_phase.iter().flat_map(|(phase, relations)| {
            relations.iter().flat_map(move |(relation, modules)| {
                modules
                    .iter()
                    .map(move |(module, prereq)| (phase, relation, module.as_str(), prereq))
            })
        })
    }

    pub fn is_empty(&self) -> bool {
        self.by_phase
            .values()
            .all(|r| r.values().all(|m| m.is_empty()))
    }

    /// As CPAN::Meta's `prereqs` structure:
    /// `{phase: {relation: {module: requirement}}}`, the form the corpus
    /// expectations and the v2 META spec use.
    pub fn to_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for (phase, relations) in &self.by_phase {
            let mut rels = serde_json::Map::new();
            for (relation, modules) in relations {
                let mods: serde_json::Map<String, serde_json::Value> = modules
                    .iter()
                    .map(|(m, p)| (m.clone(), serde_json::Value::String(p.requirement.clone())))
                    .collect();
                rels.insert(relation.to_string(), serde_json::Value::Object(mods));
            }
            out.insert(phase.to_string(), serde_json::Value::Object(rels));
        }
        serde_json::Value::Object(out)
    }
}
