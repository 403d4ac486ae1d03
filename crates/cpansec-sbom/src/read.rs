//! Reading SBOMs back: the CPAN distributions an SBOM lists and the graph
//! between its elements, from CycloneDX 1.4–1.7 JSON, SPDX 2.3 JSON and SPDX
//! 3.0.1 JSON-LD, whoever wrote them.
//!
//! A distribution is an element with a `pkg:cpan` purl: CycloneDX
//! `components[].purl` (nested components and `metadata.component`
//! included), SPDX 2.3 `packages[].externalRefs[]` of type `purl`, SPDX 3
//! `software_Package` `software_packageUrl` or its `packageUrl` external
//! identifier. Both purl spellings are read (`pkg:cpan/Dist@1.0?author=ID`
//! and the older `pkg:cpan/ID/Dist@1.0`); the distribution name, version and
//! author come from the purl, the version from the element itself when the
//! purl has none. Elements with other purls (perl as `pkg:generic/perl`,
//! system libraries) are counted in [`SbomDocument::other_components`] and
//! otherwise left alone.
//!
//! The graph: CycloneDX `dependencies[]`; SPDX 2.3 `DEPENDS_ON` and the
//! `*_DEPENDENCY_OF` relationships (read backwards, with their phase); SPDX
//! 3 `dependsOn` / `hasOptionalDependency` / other `*Dependency`
//! relationships, `LifecycleScopedRelationship` scopes as phases. The root
//! is `metadata.component` (CycloneDX), what the document `DESCRIBES` (SPDX
//! 2.3), the root element of the document's `software_Sbom` (SPDX 3).
//!
//! Errors: the file is read up to [`MAX_SBOM_SIZE`] bytes; text that is not
//! JSON is an error at its line and column; a document of no known format, or
//! a member of the wrong JSON type, is an error naming its JSON pointer
//! (`/components/12/purl`). A single unusable element (a `pkg:cpan` purl that
//! does not parse) is a [`SbomDocument::problems`] line naming its pointer,
//! and the rest is still read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use cpansec_meta::Purl;
use serde_json::Value;

use crate::Error;

/// The largest SBOM read (a 500-component CycloneDX SBOM is about 600 KB).
pub const MAX_SBOM_SIZE: u64 = 256 << 20;

/// The format an SBOM was written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SbomKind {
    /// CycloneDX JSON with its `specVersion`.
    CycloneDx(String),
    /// SPDX 2.x JSON with its `spdxVersion` (`SPDX-2.3`).
    Spdx2(String),
    /// SPDX 3.0.x JSON-LD.
    Spdx3,
}

/// A CPAN distribution listed in an SBOM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SbomComponent {
    /// The element's id in its document: CycloneDX `bom-ref` (the purl when
    /// the component has no `bom-ref`), SPDX 2 `SPDXID`, SPDX 3 `spdxId`.
    pub reference: String,
    /// The distribution name (`Plack`).
    pub dist: String,
    /// The version from the purl, else the element's own version field.
    pub version: Option<String>,
    /// The purl in cpansec's `?author=` form.
    pub purl: String,
    /// Where the element is in the document (JSON pointer).
    pub pointer: String,
}

/// An edge of the SBOM's graph.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SbomEdge {
    pub to: String,
    /// The CPAN phase the edge is scoped to, when the document says
    /// (`runtime`, `test`, `build`, `develop`).
    pub phase: Option<String>,
    /// An optional dependency (`OPTIONAL_DEPENDENCY_OF`, `hasOptionalDependency`).
    pub optional: bool,
}

