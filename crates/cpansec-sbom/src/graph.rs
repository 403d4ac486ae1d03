//! The dependency graph: snapshot requirements resolved through `provides`,
//! the project's own prerequisites on top, and from them each component's
//! scope.
//!
//! # Rules
//!
//! - A distribution's requirement on a module is an edge to the distribution
//!   that provides it: the first one in snapshot order other than the
//!   requiring one (Carton's `find`, which never resolves a distribution to
//!   itself in practice).
//! - A requirement nothing in the snapshot provides resolves to perl when
//!   perl is a component and the module is in that perl's core
//!   (Module::CoreList); `perl` itself resolves to perl. Otherwise it is
//!   *unresolved*, and the requiring component's edges are incomplete.
//! - The project's prerequisites (cpanfile, else META; `conflicts` and
//!   relations outside the spec are not dependencies) are edges from the
//!   root labelled with a [`Need`]: the phase and whether the prerequisite is
//!   optional (`recommends`, `suggests`, an optional feature).
//! - Each label is carried along the distribution edges; a component's
//!   [`Scope`] is `Required` when a non-optional runtime label reaches it,
//!   `Optional` when only optional runtime ones do, `Excluded` when only
//!   other phases do, and unknown when none does.
//! - Without any project prerequisites (snapshot only), the root's edges go
//!   to every distribution no other distribution requires, and are marked
//!   [`Completeness::Unknown`]: they are inferred, not declared.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cpansec_meta::{CoreList, Phase, Prereqs, Relation};
use cpansec_version::Version;

use crate::model::{Completeness, ComponentId, Dependencies, Edge, Need, Scope};

/// One prerequisite of the project.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RootPrereq {
    pub module: String,
    pub need: Need,
}

/// The project's prerequisites as root edges: `requires`, `recommends` and
/// `suggests` of every phase; those inside optional features are optional.
pub(crate) fn root_prereqs<'a>(
    plain: &Prereqs,
    features: impl Iterator<Item = &'a Prereqs>,
) -> Vec<RootPrereq> {
    let mut out = BTreeSet::new();
    let mut add = |prereqs: &Prereqs, in_feature: bool| {
        for (phase, relation, module, _) in prereqs.iter() {
            let optional = match relation {
                Relation::Requires => in_feature,
                Relation::Recommends | Relation::Suggests => true,
                Relation::Conflicts | Relation::Other(_) => continue,
            };
            let phase = match phase {
                Phase::Other(p) if !p.starts_with("x_") => continue,
                p => p.as_str(),
            };
            out.insert(RootPrereq {
                module: module.to_string(),
                need: Need::new(phase, optional),
            });
        }
    };
    add(plain, false);
    for f in features {
        add(f, true);
    }
    out.into_iter().collect()
}

/// A distribution node: its id, the modules it provides and those it requires.
pub(crate) struct Node<'a> {
    pub id: ComponentId,
    pub provides: Vec<&'a str>,
    pub requires: Vec<&'a str>,
}

/// perl as a resolution target: its id, version and the core-module table.
pub(crate) struct PerlTarget<'a> {
    pub id: ComponentId,
    pub version: Version,
    pub corelist: &'a CoreList,
}

/// The resolved graph.
pub(crate) struct Graph {
    pub dependencies: BTreeMap<ComponentId, Dependencies>,
    /// The labels reaching each node, by node index; sorted, no duplicates.
    pub needs: Vec<Vec<Need>>,
    /// The labels reaching perl (empty without a perl target).
    pub perl_needs: Vec<Need>,
}

/// Edges sorted by target, one per target (the labels of a repeated target
/// merged).
pub(crate) fn sorted_edges(mut edges: Vec<Edge>) -> Vec<Edge> {
    edges.sort_by(|a, b| a.to.cmp(&b.to));
    edges.dedup_by(|later, kept| {
        if later.to != kept.to {
            return false;
        }
        kept.needs.append(&mut later.needs);
        kept.needs.sort();
        kept.needs.dedup();
        true
    });
    edges
}

