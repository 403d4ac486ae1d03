//! Sets of versions as sorted, disjoint intervals: the one range model that
//! advisory ranges, requirements, lint and OSV export all reduce to.

use std::cmp::Ordering;
use std::fmt;
use std::ops::Bound;

use crate::Version;

/// One interval of versions. Versions are treated as a dense order (between
/// any two there may be another release), so `(1.0, 1.1)` is not empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Lower end: `Unbounded`, `Included(v)` (`>= v`) or `Excluded(v)` (`> v`).
    pub lower: Bound<Version>,
    /// Upper end: `Unbounded`, `Included(v)` (`<= v`) or `Excluded(v)` (`< v`).
    pub upper: Bound<Version>,
}

impl Interval {
    /// Every version.
    pub fn all() -> Interval {
        Interval {
            lower: Bound::Unbounded,
            upper: Bound::Unbounded,
        }
    }

    /// Exactly `v`.
    pub fn exactly(v: Version) -> Interval {
        Interval {
            lower: Bound::Included(v.clone()),
            upper: Bound::Included(v),
        }
    }

    /// True when `v` lies inside.
    pub fn contains(&self, v: &Version) -> bool {
        let above = match &self.lower {
            Bound::Unbounded => true,
            Bound::Included(l) => v >= l,
            Bound::Excluded(l) => v > l,
        };
        let below = match &self.upper {
            Bound::Unbounded => true,
            Bound::Included(u) => v <= u,
            Bound::Excluded(u) => v < u,
        };
        above && below
    }

    fn is_empty(&self) -> bool {
        match (&self.lower, &self.upper) {
            (Bound::Included(l), Bound::Included(u)) => l > u,
            (Bound::Included(l) | Bound::Excluded(l), Bound::Excluded(u))
            | (Bound::Excluded(l), Bound::Included(u)) => l >= u,
            _ => false,
        }
    }

    fn intersect(&self, other: &Interval) -> Interval {
        Interval {
            lower: max_lower(&self.lower, &other.lower).clone(),
            upper: min_upper(&self.upper, &other.upper).clone(),
        }
    }
}

/// Orders lower bounds: which admits fewer versions from below is greater.
fn cmp_lower(a: &Bound<Version>, b: &Bound<Version>) -> Ordering {
    match (a, b) {
        (Bound::Unbounded, Bound::Unbounded) => Ordering::Equal,
        (Bound::Unbounded, _) => Ordering::Less,
        (_, Bound::Unbounded) => Ordering::Greater,
        (Bound::Included(x), Bound::Included(y)) | (Bound::Excluded(x), Bound::Excluded(y)) => {
            x.cmp(y)
        }
        (Bound::Included(x), Bound::Excluded(y)) => x.cmp(y).then(Ordering::Less),
        (Bound::Excluded(x), Bound::Included(y)) => x.cmp(y).then(Ordering::Greater),
    }
}

/// Orders upper bounds: which admits more versions from above is greater.
fn cmp_upper(a: &Bound<Version>, b: &Bound<Version>) -> Ordering {
    match (a, b) {
        (Bound::Unbounded, Bound::Unbounded) => Ordering::Equal,
        (Bound::Unbounded, _) => Ordering::Greater,
        (_, Bound::Unbounded) => Ordering::Less,
        (Bound::Included(x), Bound::Included(y)) | (Bound::Excluded(x), Bound::Excluded(y)) => {
            x.cmp(y)
        }
        (Bound::Included(x), Bound::Excluded(y)) => x.cmp(y).then(Ordering::Greater),
        (Bound::Excluded(x), Bound::Included(y)) => x.cmp(y).then(Ordering::Less),
    }
}

fn max_lower<'a>(a: &'a Bound<Version>, b: &'a Bound<Version>) -> &'a Bound<Version> {
    if cmp_lower(a, b) == Ordering::Less {
        b
    } else {
        a
    }
}

fn min_upper<'a>(a: &'a Bound<Version>, b: &'a Bound<Version>) -> &'a Bound<Version> {
    if cmp_upper(a, b) == Ordering::Greater {
        b
    } else {
        a
    }
}

/// True when an interval ending at `upper` and one starting at `lower` leave
/// no version between them (they overlap or touch), so they can be merged.
fn touches(upper: &Bound<Version>, lower: &Bound<Version>) -> bool {
    match (upper, lower) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => true,
        (Bound::Included(u), Bound::Included(l)) => u >= l,
        (Bound::Included(u), Bound::Excluded(l)) | (Bound::Excluded(u), Bound::Included(l)) => {
            u >= l
        }
        (Bound::Excluded(u), Bound::Excluded(l)) => u > l,
    }
}

fn flip(b: &Bound<Version>) -> Bound<Version> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Included(v) => Bound::Excluded(v.clone()),
        Bound::Excluded(v) => Bound::Included(v.clone()),
    }
}

/// A set of versions: sorted, disjoint, non-empty intervals.
///
/// Built from intervals with [`VersionSet::from_intervals`] (which
/// normalises), combined with [`union`](VersionSet::union),
/// [`intersect`](VersionSet::intersect) and
/// [`difference`](VersionSet::difference). Two sets with the same members
/// have the same intervals, so `==` is set equality.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionSet {
    intervals: Vec<Interval>,
}

