//! Package URLs of type `cpan`: `pkg:cpan/<Dist-Name>@<version>?author=<PAUSEID>`.
//!
//! The type definition (package-url/purl-spec, `types/cpan-definition.json`):
//! the name is the distribution name, case-sensitive, and never a module name
//! (no `::`); the namespace, when present, is the author's PAUSE id in upper
//! case; the `author` qualifier is the preferred place for that id. Known
//! qualifiers are `author`, `distpath`, `repository_url`, `download_url`,
//! `vcs_url` and `ext` (default `tar.gz`); others are kept as given.
//!
//! # Two spellings of the author
//!
//! The older form puts the author in the namespace (`pkg:cpan/DROLSKY/DateTime@1.55`);
//! the current one in a qualifier (`pkg:cpan/DateTime@1.55?author=DROLSKY`).
//! [`Purl::parse`] accepts both and keeps what it was given, because the
//! conformance suite requires `pkg:cpan/DROLSKY/DateTime@1.55` to read back as
//! a namespace and to print unchanged. cpansec itself only ever writes the
//! qualifier form ([`Purl::new`], [`Purl::from_dist_path`]), and
//! [`Purl::to_author_form`] rewrites an older purl into it, so two spellings of
//! one release compare equal after normalising. A namespace and an `author`
//! qualifier that disagree are an error there: the purl names two authors.
//!
//! # Grammar and canonical form
//!
//! `pkg:` (any case, any number of `/` after it), the type `cpan` (any case),
//! an optional namespace segment, the name, `@version`, `?key=value&...`,
//! `#sub/path`, parsed right to left as the spec's "how to parse" says.
//! Components are percent-decoded on input; a `%` not followed by two hex
//! digits, or bytes that are not UTF-8, are errors. The canonical string
//! percent-encodes every byte except `A-Z a-z 0-9 . - _ ~` and `:`, with upper
//! case hex; qualifier keys are lower case and sorted, empty values dropped;
//! subpath segments `.`, `..` and empty ones are dropped. Parsing the
//! canonical string gives back an equal [`Purl`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::DistPath;

/// A `pkg:cpan/...` package URL.
///
/// Invariants: `name` is non-empty and has no `::`; `namespace`, when set, is
/// one non-empty upper-case segment without `/`; qualifier keys are valid
/// (lower-case ASCII letters, digits, `.`, `-`, `_`, not starting with a
/// digit) and values non-empty; `version`, when set, is non-empty; subpath
/// segments are non-empty, not `.`/`..`, without `/`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Purl {
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Vec<String>,
}

/// Why a string or a set of components is not a valid `cpan` purl.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PurlError {
    #[error("{input:?} is not a package URL: it must start with \"pkg:\"")]
    Scheme { input: String },
    #[error("{input:?} is a purl of type {found:?}, not \"cpan\"")]
    NotCpan { input: String, found: String },
    #[error("{input:?} has no distribution name")]
    MissingName { input: String },
    #[error(
        "{name:?} is a module name, not a distribution name: a cpan purl names the distribution (\"{}\")",
        name.replace("::", "-")
    )]
    ModuleName { name: String },
    #[error("{input:?} has a namespace of {segments} segments; a cpan namespace is one PAUSE id")]
    Namespace { input: String, segments: usize },
    #[error(
        "invalid percent-encoding {text:?} in {input:?}: '%' must be followed by two hex digits"
    )]
    PercentEncoding { input: String, text: String },
    #[error("{input:?} decodes to bytes that are not UTF-8")]
    Utf8 { input: String },
    #[error("qualifier {pair:?} in {input:?} has no '='")]
    QualifierWithoutValue { input: String, pair: String },
    #[error(
        "invalid qualifier key {key:?}: keys are ASCII letters, digits, '.', '-', '_' and do not start with a digit"
    )]
    QualifierKey { key: String },
    #[error("qualifier {key:?} appears twice in {input:?}")]
    DuplicateQualifier { input: String, key: String },
    #[error("{component} segment {segment:?} contains '/'")]
    SlashInSegment {
        component: &'static str,
        segment: String,
    },
    #[error("namespace {namespace:?} and author qualifier {author:?} name different authors")]
    AuthorConflict { namespace: String, author: String },
}

