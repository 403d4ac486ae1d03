//! [`ModuleMap`]: a snapshot's `provides:` or `requirements:` list.
//!
//! A sorted vector rather than a tree: a list is built once, from entries that
//! (in every file Carton writes) already arrive sorted, and then only looked
//! up and walked in order. One exactly sized allocation per list instead of a
//! tree node of room for eleven entries: a large snapshot has about a thousand
//! lists, most of them one to three entries long, and every freshly touched
//! page costs a short-lived process as much as parsing many lines.

use std::borrow::{Borrow, Cow};

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Module name -> value, sorted by module name (byte order), each module
/// once. Reads like a `BTreeMap<Cow<str>, V>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleMap<'a, V> {
    entries: Vec<(Cow<'a, str>, V)>,
}

impl<V> Default for ModuleMap<'_, V> {
    fn default() -> Self {
        ModuleMap {
            entries: Vec::new(),
        }
    }
}

impl<'a, V> ModuleMap<'a, V> {
    /// The map of entries already sorted by module with no module twice
    /// (the caller has checked both).
    pub(crate) fn from_sorted_unique(entries: Vec<(Cow<'a, str>, V)>) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        ModuleMap { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `module`.
    pub fn get(&self, module: &str) -> Option<&V> {
        self.entries
            .binary_search_by(|(m, _)| m.as_ref().cmp(module))
            .ok()
            .map(|i| &self.entries[i].1)
    }

    pub fn contains_key(&self, module: &str) -> bool {
        self.get(module).is_some()
    }

    /// The modules, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Cow<'a, str>> + ExactSizeIterator {
        self.entries.iter().map(|(m, _)| m)
    }

    /// The values, in module order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// (module, value) pairs, in module order.
    pub fn iter(&self) -> Iter<'_, 'a, V> {
        Iter {
            inner: self.entries.iter(),
        }
    }
}

/// The entries of a [`ModuleMap`] by reference.
#[derive(Debug)]
pub struct Iter<'m, 'a, V> {
    inner: std::slice::Iter<'m, (Cow<'a, str>, V)>,
}

impl<'m, 'a, V> Iterator for Iter<'m, 'a, V> {
    type Item = (&'m Cow<'a, str>, &'m V);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(m, v)| (m, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<V> DoubleEndedIterator for Iter<'_, '_, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(m, v)| (m, v))
    }
}

impl<V> ExactSizeIterator for Iter<'_, '_, V> {}

impl<'m, 'a, V> IntoIterator for &'m ModuleMap<'a, V> {
    type Item = (&'m Cow<'a, str>, &'m V);
    type IntoIter = Iter<'m, 'a, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, V> IntoIterator for ModuleMap<'a, V> {
    type Item = (Cow<'a, str>, V);
    type IntoIter = std::vec::IntoIter<(Cow<'a, str>, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// Like a map's: sorted by module, and for a module given twice the last
/// value wins.
impl<'a, V> FromIterator<(Cow<'a, str>, V)> for ModuleMap<'a, V> {
    fn from_iter<I: IntoIterator<Item = (Cow<'a, str>, V)>>(iter: I) -> Self {
        let mut entries: Vec<(Cow<'a, str>, V)> = iter.into_iter().collect();
        // Stable: among equal modules the last one given stays last.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(Cow<'a, str>, V)> = Vec::with_capacity(entries.len());
        for e in entries {
            match unique.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => unique.push(e),
            }
        }
        ModuleMap { entries: unique }
    }
}

impl<V: Serialize> Serialize for ModuleMap<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (m, v) in self {
            map.serialize_entry(Borrow::<str>::borrow(m), v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    proptest! {
        /// Built from any pairs, it reads like the BTreeMap of the same
        /// pairs: lookups, order, the last value of a repeated module.
        #[test]
        fn reads_like_a_btreemap(
            pairs in prop::collection::vec(("[A-C][a-c:]{0,3}", 0u8..5), 0..40),
            probes in prop::collection::vec("[A-C][a-c:]{0,3}", 0..10),
        ) {
            let map: ModuleMap<'_, u8> =
                pairs.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), *v)).collect();
            let tree: BTreeMap<String, u8> = pairs.iter().cloned().collect();
            prop_assert_eq!(map.len(), tree.len());
            prop_assert_eq!(
                map.iter().map(|(k, v)| (k.to_string(), *v)).collect::<Vec<_>>(),
                tree.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
            );
            for p in probes.iter().chain(tree.keys()) {
                prop_assert_eq!(map.get(p), tree.get(p));
                prop_assert_eq!(map.contains_key(p), tree.contains_key(p));
            }
            prop_assert_eq!(
                serde_json::to_string(&map).expect("JSON"),
                serde_json::to_string(&tree).expect("JSON")
            );
        }
    }
}