impl VersionSet {
    /// The empty set.
    pub fn empty() -> VersionSet {
        VersionSet::default()
    }

    /// Every version.
    pub fn all() -> VersionSet {
        VersionSet {
            intervals: vec![Interval::all()],
        }
    }

    /// The union of `intervals`, normalised.
    pub fn from_intervals(intervals: impl IntoIterator<Item = Interval>) -> VersionSet {
        let mut items: Vec<Interval> = intervals.into_iter().filter(|i| !i.is_empty()).collect();
        items.sort_by(|a, b| cmp_lower(&a.lower, &b.lower));
        let mut merged: Vec<Interval> = Vec::with_capacity(items.len());
        for item in items {
            match merged.last_mut() {
                Some(last) if touches(&last.upper, &item.lower) => {
                    if cmp_upper(&item.upper, &last.upper) == Ordering::Greater {
                        last.upper = item.upper;
                    }
                }
                _ => merged.push(item),
            }
        }
        VersionSet { intervals: merged }
    }

    /// The intervals, sorted and disjoint.
    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    pub fn contains(&self, v: &Version) -> bool {
        self.intervals.iter().any(|i| i.contains(v))
    }

    pub fn union(&self, other: &VersionSet) -> VersionSet {
        VersionSet::from_intervals(self.intervals.iter().chain(&other.intervals).cloned())
    }

    pub fn intersect(&self, other: &VersionSet) -> VersionSet {
        VersionSet::from_intervals(
            self.intervals
                .iter()
                .flat_map(|a| other.intervals.iter().map(move |b| a.intersect(b))),
        )
    }

    /// Every version not in this set.
    pub fn complement(&self) -> VersionSet {
        let mut out = Vec::with_capacity(self.intervals.len() + 1);
        let mut lower = Bound::Unbounded;
        for i in &self.intervals {
            if !matches!(i.lower, Bound::Unbounded) {
                out.push(Interval {
                    lower: lower.clone(),
                    upper: flip(&i.lower),
                });
            }
            lower = flip(&i.upper);
        }
        if self.intervals.is_empty() || !matches!(lower, Bound::Unbounded) {
            out.push(Interval {
                lower,
                upper: Bound::Unbounded,
            });
        }
        VersionSet::from_intervals(out)
    }

    pub fn difference(&self, other: &VersionSet) -> VersionSet {
        self.intersect(&other.complement())
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.lower, &self.upper) {
            (Bound::Included(l), Bound::Included(u)) if l == u => return write!(f, "== {l}"),
            (Bound::Unbounded, Bound::Unbounded) => return f.write_str("*"),
            _ => {}
        }
        let mut parts = Vec::new();
        match &self.lower {
            Bound::Included(l) => parts.push(format!(">= {l}")),
            Bound::Excluded(l) => parts.push(format!("> {l}")),
            Bound::Unbounded => {}
        }
        match &self.upper {
            Bound::Included(u) => parts.push(format!("<= {u}")),
            Bound::Excluded(u) => parts.push(format!("< {u}")),
            Bound::Unbounded => {}
        }
        f.write_str(&parts.join(", "))
    }
}

impl fmt::Display for VersionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.intervals.is_empty() {
            return f.write_str("(none)");
        }
        for (n, i) in self.intervals.iter().enumerate() {
            if n > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{i}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn at_least(s: &str) -> Interval {
        Interval {
            lower: Bound::Included(v(s)),
            upper: Bound::Unbounded,
        }
    }

    fn below(s: &str) -> Interval {
        Interval {
            lower: Bound::Unbounded,
            upper: Bound::Excluded(v(s)),
        }
    }

    #[test]
    fn touching_intervals_merge() {
        let set = VersionSet::from_intervals([below("1.5"), at_least("1.5")]);
        assert_eq!(set, VersionSet::all());
    }

    #[test]
    fn excluded_point_stays_a_gap() {
        let set = VersionSet::from_intervals([
            below("1.5"),
            Interval {
                lower: Bound::Excluded(v("1.5")),
                upper: Bound::Unbounded,
            },
        ]);
        assert!(!set.contains(&v("1.5")));
        assert!(set.contains(&v("1.4")));
        assert_eq!(
            set.complement(),
            VersionSet::from_intervals([Interval::exactly(v("1.5"))])
        );
    }

    #[test]
    fn complement_twice_is_identity() {
        let set = VersionSet::from_intervals([Interval::exactly(v("1.0")), at_least("2.0")]);
        assert_eq!(set.complement().complement(), set);
        assert_eq!(VersionSet::empty().complement(), VersionSet::all());
        assert_eq!(VersionSet::all().complement(), VersionSet::empty());
    }

    #[test]
    fn difference_removes_fixed_releases() {
        let affected = VersionSet::from_intervals([below("2.0")]);
        let fixed = VersionSet::from_intervals([at_least("1.5")]);
        let left = affected.difference(&fixed);
        assert_eq!(left, VersionSet::from_intervals([below("1.5")]));
        assert_eq!(left.to_string(), "< 1.5");
    }

    #[test]
    fn equal_versions_written_differently_are_one_point() {
        let set = VersionSet::from_intervals([
            Interval::exactly(v("1.5")),
            Interval::exactly(v("1.500")),
        ]);
        assert_eq!(set.intervals().len(), 1);
    }
}