/// The components of a purl, as the purl test suite's `build` cases give them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurlParts {
    /// Must be `cpan` (any case).
    pub purl_type: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: BTreeMap<String, String>,
    pub subpath: Option<String>,
}

impl Purl {
    /// The purl cpansec writes for a release: `pkg:cpan/<dist>@<version>?author=<ID>`.
    pub fn new(dist: &str, version: Option<&str>, author: Option<&str>) -> Result<Purl, PurlError> {
        let mut qualifiers = BTreeMap::new();
        if let Some(a) = author.filter(|a| !a.is_empty()) {
            qualifiers.insert("author".to_string(), a.to_ascii_uppercase());
        }
        Purl::from_parts(None, dist, version, qualifiers, None)
    }

    /// The purl of an upload: its dist, version and author, plus `ext` when
    /// the archive is not the default `.tar.gz`. `None` when the path names no
    /// distribution (no archive extension).
    pub fn from_dist_path(path: &DistPath) -> Option<Result<Purl, PurlError>> {
        let dist = path.dist()?;
        let mut purl = match Purl::new(dist, path.version(), path.cpanid()) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        if let Some(ext) = upload_ext(path) {
            purl.qualifiers.insert("ext".to_string(), ext);
        }
        Some(Ok(purl))
    }

    /// The canonical string of [`Purl::from_dist_path`], written directly:
    /// an SBOM needs one for every distribution, and only the string.
    pub fn dist_path_string(path: &DistPath) -> Option<Result<String, PurlError>> {
        let dist = path.dist()?;
        if let Err(e) = check_name(dist) {
            return Some(Err(e));
        }
        // A pathname's PAUSE id is upper case already (`[A-Z]{2}[-A-Z0-9]*`).
        let author = path.cpanid().filter(|a| !a.is_empty());
        let ext = upload_ext(path);
        // Sorted by key, as the canonical form wants: `author` < `ext`.
        let qualifiers = [("author", author), ("ext", ext.as_deref())]
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)));
        let version = path.version().filter(|v| !v.is_empty());
        let mut out = String::with_capacity(64);
        // Writing to a `String` cannot fail.
        let _ = write_canonical(&mut out, None, dist, version, qualifiers, &[]);
        Some(Ok(out))
    }

    /// Builds a purl from components (the spec's "build" operation): validates
    /// and normalises them as [`Purl::parse`] would.
    pub fn build(parts: PurlParts) -> Result<Purl, PurlError> {
        if !parts.purl_type.eq_ignore_ascii_case("cpan") {
            return Err(PurlError::NotCpan {
                input: parts.name,
                found: parts.purl_type,
            });
        }
        let namespace = match parts.namespace.as_deref() {
            None => None,
            Some(ns) => {
                let segments: Vec<&str> = ns.split('/').filter(|s| !s.is_empty()).collect();
                match segments[..] {
                    [] => None,
                    [one] => Some(one.to_string()),
                    _ => {
                        return Err(PurlError::Namespace {
                            input: ns.to_string(),
                            segments: segments.len(),
                        });
                    }
                }
            }
        };
        let mut qualifiers = BTreeMap::new();
        for (k, v) in parts.qualifiers {
            let key = k.to_ascii_lowercase();
            check_key(&key)?;
            if !v.is_empty() {
                qualifiers.insert(key, v);
            }
        }
        Purl::from_parts(
            namespace,
            &parts.name,
            parts.version.as_deref(),
            qualifiers,
            parts.subpath.as_deref(),
        )
    }

    fn from_parts(
        namespace: Option<String>,
        name: &str,
        version: Option<&str>,
        qualifiers: BTreeMap<String, String>,
        subpath: Option<&str>,
    ) -> Result<Purl, PurlError> {
        check_name(name)?;
        let subpath = subpath
            .map(|s| {
                s.split('/')
                    .filter(|seg| !matches!(*seg, "" | "." | ".."))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Purl {
            namespace: namespace
                .filter(|n| !n.is_empty())
                .map(|n| n.to_ascii_uppercase()),
            name: name.to_string(),
            version: version.filter(|v| !v.is_empty()).map(str::to_string),
            qualifiers,
            subpath,
        })
    }

    /// Parses a purl string (see the module documentation for the grammar).
    pub fn parse(input: &str) -> Result<Purl, PurlError> {
        let (rest, subpath) = match input.rsplit_once('#') {
            Some((r, s)) => (r, Some(s)),
            None => (input, None),
        };
        let mut segments_out = Vec::new();
        if let Some(s) = subpath {
            for seg in s.split('/') {
                let seg = decode(seg, input)?;
                if matches!(seg.as_str(), "" | "." | "..") {
                    continue;
                }
                if seg.contains('/') {
                    return Err(PurlError::SlashInSegment {
                        component: "subpath",
                        segment: seg,
                    });
                }
                segments_out.push(seg);
            }
        }
        let (rest, query) = match rest.rsplit_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let mut qualifiers = BTreeMap::new();
        if let Some(q) = query {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let Some((k, v)) = pair.split_once('=') else {
                    return Err(PurlError::QualifierWithoutValue {
                        input: input.to_string(),
                        pair: pair.to_string(),
                    });
                };
                let key = k.to_ascii_lowercase();
                check_key(&key)?;
                let value = decode(v, input)?;
                if value.is_empty() {
                    continue;
                }
                if qualifiers.insert(key.clone(), value).is_some() {
                    return Err(PurlError::DuplicateQualifier {
                        input: input.to_string(),
                        key,
                    });
                }
            }
        }
        let Some((scheme, rest)) = rest.split_once(':') else {
            return Err(PurlError::Scheme {
                input: input.to_string(),
            });
        };
        if !scheme.eq_ignore_ascii_case("pkg") {
            return Err(PurlError::Scheme {
                input: input.to_string(),
            });
        }
        let rest = rest.trim_start_matches('/');
        let (purl_type, rest) = rest.split_once('/').unwrap_or((rest, ""));
        if !purl_type.eq_ignore_ascii_case("cpan") {
            return Err(PurlError::NotCpan {
                input: input.to_string(),
                found: purl_type.to_ascii_lowercase(),
            });
        }
        let (rest, version) = match rest.rsplit_once('@') {
            Some((r, v)) => (r, Some(decode(v, input)?)),
            None => (rest, None),
        };
        let rest = rest.trim_end_matches('/');
        let (rest, name) = match rest.rsplit_once('/') {
            Some((r, n)) => (r, n),
            None => ("", rest),
        };
        let name = decode(name, input)?;
        if name.is_empty() {
            return Err(PurlError::MissingName {
                input: input.to_string(),
            });
        }
        let mut namespace = Vec::new();
        for seg in rest.split('/').filter(|s| !s.is_empty()) {
            let seg = decode(seg, input)?;
            if seg.contains('/') {
                return Err(PurlError::SlashInSegment {
                    component: "namespace",
                    segment: seg,
                });
            }
            namespace.push(seg);
        }
        if namespace.len() > 1 {
            return Err(PurlError::Namespace {
                input: input.to_string(),
                segments: namespace.len(),
            });
        }
        let mut purl =
            Purl::from_parts(namespace.pop(), &name, version.as_deref(), qualifiers, None)?;
        purl.subpath = segments_out;
        Ok(purl)
    }

    /// The same release with the author moved from the namespace into the
    /// `author` qualifier, the form cpansec writes. Errors when both are
    /// present and differ (compared ignoring ASCII case).
    pub fn to_author_form(&self) -> Result<Purl, PurlError> {
        let mut out = self.clone();
        if let Some(ns) = out.namespace.take() {
            match out.qualifiers.get("author") {
                Some(a) if !a.eq_ignore_ascii_case(&ns) => {
                    return Err(PurlError::AuthorConflict {
                        namespace: ns,
                        author: a.clone(),
                    });
                }
                Some(_) => {}
                None => {
                    out.qualifiers.insert("author".to_string(), ns);
                }
            }
        }
        Ok(out)
    }

    /// Always `cpan`.
    pub fn purl_type(&self) -> &'static str {
        "cpan"
    }
    /// The namespace (older author spelling), upper case.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
    /// The distribution name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The version as written; not necessarily one version.pm accepts.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }
    /// Qualifiers, keys in canonical (sorted) order, values decoded.
    pub fn qualifiers(&self) -> &BTreeMap<String, String> {
        &self.qualifiers
    }
    /// The subpath, segments joined with `/`, when there is one.
    pub fn subpath(&self) -> Option<String> {
        (!self.subpath.is_empty()).then(|| self.subpath.join("/"))
    }
    /// The author's PAUSE id, from the `author` qualifier or else the
    /// namespace, in upper case.
    pub fn author(&self) -> Option<String> {
        self.qualifiers
            .get("author")
            .or(self.namespace.as_ref())
            .map(|a| a.to_ascii_uppercase())
    }
}