/// What an SBOM says about CPAN distributions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SbomDocument {
    pub kind: SbomKind,
    /// CycloneDX `serialNumber` (`urn:uuid:...`), SPDX 2 `documentNamespace`,
    /// SPDX 3 document `spdxId`, when present.
    pub serial: Option<String>,
    /// The id of the element the SBOM describes.
    pub root: Option<String>,
    /// In document order.
    pub components: Vec<SbomComponent>,
    /// Elements with a non-`cpan` purl or none.
    pub other_components: usize,
    /// Element id -> its outgoing edges.
    pub edges: BTreeMap<String, BTreeSet<SbomEdge>>,
    /// Elements that could not be used, each `FILE: POINTER: what`.
    pub problems: Vec<String>,
}

impl SbomDocument {
    /// Reads the SBOM at `path` (at most [`MAX_SBOM_SIZE`] bytes).
    pub fn read(path: &Path) -> Result<SbomDocument, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.take(MAX_SBOM_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_SBOM_SIZE {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_SBOM_SIZE,
            });
        }
        SbomDocument::parse(&bytes, path)
    }

    /// Reads SBOM bytes; `path` names the file in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<SbomDocument, Error> {
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| Error::Sbom {
            path: path.to_path_buf(),
            pointer: String::new(),
            message: format!(
                "not JSON: {} at line {}, column {}",
                strip_position(&e.to_string()),
                e.line(),
                e.column()
            ),
        })?;
        let mut r = Reader {
            path,
            out: SbomDocument {
                kind: SbomKind::Spdx3,
                serial: None,
                root: None,
                components: Vec::new(),
                other_components: 0,
                edges: BTreeMap::new(),
                problems: Vec::new(),
            },
        };
        let obj = r.object(&doc, "")?;
        if obj.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            r.cyclonedx(obj)?;
        } else if let Some(v) = obj.get("spdxVersion") {
            r.spdx2(obj, v)?;
        } else if obj.contains_key("@graph") || obj.contains_key("@context") {
            r.spdx3(obj)?;
        } else {
            return Err(r.err(
                "",
                "neither CycloneDX (bomFormat), SPDX 2 (spdxVersion) nor SPDX 3 JSON-LD (@graph)",
            ));
        }
        Ok(r.out)
    }
}

/// serde_json's message without its " at line L column C" tail.
fn strip_position(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i])
}

struct Reader<'p> {
    path: &'p Path,
    out: SbomDocument,
}