/// Resolves the edges of `root` (with its prerequisites, or `None` when
/// they are unknown) and of every node.
///
/// Internally nodes are indices: the ids are only cloned into the result.
pub(crate) fn resolve(
    root: &ComponentId,
    prereqs: Option<&[RootPrereq]>,
    nodes: &[Node<'_>],
    perl: Option<&PerlTarget<'_>>,
) -> Graph {
    // Every requirement's module, by index, in node order.
    let mut providers = Providers::default();
    let wanted: Vec<u32> = nodes
        .iter()
        .flat_map(|n| &n.requires)
        .map(|m| providers.want(m))
        .collect();
    for p in prereqs.unwrap_or_default() {
        providers.want(&p.module);
    }
    providers.record(nodes);
    let mut wanted = wanted.into_iter();
    enum Target<'t> {
        Node(u32),
        Perl(&'t ComponentId),
        Unresolved,
    }
    let resolve_module = |module: &str, slots: Option<[u32; 2]>, from: u32| -> Target<'_> {
        if let Some([first, second]) = slots {
            if first != from {
                return Target::Node(first);
            }
            if second != NONE {
                return Target::Node(second);
            }
        }
        match perl {
            Some(p) if module == "perl" || p.corelist.is_core(module, &p.version) => {
                Target::Perl(&p.id)
            }
            _ => Target::Unresolved,
        }
    };
    let id_of = |j: u32| nodes.get(j as usize).map(|n| &n.id);
    let plain = |to: &ComponentId| Edge {
        to: to.clone(),
        needs: Vec::new(),
    };

    let mut per_node: Vec<(ComponentId, Dependencies)> = Vec::with_capacity(nodes.len());
    // Distribution edges as node indices (sorted, no duplicates) for the
    // propagation below.
    let mut adjacency: Vec<Vec<u32>> = Vec::with_capacity(nodes.len());
    let mut perl_users: Vec<bool> = vec![false; nodes.len()];
    for (i, n) in (0u32..).zip(nodes) {
        let mut unresolved = BTreeSet::new();
        let mut perl_edge = None;
        let mut edges: Vec<u32> = Vec::with_capacity(n.requires.len());
        for m in &n.requires {
            let slots = wanted.next().and_then(|k| providers.slots(k));
            match resolve_module(m, slots, i) {
                Target::Node(j) => edges.push(j),
                Target::Perl(id) => {
                    if let Some(u) = perl_users.get_mut(i as usize) {
                        *u = true;
                    }
                    perl_edge = Some(id);
                }
                Target::Unresolved => {
                    // A requirement the distribution satisfies itself (it
                    // both provides and requires the module) is no edge.
                    if slots == Some([i, NONE]) {
                        continue;
                    }
                    unresolved.insert(m.to_string());
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let on = edges
            .iter()
            .filter_map(|&j| id_of(j))
            .chain(perl_edge)
            .map(plain)
            .collect();
        adjacency.push(edges);
        let deps = Dependencies {
            on: sorted_edges(on),
            completeness: if unresolved.is_empty() {
                Completeness::Complete
            } else {
                Completeness::Incomplete
            },
            unresolved,
        };
        per_node.push((n.id.clone(), deps));
    }
    // Sorted first, the map is built in one pass (rather than node by node
    // with splits). Several snapshot entries may be one component: their
    // edges are merged.
    per_node.sort_by(|a, b| a.0.cmp(&b.0));
    per_node.dedup_by(|(later_id, later), (kept_id, kept)| {
        if later_id != kept_id {
            return false;
        }
        let mut on = std::mem::take(&mut kept.on);
        on.append(&mut later.on);
        kept.on = sorted_edges(on);
        kept.unresolved.append(&mut later.unresolved);
        kept.completeness = kept.completeness.max(later.completeness);
        true
    });
    let mut dependencies: BTreeMap<ComponentId, Dependencies> = per_node.into_iter().collect();

    // Root edges and the labels to propagate.
    let mut root_deps = Dependencies {
        on: Vec::new(),
        completeness: Completeness::Complete,
        unresolved: BTreeSet::new(),
    };
    let mut seeds: BTreeMap<&Need, Vec<u32>> = BTreeMap::new();
    let mut perl_needs: BTreeSet<Need> = BTreeSet::new();
    match prereqs {
        Some(prereqs) => {
            let mut on = Vec::new();
            for p in prereqs {
                let labelled = |to: &ComponentId| Edge {
                    to: to.clone(),
                    needs: vec![p.need.clone()],
                };
                match resolve_module(&p.module, providers.get(&p.module), NONE) {
                    Target::Node(j) => {
                        if let Some(id) = id_of(j) {
                            on.push(labelled(id));
                            seeds.entry(&p.need).or_default().push(j);
                        }
                    }
                    Target::Perl(id) => {
                        on.push(labelled(id));
                        perl_needs.insert(p.need.clone());
                    }
                    Target::Unresolved => {
                        // A missing optional prerequisite is a choice, not a gap.
                        if !p.need.optional {
                            root_deps.unresolved.insert(p.module.clone());
                        }
                    }
                }
            }
            root_deps.on = sorted_edges(on);
            if !root_deps.unresolved.is_empty() {
                root_deps.completeness = Completeness::Incomplete;
            }
        }
        None => {
            let mut required = vec![false; nodes.len()];
            for a in &adjacency {
                for &j in a {
                    if let Some(r) = required.get_mut(j as usize) {
                        *r = true;
                    }
                }
            }
            let on = nodes
                .iter()
                .zip(&required)
                .filter(|(_, r)| !**r)
                .map(|(n, _)| plain(&n.id))
                .collect();
            root_deps.on = sorted_edges(on);
            root_deps.completeness = Completeness::Unknown;
        }
    }

    // Carry each label along the distribution edges: `reached[i]` lists the
    // labels (in `seeds` order, so sorted) that reach node `i`.
    let labels: Vec<&Need> = seeds.keys().copied().collect();
    let mut reached: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
    let mut seen = vec![false; nodes.len()];
    let mut stack: Vec<u32> = Vec::new();
    for (label, (need, starts)) in (0u32..).zip(seeds) {
        seen.fill(false);
        stack.clear();
        stack.extend(starts);
        while let Some(i) = stack.pop() {
            match seen.get_mut(i as usize) {
                Some(s) if !*s => *s = true,
                _ => continue,
            }
            if let Some(r) = reached.get_mut(i as usize) {
                r.push(label);
            }
            if perl_users.get(i as usize).copied().unwrap_or(false) {
                perl_needs.insert(need.clone());
            }
            if let Some(a) = adjacency.get(i as usize) {
                stack.extend(
                    a.iter()
                        .copied()
                        .filter(|&j| !seen.get(j as usize).copied().unwrap_or(true)),
                );
            }
        }
    }
    let needs = reached
        .iter()
        .map(|r| {
            r.iter()
                .filter_map(|&l| labels.get(l as usize))
                .map(|&need| need.clone())
                .collect()
        })
        .collect();
    if let Some(p) = perl {
        dependencies.insert(
            p.id.clone(),
            Dependencies {
                on: Vec::new(),
                completeness: Completeness::Complete,
                unresolved: BTreeSet::new(),
            },
        );
    }
    dependencies.insert(root.clone(), root_deps);
    Graph {
        dependencies,
        needs,
        perl_needs: perl_needs.into_iter().collect(),
    }
}

/// No node: an empty provider slot, and the root as a requirer.
const NONE: u32 = u32::MAX;

/// The first two distinct providers of each wanted module, in snapshot
/// order: a requirement resolves to the first one that is not the requiring
/// node, so no later one can matter. Only the modules something requires are
/// indexed (a few hundred, against thousands provided), which keeps the table
/// small enough to stay in cache.
///
/// The standard (keyed) hash: the modules come from the input, and a fast
/// unkeyed hash would let a crafted snapshot make every lookup collide.
#[derive(Default)]
struct Providers<'a> {
    index: HashMap<&'a str, u32>,
    slots: Vec<[u32; 2]>,
}

impl<'a> Providers<'a> {
    /// The index of `module`, added (with no providers yet) if new.
    fn want(&mut self, module: &'a str) -> u32 {
        let next = u32::try_from(self.slots.len()).unwrap_or(NONE);
        let k = *self.index.entry(module).or_insert(next);
        if k == next {
            self.slots.push([NONE, NONE]);
        }
        k
    }

    /// Records the providers of the wanted modules among `nodes`.
    fn record(&mut self, nodes: &[Node<'_>]) {
        for (i, n) in (0u32..).zip(nodes) {
            for m in &n.provides {
                let Some(&k) = self.index.get(m) else {
                    continue;
                };
                if let Some(slots) = self.slots.get_mut(k as usize) {
                    if slots[0] == NONE {
                        slots[0] = i;
                    } else if slots[0] != i && slots[1] == NONE {
                        slots[1] = i;
                    }
                }
            }
        }
    }

    /// The providers of the module at index `k`, if any.
    fn slots(&self, k: u32) -> Option<[u32; 2]> {
        self.slots.get(k as usize).copied().filter(|s| s[0] != NONE)
    }

    fn get(&self, module: &str) -> Option<[u32; 2]> {
        self.slots(*self.index.get(module)?)
    }
}

/// The scope the labels reaching a component give it.
pub(crate) fn scope_of(needs: &[Need]) -> Option<Scope> {
    let runtime = |optional| {
        needs
            .iter()
            .any(|n| n.phase == "runtime" && n.optional == optional)
    };
    if runtime(false) {
        Some(Scope::Required)
    } else if runtime(true) {
        Some(Scope::Optional)
    } else if needs.is_empty() {
        None
    } else {
        Some(Scope::Excluded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ComponentId {
        ComponentId(s.into())
    }

    fn need(phase: &str, optional: bool) -> Need {
        Need::new(phase, optional)
    }

    fn node(name: &str, provides: Vec<&'static str>, requires: Vec<&'static str>) -> Node<'static> {
        Node {
            id: id(name),
            provides,
            requires,
        }
    }

    fn targets(on: &[Edge]) -> Vec<&ComponentId> {
        on.iter().map(|e| &e.to).collect()
    }

    #[test]
    fn edges_scopes_and_gaps() {
        let nodes = vec![
            Node {
                id: id("A"),
                provides: vec!["A"],
                requires: vec!["B", "Missing"],
            },
            Node {
                id: id("B"),
                provides: vec!["B", "B::Util"],
                requires: vec!["B::Util"],
            },
            Node {
                id: id("T"),
                provides: vec!["T"],
                requires: vec!["B"],
            },
        ];
        let prereqs = vec![
            RootPrereq {
                module: "A".into(),
                need: need("runtime", false),
            },
            RootPrereq {
                module: "T".into(),
                need: need("test", false),
            },
        ];
        let g = resolve(&id("root"), Some(&prereqs), &nodes, None);
        let a = &g.dependencies[&id("A")];
        assert_eq!(targets(&a.on), [&id("B")]);
        assert_eq!(a.completeness, Completeness::Incomplete);
        assert!(a.unresolved.contains("Missing"));
        let b = &g.dependencies[&id("B")];
        assert!(b.on.is_empty(), "a self-provided requirement is no edge");
        assert_eq!(b.completeness, Completeness::Complete);
        assert_eq!(scope_of(&g.needs[0]), Some(Scope::Required));
        assert_eq!(scope_of(&g.needs[1]), Some(Scope::Required));
        assert_eq!(scope_of(&g.needs[2]), Some(Scope::Excluded));
        assert_eq!(g.needs[1], [need("runtime", false), need("test", false)]);
        let root = &g.dependencies[&id("root")];
        assert_eq!(targets(&root.on), [&id("A"), &id("T")]);
        assert_eq!(root.on[1].needs, [need("test", false)]);
    }

    #[test]
    fn without_prereqs_the_root_takes_the_top_level() {
        let nodes = vec![
            Node {
                id: id("A"),
                provides: vec!["A"],
                requires: vec!["B"],
            },
            Node {
                id: id("B"),
                provides: vec!["B"],
                requires: vec![],
            },
        ];
        let g = resolve(&id("root"), None, &nodes, None);
        let root = &g.dependencies[&id("root")];
        assert_eq!(targets(&root.on), [&id("A")]);
        assert_eq!(root.completeness, Completeness::Unknown);
        assert!(g.needs.iter().all(Vec::is_empty));
    }

    #[test]
    fn entries_with_one_id_merge_their_edges() {
        let nodes = vec![
            node("A", vec!["A"], vec!["C"]),
            node("C", vec!["C"], vec![]),
            node("A", vec!["A::Old"], vec!["B", "Gone"]),
            node("B", vec!["B"], vec!["C"]),
        ];
        let g = resolve(&id("root"), None, &nodes, None);
        let a = &g.dependencies[&id("A")];
        assert_eq!(targets(&a.on), [&id("B"), &id("C")]);
        assert_eq!(a.completeness, Completeness::Incomplete);
        assert_eq!(a.unresolved.iter().collect::<Vec<_>>(), ["Gone"]);
        assert_eq!(g.dependencies.len(), 4, "A, B, C and the root");
    }

    #[test]
    fn a_requirement_resolves_to_the_first_other_provider() {
        let nodes = vec![
            node("Old", vec!["M", "M", "Old"], vec!["M"]),
            node("New", vec!["M", "New"], vec!["M", "Old"]),
            node("Third", vec!["M"], vec!["M"]),
            node("User", vec![], vec!["M"]),
        ];
        let prereqs = vec![RootPrereq {
            module: "M".into(),
            need: need("runtime", false),
        }];
        let g = resolve(&id("root"), Some(&prereqs), &nodes, None);
        let on = |n: &str| {
            targets(&g.dependencies[&id(n)].on)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(on("Old"), [id("New")], "not itself: the next provider");
        assert_eq!(on("New"), [id("Old")]);
        assert_eq!(on("Third"), [id("Old")]);
        assert_eq!(on("User"), [id("Old")]);
        assert_eq!(on("root"), [id("Old")]);
    }

    #[test]
    fn repeated_targets_merge_their_labels() {
        let edge = |to: &str, needs: Vec<Need>| Edge { to: id(to), needs };
        let merged = sorted_edges(vec![
            edge("B", vec![need("test", false)]),
            edge("A", vec![]),
            edge("B", vec![need("runtime", false), need("test", false)]),
        ]);
        assert_eq!(targets(&merged), [&id("A"), &id("B")]);
        assert_eq!(
            merged[1].needs,
            [need("runtime", false), need("test", false)]
        );
    }

    #[test]
    fn optional_runtime_is_optional() {
        let needs = [need("runtime", true), need("test", false)];
        assert_eq!(scope_of(&needs), Some(Scope::Optional));
        assert_eq!(need("x_lint", false).phase, "x_lint");
    }
}