impl FromStr for Purl {
    type Err = PurlError;
    fn from_str(s: &str) -> Result<Purl, PurlError> {
        Purl::parse(s)
    }
}

impl fmt::Display for Purl {
    /// The canonical string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_canonical(
            f,
            self.namespace.as_deref(),
            &self.name,
            self.version.as_deref(),
            self.qualifiers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
            &self.subpath,
        )
    }
}

/// Writes the canonical string of a purl's parts, which must already hold
/// the [`Purl`] invariants (qualifiers sorted by key).
fn write_canonical<'q>(
    f: &mut impl fmt::Write,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: impl IntoIterator<Item = (&'q str, &'q str)>,
    subpath: &[String],
) -> fmt::Result {
    f.write_str("pkg:cpan/")?;
    if let Some(ns) = namespace {
        write!(f, "{}/", Encoded(ns))?;
    }
    write!(f, "{}", Encoded(name))?;
    if let Some(v) = version {
        write!(f, "@{}", Encoded(v))?;
    }
    for (i, (k, v)) in qualifiers.into_iter().enumerate() {
        let sep = if i == 0 { '?' } else { '&' };
        write!(f, "{sep}{k}={}", Encoded(v))?;
    }
    for (i, seg) in subpath.iter().enumerate() {
        let sep = if i == 0 { '#' } else { '/' };
        write!(f, "{sep}{}", Encoded(seg))?;
    }
    Ok(())
}