type Obj = serde_json::Map<String, Value>;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON pointer token (RFC 6901 escaping).
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl Reader<'_> {
    fn err(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::Sbom {
            path: PathBuf::from(self.path),
            pointer: pointer.to_string(),
            message: message.into(),
        }
    }

    fn object<'v>(&self, v: &'v Value, pointer: &str) -> Result<&'v Obj, Error> {
        v.as_object().ok_or_else(|| {
            self.err(
                pointer,
                format!("expected an object, found {}", type_name(v)),
            )
        })
    }

    /// `obj[key]` as an array; absent is empty.
    fn array<'v>(&self, obj: &'v Obj, key: &str, pointer: &str) -> Result<&'v [Value], Error> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(v) => Err(self.err(
                &format!("{pointer}/{}", token(key)),
                format!("expected an array, found {}", type_name(v)),
            )),
        }
    }

    /// `obj[key]` as a string; absent is `None`.
    fn string<'v>(&self, obj: &'v Obj, key: &str, pointer: &str) -> Result<Option<&'v str>, Error> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.err(
                &format!("{pointer}/{}", token(key)),
                format!("expected a string, found {}", type_name(v)),
            )),
        }
    }

    fn problem(&mut self, pointer: &str, what: impl std::fmt::Display) {
        self.out
            .problems
            .push(format!("{}: {pointer}: {what}", self.path.display()));
    }

    /// Records an element that may be a CPAN distribution.
    fn element(
        &mut self,
        reference: Option<&str>,
        purl: Option<&str>,
        version: Option<&str>,
        pointer: &str,
        purl_pointer: &str,
    ) {
        let Some(text) = purl.filter(|p| is_cpan_purl(p)) else {
            self.out.other_components += 1;
            return;
        };
        let purl = match Purl::parse(text).and_then(|p| p.to_author_form()) {
            Ok(p) => p,
            Err(e) => {
                self.problem(purl_pointer, format!("purl {text:?}: {e}"));
                return;
            }
        };
        let canonical = purl.to_string();
        self.out.components.push(SbomComponent {
            reference: reference.map_or_else(|| canonical.clone(), str::to_string),
            dist: purl.name().to_string(),
            version: purl
                .version()
                .or(version)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            purl: canonical,
            pointer: pointer.to_string(),
        });
    }

    fn edge(&mut self, from: &str, to: &str, phase: Option<&str>, optional: bool) {
        self.out
            .edges
            .entry(from.to_string())
            .or_default()
            .insert(SbomEdge {
                to: to.to_string(),
                phase: phase.map(str::to_string),
                optional,
            });
    }

    fn cyclonedx(&mut self, doc: &Obj) -> Result<(), Error> {
        let spec = self.string(doc, "specVersion", "")?.ok_or_else(|| {
            self.err(
                "/specVersion",
                "missing: a CycloneDX document names its specVersion",
            )
        })?;
        if !matches!(spec, "1.4" | "1.5" | "1.6" | "1.7") {
            return Err(self.err(
                "/specVersion",
                format!("CycloneDX {spec} is not read (1.4 to 1.7 are)"),
            ));
        }
        self.out.kind = SbomKind::CycloneDx(spec.to_string());
        self.out.serial = self.string(doc, "serialNumber", "")?.map(str::to_string);
        if let Some(meta) = doc.get("metadata") {
            let meta = self.object(meta, "/metadata")?;
            if let Some(root) = meta.get("component") {
                let root_obj = self.object(root, "/metadata/component")?;
                let r = self
                    .string(root_obj, "bom-ref", "/metadata/component")?
                    .map(str::to_string);
                // The root is the project: listed as a distribution only
                // through its nested components.
                self.out.root = r;
                self.cdx_components(root_obj, "/metadata/component")?;
            }
        }
        self.cdx_components(doc, "")?;
        let deps = self.array(doc, "dependencies", "")?;
        for (i, d) in deps.iter().enumerate() {
            let p = format!("/dependencies/{i}");
            let d = self.object(d, &p)?;
            let from = self
                .string(d, "ref", &p)?
                .ok_or_else(|| self.err(&format!("{p}/ref"), "missing"))?;
            for (j, to) in self.array(d, "dependsOn", &p)?.iter().enumerate() {
                let to = to.as_str().ok_or_else(|| {
                    self.err(
                        &format!("{p}/dependsOn/{j}"),
                        format!("expected a string, found {}", type_name(to)),
                    )
                })?;
                self.edge(from, to, None, false);
            }
        }
        Ok(())
    }

    /// The `components` of `parent` and theirs, depth first.
    fn cdx_components(&mut self, parent: &Obj, pointer: &str) -> Result<(), Error> {
        let mut stack: Vec<(String, &Obj)> = vec![(pointer.to_string(), parent)];
        // serde_json refuses documents nested over 128 levels, so this
        // walk is bounded by the document's size.
        while let Some((p, obj)) = stack.pop() {
            let list = self.array(obj, "components", &p)?;
            let mut children = Vec::with_capacity(list.len());
            for (i, c) in list.iter().enumerate() {
                let cp = format!("{p}/components/{i}");
                let c = self.object(c, &cp)?;
                let purl = self.string(c, "purl", &cp)?;
                let version = self.string(c, "version", &cp)?;
                let reference = self.string(c, "bom-ref", &cp)?;
                self.element(reference, purl, version, &cp, &format!("{cp}/purl"));
                children.push((cp, c));
            }
            // Reverse so that document order is kept when popping.
            stack.extend(children.into_iter().rev());
        }
        Ok(())
    }

    fn spdx2(&mut self, doc: &Obj, version: &Value) -> Result<(), Error> {
        let v = version.as_str().unwrap_or_default();
        if !v.starts_with("SPDX-2.") {
            return Err(self.err(
                "/spdxVersion",
                format!("SPDX version {version} is not read (SPDX-2.2 and SPDX-2.3 JSON are)"),
            ));
        }
        self.out.kind = SbomKind::Spdx2(v.to_string());
        self.out.serial = self
            .string(doc, "documentNamespace", "")?
            .map(str::to_string);
        let doc_id = self
            .string(doc, "SPDXID", "")?
            .unwrap_or("SPDXRef-DOCUMENT")
            .to_string();
        for (i, d) in self.array(doc, "documentDescribes", "")?.iter().enumerate() {
            if let (None, Some(s)) = (&self.out.root, d.as_str()) {
                self.out.root = Some(s.to_string());
            } else if d.as_str().is_none() {
                return Err(self.err(&format!("/documentDescribes/{i}"), "expected a string"));
            }
        }
        for (i, pkg) in self.array(doc, "packages", "")?.iter().enumerate() {
            let p = format!("/packages/{i}");
            let pkg = self.object(pkg, &p)?;
            let id = self.string(pkg, "SPDXID", &p)?;
            let version = self.string(pkg, "versionInfo", &p)?;
            let mut purl: Option<(&str, String)> = None;
            for (j, r) in self.array(pkg, "externalRefs", &p)?.iter().enumerate() {
                let rp = format!("{p}/externalRefs/{j}");
                let r = self.object(r, &rp)?;
                if self.string(r, "referenceType", &rp)? == Some("purl") {
                    let loc = self.string(r, "referenceLocator", &rp)?;
                    // The first cpan purl, else the first purl.
                    if purl.is_none()
                        || loc.is_some_and(is_cpan_purl)
                            && !purl.as_ref().is_some_and(|(x, _)| is_cpan_purl(x))
                    {
                        purl = loc.map(|l| (l, format!("{rp}/referenceLocator")));
                    }
                }
            }
            let (text, pp) = match purl {
                Some((t, pp)) => (Some(t), pp),
                None => (None, p.clone()),
            };
            self.element(id, text, version, &p, &pp);
        }
        for (i, r) in self.array(doc, "relationships", "")?.iter().enumerate() {
            let p = format!("/relationships/{i}");
            let r = self.object(r, &p)?;
            let (Some(a), Some(kind), Some(b)) = (
                self.string(r, "spdxElementId", &p)?,
                self.string(r, "relationshipType", &p)?,
                self.string(r, "relatedSpdxElement", &p)?,
            ) else {
                return Err(self.err(
                    &p,
                    "a relationship needs spdxElementId, relationshipType and relatedSpdxElement",
                ));
            };
            if matches!(b, "NONE" | "NOASSERTION") || matches!(a, "NONE" | "NOASSERTION") {
                continue;
            }
            match kind {
                "DESCRIBES" if a == doc_id => {
                    if self.out.root.is_none() {
                        self.out.root = Some(b.to_string());
                    }
                }
                "DESCRIBED_BY" if b == doc_id => {
                    if self.out.root.is_none() {
                        self.out.root = Some(a.to_string());
                    }
                }
                "DEPENDS_ON" => self.edge(a, b, None, false),
                _ => {
                    let phase = match kind {
                        "RUNTIME_DEPENDENCY_OF" => Some((Some("runtime"), false)),
                        "OPTIONAL_DEPENDENCY_OF" => Some((Some("runtime"), true)),
                        "TEST_DEPENDENCY_OF" => Some((Some("test"), false)),
                        "BUILD_DEPENDENCY_OF" => Some((Some("build"), false)),
                        "DEV_DEPENDENCY_OF" => Some((Some("develop"), false)),
                        "DEPENDENCY_OF" | "PROVIDED_DEPENDENCY_OF" => Some((None, false)),
                        _ => None,
                    };
                    if let Some((phase, optional)) = phase {
                        self.edge(b, a, phase, optional);
                    }
                }
            }
        }
        Ok(())
    }

    fn spdx3(&mut self, doc: &Obj) -> Result<(), Error> {
        self.out.kind = SbomKind::Spdx3;
        let graph = match doc.get("@graph") {
            Some(Value::Array(a)) => a.as_slice(),
            Some(v) => {
                return Err(self.err(
                    "/@graph",
                    format!("expected an array, found {}", type_name(v)),
                ));
            }
            None => return Err(self.err("", "an SPDX 3 JSON-LD document has a @graph")),
        };
        let mut sboms: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut document_roots: Vec<String> = Vec::new();
        for (i, el) in graph.iter().enumerate() {
            let p = format!("/@graph/{i}");
            let el = self.object(el, &p)?;
            let ty = match self.string(el, "type", &p)? {
                Some(t) => Some(t),
                None => self.string(el, "@type", &p)?,
            };
            let id = match self.string(el, "spdxId", &p)? {
                Some(t) => Some(t),
                None => self.string(el, "@id", &p)?,
            };
            let ty = ty.map(|t| {
                t.trim_start_matches("software:")
                    .trim_start_matches("spdx:")
            });
            match ty {
                Some("software_Package" | "Package") => {
                    let mut purl = self
                        .string(el, "software_packageUrl", &p)?
                        .map(|u| (u, format!("{p}/software_packageUrl")));
                    if !purl.as_ref().is_some_and(|(u, _)| is_cpan_purl(u)) {
                        for (j, x) in self.array(el, "externalIdentifier", &p)?.iter().enumerate() {
                            let xp = format!("{p}/externalIdentifier/{j}");
                            let x = self.object(x, &xp)?;
                            if self.string(x, "externalIdentifierType", &xp)? == Some("packageUrl")
                            {
                                if let Some(u) = self.string(x, "identifier", &xp)? {
                                    if purl.is_none() || is_cpan_purl(u) {
                                        purl = Some((u, format!("{xp}/identifier")));
                                    }
                                }
                            }
                        }
                    }
                    let version = self.string(el, "software_packageVersion", &p)?;
                    let (text, pp) = match purl {
                        Some((t, pp)) => (Some(t), pp),
                        None => (None, p.clone()),
                    };
                    self.element(id, text, version, &p, &pp);
                }
                Some("Relationship" | "LifecycleScopedRelationship") => {
                    let kind = self.string(el, "relationshipType", &p)?.unwrap_or_default();
                    let optional = kind == "hasOptionalDependency";
                    if !(kind == "dependsOn"
                        || optional
                        || kind.starts_with("has") && kind.ends_with("Dependency"))
                    {
                        continue;
                    }
                    let from = self
                        .string(el, "from", &p)?
                        .ok_or_else(|| self.err(&format!("{p}/from"), "missing"))?;
                    let scope = self.string(el, "scope", &p)?;
                    let phase = scope.map(|s| match s {
                        "runtime" => "runtime",
                        "build" => "build",
                        "test" => "test",
                        "development" => "develop",
                        other => other,
                    });
                    let targets = self.array(el, "to", &p)?;
                    for (j, t) in targets.iter().enumerate() {
                        let t = t.as_str().ok_or_else(|| {
                            self.err(
                                &format!("{p}/to/{j}"),
                                format!("expected a string, found {}", type_name(t)),
                            )
                        })?;
                        if t.ends_with("NoneElement") || t.ends_with("NoAssertionElement") {
                            continue;
                        }
                        self.edge(from, t, phase, optional);
                    }
                }
                Some("software_Sbom") => {
                    let roots = self.strings(el, "rootElement", &p)?;
                    if let Some(id) = id {
                        sboms.insert(id.to_string(), roots);
                    }
                }
                Some("SpdxDocument") => {
                    self.out.serial = id.map(str::to_string);
                    document_roots = self.strings(el, "rootElement", &p)?;
                }
                _ => {}
            }
        }
        // The document's root is an Sbom whose root is the project (or the
        // document's root is the project itself).
        let root = document_roots
            .iter()
            .find_map(|r| sboms.get(r).and_then(|x| x.first()).or(Some(r)))
            .or_else(|| sboms.values().find_map(|x| x.first()));
        self.out.root = root.cloned();
        Ok(())
    }

    fn strings(&self, obj: &Obj, key: &str, pointer: &str) -> Result<Vec<String>, Error> {
        match obj.get(key) {
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            _ => self
                .array(obj, key, pointer)?
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        self.err(
                            &format!("{pointer}/{}/{i}", token(key)),
                            format!("expected a string, found {}", type_name(v)),
                        )
                    })
                })
                .collect(),
        }
    }
}

