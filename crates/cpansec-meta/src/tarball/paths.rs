//! Entry names: normalising them, the distribution's top directory, and
//! where a link really points.
//!
//! Invariant kept by [`normalize`]: a normalised name is a non-empty,
//! relative, `/`-separated path with no empty, `.` or `..` component, so
//! joining it to a directory can never leave that directory.

use std::collections::{BTreeMap, VecDeque};

use crate::ErrorKind;

/// The most symlinks followed while resolving one link (Linux's own bound).
const MAX_LINK_HOPS: u32 = 40;

/// What is wrong with a name, before the entry is known to be a file or a
/// directory (an empty name is the archive root for a directory only).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Name {
    /// The normalised, safe name.
    Path(String),
    /// `.`, `./`, or nothing: the archive root itself.
    Root,
}

/// Normalises an entry name as stored: drops empty and `.` components and
/// a trailing `/`; refuses absolute names, `..` components and NUL bytes.
pub(super) fn normalize(name: &str) -> Result<Name, ErrorKind> {
    let entry = || name.to_string();
    if name.starts_with('/') {
        return Err(ErrorKind::ArchiveAbsolutePath { entry: entry() });
    }
    if name.contains('\0') {
        return Err(ErrorKind::ArchiveBadName {
            entry: entry(),
            reason: "it contains a NUL byte",
        });
    }
    let mut parts = Vec::new();
    for (i, part) in name.split('/').enumerate() {
        match part {
            "" | "." => {}
            ".." => return Err(ErrorKind::ArchiveParentDir { entry: entry() }),
            // A drive letter (`C:`) is absolute where such paths exist.
            p if i == 0 && p.len() == 2 && p.ends_with(':') => {
                return Err(ErrorKind::ArchiveAbsolutePath { entry: entry() });
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        Ok(Name::Root)
    } else {
        Ok(Name::Path(parts.join("/")))
    }
}

/// The single top directory every entry lies in, as CPAN distributions
/// usually have (`Dist-1.23/`): every entry's first component is the same
/// name, nothing is stored under that name but a directory, and at least one
/// entry lies below it. `None` when the archive's contents sit at its root.
pub(super) fn top_dir<'a>(entries: impl Iterator<Item = (&'a str, bool)>) -> Option<String> {
    let mut top: Option<&str> = None;
    let mut deeper = false;
    for (path, is_dir) in entries {
        let (first, rest) = match path.split_once('/') {
            Some((first, rest)) => (first, Some(rest)),
            None => (path, None),
        };
        match top {
            None => top = Some(first),
            Some(t) if t != first => return None,
            Some(_) => {}
        }
        match rest {
            Some(_) => deeper = true,
            None if !is_dir => return None,
            None => {}
        }
    }
    top.filter(|_| deeper).map(str::to_string)
}

/// Where symlink `link` (a path relative to the distribution root) pointing
/// at `target` (as stored) leads, following the other symlinks in `links`
/// (relative path -> target) the way the kernel would. `None` when the walk
/// leaves the root at any step (`..` above it, an absolute target) or takes
/// more than [`MAX_LINK_HOPS`] links: such a link could reach outside the
/// unpacked tree. A target that does not exist in the archive is fine.
pub(super) fn resolve_symlink(
    links: &BTreeMap<String, String>,
    link: &str,
    target: &str,
) -> Option<Vec<String>> {
    let mut at: Vec<String> = link.split('/').map(str::to_string).collect();
    at.pop();
    let mut pending: VecDeque<String> = components(target)?;
    let mut hops = 0u32;
    while let Some(part) = pending.pop_front() {
        match part.as_str() {
            "" | "." => {}
            ".." => {
                at.pop()?;
            }
            _ => {
                at.push(part);
                let here = at.join("/");
                if let Some(next) = links.get(&here) {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return None;
                    }
                    at.pop();
                    let mut more = components(next)?;
                    more.extend(pending);
                    pending = more;
                }
            }
        }
    }
    Some(at)
}

/// A target's components, or `None` for an absolute target.
fn components(target: &str) -> Option<VecDeque<String>> {
    if target.starts_with('/') {
        return None;
    }
    Some(target.split('/').map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        match normalize(s) {
            Ok(Name::Path(p)) => p,
            Ok(Name::Root) => "<root>".into(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn normalizing_names() {
        assert_eq!(norm("Foo-1.0/lib/Foo.pm"), "Foo-1.0/lib/Foo.pm");
        assert_eq!(norm("./Foo-1.0//lib/./Foo.pm"), "Foo-1.0/lib/Foo.pm");
        assert_eq!(norm("Foo-1.0/"), "Foo-1.0");
        assert_eq!(norm("./"), "<root>");
        assert!(norm("/etc/passwd").contains("absolute"));
        assert!(norm("C:/x").contains("absolute"));
        assert!(norm("a/../../x").contains("`..`"));
        assert!(norm("a/b\0c").contains("NUL"));
    }

    #[test]
    fn finding_the_top_directory() {
        let top = |v: &[(&str, bool)]| top_dir(v.iter().copied());
        assert_eq!(top(&[("D-1", true), ("D-1/a", false)]), Some("D-1".into()));
        assert_eq!(
            top(&[("D-1/a", false), ("D-1/b/c", false)]),
            Some("D-1".into())
        );
        assert_eq!(top(&[("META.json", false)]), None);
        assert_eq!(top(&[("D-1/a", false), ("E/b", false)]), None);
        assert_eq!(top(&[("D-1", false), ("D-1/a", false)]), None);
        assert_eq!(top(&[("D-1", true)]), None);
        assert_eq!(top(&[]), None);
    }

    #[test]
    fn resolving_links() {
        let mut links = BTreeMap::new();
        let r = |links: &BTreeMap<String, String>, l: &str, t: &str| {
            resolve_symlink(links, l, t).map(|v| v.join("/"))
        };
        assert_eq!(r(&links, "a/l", "b"), Some("a/b".into()));
        assert_eq!(r(&links, "a/l", "../b"), Some("b".into()));
        assert_eq!(r(&links, "a/l", "../../b"), None);
        assert_eq!(r(&links, "l", "/etc/passwd"), None);
        // `s` is the root itself, so `s/..` is above it.
        links.insert("s".to_string(), ".".to_string());
        assert_eq!(r(&links, "l", "s/../x"), None);
        links.insert("loop".to_string(), "loop".to_string());
        assert_eq!(r(&links, "l", "loop"), None);
    }
}