impl serde::Serialize for Purl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Purl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Purl, D::Error> {
        let text = String::deserialize(deserializer)?;
        Purl::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn check_key(key: &str) -> Result<(), PurlError> {
    let valid = key
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_'))
        && key.bytes().next().is_some_and(|c| !c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(PurlError::QualifierKey {
            key: key.to_string(),
        })
    }
}

/// The `ext` qualifier of an upload: its archive extension in lower case,
/// unless it is the default `tar.gz`.
fn upload_ext(path: &DistPath) -> Option<String> {
    path.extension()
        .map(str::to_ascii_lowercase)
        .filter(|e| e != "tar.gz")
}

/// A name is required and is never a module name.
fn check_name(name: &str) -> Result<(), PurlError> {
    if name.is_empty() {
        return Err(PurlError::MissingName {
            input: name.to_string(),
        });
    }
    if name.contains("::") {
        return Err(PurlError::ModuleName {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Percent-encodes all but `A-Z a-z 0-9 . - _ ~ :`.
struct Encoded<'a>(&'a str);

impl fmt::Display for Encoded<'_> {
    /// Runs of bytes that need no encoding go out as one slice each: names
    /// and versions are almost all such bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        let mut run = 0;
        for (at, b) in text.bytes().enumerate() {
            if !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':')) {
                // A non-empty run is safe ASCII after an encoded byte, so
                // on character boundaries; an empty one, inside a multi-byte
                // character, slices to nothing.
                f.write_str(text.get(run..at).unwrap_or_default())?;
                write!(f, "%{b:02X}")?;
                run = at + 1;
            }
        }
        f.write_str(text.get(run..).unwrap_or_default())
    }
}