/// `pkg:cpan/...` in any case of scheme and type, with any number of `/`.
fn is_cpan_purl(p: &str) -> bool {
    let Some(rest) = p
        .get(..4)
        .filter(|s| s.eq_ignore_ascii_case("pkg:"))
        .and(p.get(4..))
    else {
        return false;
    };
    let rest = rest.trim_start_matches('/');
    rest.get(..5)
        .is_some_and(|t| t.eq_ignore_ascii_case("cpan/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<SbomDocument, Error> {
        SbomDocument::parse(s.as_bytes(), Path::new("x.json"))
    }

    #[test]
    fn cpan_purls_are_recognised() {
        assert!(is_cpan_purl("pkg:cpan/Plack@1.0"));
        assert!(is_cpan_purl("PKG:CPAN/Plack@1.0"));
        assert!(is_cpan_purl("pkg:///cpan/MIYAGAWA/Plack@1.0"));
        assert!(!is_cpan_purl("pkg:generic/perl@5.36.0"));
        assert!(!is_cpan_purl("pkg:cpa"));
    }

    #[test]
    fn both_purl_forms_and_nested_components() {
        let d = parse(
            r#"{"bomFormat":"CycloneDX","specVersion":"1.4","metadata":{"component":{"bom-ref":"root","name":"app"}},
            "components":[{"bom-ref":"a","purl":"pkg:cpan/MIYAGAWA/Plack@1.0048","name":"Plack"},
              {"purl":"pkg:generic/perl@5.36.0","components":[{"purl":"pkg:cpan/Try-Tiny@0.31?author=ETHER"}]}],
            "dependencies":[{"ref":"root","dependsOn":["a"]}]}"#,
        )
        .unwrap();
        assert_eq!(d.root.as_deref(), Some("root"));
        assert_eq!(d.components.len(), 2);
        assert_eq!(
            d.components[0].purl,
            "pkg:cpan/Plack@1.0048?author=MIYAGAWA"
        );
        assert_eq!(
            d.components[1].reference,
            "pkg:cpan/Try-Tiny@0.31?author=ETHER"
        );
        assert_eq!(d.components[1].pointer, "/components/1/components/0");
        assert_eq!(d.other_components, 1);
        assert_eq!(d.edges["root"].len(), 1);
    }

    #[test]
    fn errors_name_the_place() {
        let e = parse("{\n \"bomFormat\": \"CycloneDX\",\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.json: not JSON"), "{e}");
        assert!(e.contains("line 3"), "{e}");
        let e = parse(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"purl":5}]}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "x.json: /components/0/purl: expected a string, found a number"
        );
        let e = parse(r#"{"bomFormat":"CycloneDX","specVersion":"1.2"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/specVersion"), "{e}");
        let e = parse("[]").unwrap_err().to_string();
        assert!(e.contains("expected an object, found an array"), "{e}");
        let d = parse(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"purl":"pkg:cpan/Foo::Bar@1"},{"purl":"pkg:cpan/Ok@1"}]}"#).unwrap();
        assert_eq!(d.components.len(), 1);
        assert!(
            d.problems[0].starts_with("x.json: /components/0/purl: "),
            "{:?}",
            d.problems
        );
    }
}