fn decode(text: &str, input: &str) -> Result<String, PurlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).and_then(|&c| char::from(c).to_digit(16));
            match (hex(i + 1), hex(i + 2)) {
                (Some(h), Some(l)) => {
                    // Two hex digits: at most 0xFF.
                    out.push(u8::try_from(h * 16 + l).unwrap_or(u8::MAX));
                    i += 3;
                }
                _ => {
                    return Err(PurlError::PercentEncoding {
                        input: input.to_string(),
                        text: text
                            .get(i..(i + 3).min(text.len()))
                            .unwrap_or(text)
                            .to_string(),
                    });
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PurlError::Utf8 {
        input: input.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_safe_runs_and_encodes_every_other_byte() {
        let purl = Purl::new("Foo Bär~x", Some("1.0+ü"), None).unwrap();
        assert_eq!(purl.to_string(), "pkg:cpan/Foo%20B%C3%A4r~x@1.0%2B%C3%BC");
        assert_eq!(Purl::parse(&purl.to_string()).unwrap(), purl);
    }

    #[test]
    fn canonical_forms() {
        let p = Purl::new("DateTime", Some("1.55"), Some("drolsky")).unwrap();
        assert_eq!(p.to_string(), "pkg:cpan/DateTime@1.55?author=DROLSKY");
        let old = Purl::parse("pkg:cpan/DROLSKY/DateTime@1.55").unwrap();
        assert_eq!(old.to_author_form().unwrap(), p);
        let both = Purl::parse("pkg:cpan/ABC/DateTime@1.55?author=XYZ").unwrap();
        assert!(matches!(
            both.to_author_form(),
            Err(PurlError::AuthorConflict { .. })
        ));
        let odd = Purl::parse("PKG://CPAN/x%20y@1%2B2?B=z/w&a=&c=%3a#./a/../b%2Fc").unwrap_err();
        assert!(matches!(odd, PurlError::SlashInSegment { .. }));
        let p = Purl::parse("PKG://CPAN/x%20y@1%2B2?B=z/w&a=&c=%3a#./a/../b").unwrap();
        assert_eq!(p.to_string(), "pkg:cpan/x%20y@1%2B2?b=z%2Fw&c=:#a/b");
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            Purl::parse("pkg:cpan/LWP::UserAgent@6.7.6"),
            Err(PurlError::ModuleName { .. })
        ));
        let e = Purl::parse("pkg:cpan/GDT/URI::PackageURL").unwrap_err();
        assert!(e.to_string().contains("(\"URI-PackageURL\")"), "{e}");
        assert!(matches!(
            Purl::parse("pkg:npm/foo"),
            Err(PurlError::NotCpan { .. })
        ));
        assert!(matches!(
            Purl::parse("cpan/foo"),
            Err(PurlError::Scheme { .. })
        ));
        assert!(matches!(
            Purl::parse("pkg:cpan/A/B/C"),
            Err(PurlError::Namespace { .. })
        ));
        assert!(matches!(
            Purl::parse("pkg:cpan/Foo%2"),
            Err(PurlError::PercentEncoding { .. })
        ));
        assert!(matches!(
            Purl::parse("pkg:cpan/Foo%FF"),
            Err(PurlError::Utf8 { .. })
        ));
        assert!(matches!(
            Purl::parse("pkg:cpan/Foo?1a=b"),
            Err(PurlError::QualifierKey { .. })
        ));
        assert!(matches!(
            Purl::parse("pkg:cpan/Foo?a=b&A=c"),
            Err(PurlError::DuplicateQualifier { .. })
        ));
        assert!(matches!(
            Purl::parse("pkg:cpan/@1"),
            Err(PurlError::MissingName { .. })
        ));
    }

    #[test]
    fn serde_goes_through_the_string() {
        let p: Purl = serde_json::from_str("\"pkg:cpan/DROLSKY/DateTime@1.55\"").unwrap();
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            "\"pkg:cpan/DROLSKY/DateTime@1.55\""
        );
        let e = serde_json::from_str::<Purl>("\"pkg:cpan/URI::PackageURL\"").unwrap_err();
        assert!(e.to_string().contains("module name"), "{e}");
    }

    #[test]
    fn from_dist_path() {
        let d = DistPath::parse("authors/id/I/IL/ILYAZ/modules/Term-Gnuplot-0.90380906.zip");
        let p = Purl::from_dist_path(&d).unwrap().unwrap();
        assert_eq!(
            p.to_string(),
            "pkg:cpan/Term-Gnuplot@0.90380906?author=ILYAZ&ext=zip"
        );
    }
}
