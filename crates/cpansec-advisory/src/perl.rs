//! The database of an installed CPAN::Audit (`CPAN::Audit::DB->db`) or
//! CPANSA::DB (`CPANSA::DB->db`), read through the installed perl.
//!
//! The module is a perl data structure, not a file cpansec can read. So
//! `perl` loads it and prints it with JSON::PP, under a time limit and with
//! its output bounded by [`MAX_FILE_LEN`](crate::MAX_FILE_LEN); the JSON is
//! brought to the published format by the explicit steps below, then read by
//! the same strict loader as a downloaded file ([`Feed::parse`]).
//!
//! What older generated modules (CPAN::Audit 2023, the schema before
//! `cpansa_version` 2) do differently, and what happens to it:
//!
//! | quirk | handling |
//! |---|---|
//! | no `meta` block | built from the module's header comment (`# created by util/generate at DATE`, `# cpan-security-advisory COMMIT`) |
//! | `affected_versions` / `fixed_versions` a single string | a list of that one range string |
//! | `affected_versions` / `fixed_versions` / `cves` `null` or absent | an empty list (CPAN::Audit matches nothing with an undefined range) |
//! | a range or CVE written as a perl number | its text |
//! | `comments` instead of `comment` | read as `comment` |
//! | `x-file`, and `main_module` inside an advisory | dropped (the source file name; the distribution's main module is already on the distribution) |
//!
//! Range semantics are cpansec's (ARCHITECTURE.md), not CPAN::Audit's: a
//! bare `V` is `==V`, where CPAN::Audit 2023 reads it as `>=V`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::database::MAX_FILE_LEN;
use crate::{Database, Error, Feed, Source};

/// How long perl may take to load and print a database.
pub const PERL_TIMEOUT: Duration = Duration::from_secs(60);

/// The most bytes of perl's standard error kept for an error message.
const MAX_STDERR: u64 = 16 * 1024;

/// The perl program: load the module by file name (the name is an argument,
/// never interpolated into code), call `->db`, and print it with its
/// provenance.
const SCRIPT: &str = r#"
use strict; use warnings; use JSON::PP ();
my $m = shift;
(my $f = "$m.pm") =~ s{::}{/}g;
require $f;
my $db = $m->db;
die "$m->db did not return a hash reference\n" unless ref $db eq 'HASH';
my $head = '';
if (open my $fh, '<', $INC{$f}) {
    while (defined(my $line = <$fh>)) { last unless $line =~ /^#/; $head .= $line; last if length $head > 4096 }
}
my $v = do { no strict 'refs'; ${"${m}::VERSION"} };
binmode STDOUT;
print JSON::PP->new->canonical->encode({ module => $m, version => (defined $v ? "$v" : undef),
    file => $INC{$f}, header => $head, db => $db });
"#;

/// A perl package holding an advisory database: `CPAN::Audit` (read from
/// `CPAN::Audit::DB`), `CPANSA::DB`, or any package name with a `db` class
/// method returning the same structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerlModule(String);

impl PerlModule {
    /// Reads a module name as given after `perl:`. `CPAN::Audit` names
    /// its database package `CPAN::Audit::DB`.
    pub fn parse(name: &str) -> Result<PerlModule, Error> {
        let valid = !name.is_empty()
            && name.len() <= 200
            && name.split("::").all(|part| {
                part.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if !valid {
            return Err(Error::Perl {
                module: name.to_string(),
                message: "not a perl package name (expected e.g. CPAN::Audit or CPANSA::DB)"
                    .to_string(),
            });
        }
        Ok(PerlModule(match name {
            "CPAN::Audit" => "CPAN::Audit::DB".to_string(),
            _ => name.to_string(),
        }))
    }

    /// The package whose `db` method is called.
    pub fn package(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PerlModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A database read from an installed perl module.
#[derive(Clone, Debug)]
pub struct PerlDatabase {
    /// The database in the published format.
    pub feed: Feed,
    /// The module's `$VERSION`.
    pub version: Option<String>,
    /// Where perl found it.
    pub file: Option<String>,
    /// Which older-schema quirks were met (see the module documentation),
    /// with how many times.
    pub quirks: BTreeMap<&'static str, usize>,
    /// The source to give the database.
    pub source: Source,
}

/// Runs perl to read `module`'s database; see the module documentation.
pub fn load_perl(module: &PerlModule, timeout: Duration) -> Result<PerlDatabase, Error> {
    load_perl_from(module, timeout, &[])
}

/// [`load_perl`] with further library directories (`perl -I DIR`) searched
/// first.
pub fn load_perl_from(
    module: &PerlModule,
    timeout: Duration,
    include: &[&Path],
) -> Result<PerlDatabase, Error> {
    let fail = |message: String| Error::Perl {
        module: module.to_string(),
        message,
    };
    let mut command = Command::new("perl");
    for dir in include {
        command.arg("-I").arg(dir);
    }
    let mut child = command
        .arg("-e")
        .arg(SCRIPT)
        .arg(module.package())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run perl: {e}")))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    // The reader stops at the limit and says so; perl is then killed
    // rather than left blocked on a full pipe.
    let overflow = Arc::new(AtomicBool::new(false));
    let out_thread = std::thread::spawn({
        let overflow = Arc::clone(&overflow);
        move || {
            let mut bytes = Vec::new();
            let mut limited = stdout.take(MAX_FILE_LEN + 1);
            let read = limited.read_to_end(&mut bytes).map(|_| bytes);
            if read.as_ref().is_ok_and(|b| b.len() as u64 > MAX_FILE_LEN) {
                overflow.store(true, Ordering::SeqCst);
            }
            read
        }
    });
    let err_thread = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.take(MAX_STDERR).read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if overflow.load(Ordering::SeqCst) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "perl printed more than the limit of {MAX_FILE_LEN} bytes"
                )));
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "perl did not finish within {} s",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(fail(format!("waiting for perl: {e}"))),
        }
    };
    let stdout = out_thread
        .join()
        .map_err(|_| fail("reading perl's output failed".into()))?
        .map_err(|e| fail(format!("reading perl's output: {e}")))?;
    let stderr = err_thread.join().unwrap_or_default();
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let first = text.lines().next().unwrap_or("").trim();
        return Err(fail(format!("perl failed ({status}): {first}")));
    }
    if stdout.len() as u64 > MAX_FILE_LEN {
        return Err(fail(format!(
            "perl printed more than the limit of {MAX_FILE_LEN} bytes"
        )));
    }
    from_perl_output(module, &stdout)
}

/// Reads what the perl program printed (a JSON object: `module`,
/// `version`, `file`, `header`, `db`): provenance, then the database brought
/// to the published format and parsed strictly.
pub fn from_perl_output(module: &PerlModule, bytes: &[u8]) -> Result<PerlDatabase, Error> {
    let source_name = format!("perl:{module}");
    let invalid = |json_path: &str, message: String| Error::Invalid {
        source_name: source_name.clone(),
        json_path: json_path.to_string(),
        message,
    };
    let wrapper: Value = serde_json::from_slice(bytes).map_err(|e| Error::Format {
        source_name: source_name.clone(),
        json_path: String::new(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Object(mut wrapper) = wrapper else {
        return Err(invalid("", "perl's output is not a JSON object".into()));
    };
    let string = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let version = string(wrapper.remove("version"));
    let file = string(wrapper.remove("file"));
    let header = string(wrapper.remove("header")).unwrap_or_default();
    let Some(Value::Object(mut db)) = wrapper.remove("db") else {
        return Err(invalid("db", "the module's db is not a hash".into()));
    };
    let mut quirks: BTreeMap<&'static str, usize> = BTreeMap::new();
    if !db.contains_key("meta") {
        *quirks.entry("no meta block").or_default() += 1;
        db.insert("meta".into(), meta_from_header(&header));
    }
    if let Some(Value::Object(dists)) = db.get_mut("dists") {
        for (name, dist) in dists.iter_mut() {
            let Some(Value::Array(advisories)) = dist.get_mut("advisories") else {
                continue;
            };
            for (n, a) in advisories.iter_mut().enumerate() {
                let Value::Object(a) = a else {
                    return Err(invalid(
                        &format!("dists.{name}.advisories[{n}]"),
                        "an advisory that is not a hash".into(),
                    ));
                };
                normalise_entry(a, &mut quirks);
            }
        }
    }
    let doc = serde_json::to_vec(&Value::Object(db)).expect("a JSON value always serialises");
    let feed = Feed::parse(&doc, &source_name)?;
    Ok(PerlDatabase {
        feed,
        source: Source::Perl {
            module: module.to_string(),
            version: version.clone(),
        },
        version,
        file,
        quirks,
    })
}

/// Applies the per-entry quirk handling of the module documentation.
fn normalise_entry(a: &mut Map<String, Value>, quirks: &mut BTreeMap<&'static str, usize>) {
    for key in ["affected_versions", "fixed_versions", "cves"] {
        let value = a.remove(key).unwrap_or(Value::Null);
        let list = match value {
            Value::Array(items) => items,
            Value::Null => {
                *quirks
                    .entry("null or absent range or cves list")
                    .or_default() += 1;
                Vec::new()
            }
            single => {
                *quirks
                    .entry("range or cves written as one string")
                    .or_default() += 1;
                vec![single]
            }
        };
        let list = list
            .into_iter()
            .map(|item| match item {
                Value::Number(n) => {
                    *quirks
                        .entry("range or cve written as a number")
                        .or_default() += 1;
                    Value::String(n.to_string())
                }
                other => other,
            })
            .collect();
        a.insert(key.to_string(), Value::Array(list));
    }
    if let Some(comments) = a.remove("comments") {
        *quirks.entry("comments instead of comment").or_default() += 1;
        a.entry("comment").or_insert(comments);
    }
    for key in ["x-file", "main_module"] {
        if a.remove(key).is_some() {
            *quirks
                .entry(if key == "x-file" {
                    "x-file dropped"
                } else {
                    "main_module inside an advisory dropped"
                })
                .or_default() += 1;
        }
    }
}

/// A `meta` block from the generated module's header comment.
fn meta_from_header(header: &str) -> Value {
    let mut meta = Map::new();
    for line in header.lines() {
        let line = line.trim_start_matches('#').trim();
        if let Some(rest) = line.strip_prefix("created by ") {
            if let Some((generator, date)) = rest.split_once(" at ") {
                meta.insert("generator".into(), Value::String(generator.trim().into()));
                meta.insert("date".into(), Value::String(date.trim().into()));
            }
        } else if let Some(commit) = line.strip_prefix("cpan-security-advisory ") {
            let commit = commit.trim();
            if commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit()) {
                meta.insert("commit".into(), Value::String(commit.into()));
            }
        }
    }
    Value::Object(meta)
}

impl Database {
    /// Loads the database of an installed perl module (see
    /// [`load_perl`]).
    pub fn load_perl(module: &PerlModule, timeout: Duration) -> Result<Database, Error> {
        let p = load_perl(module, timeout)?;
        Database::from_feed(p.feed, p.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_are_validated_and_cpan_audit_maps_to_its_db() {
        assert_eq!(
            PerlModule::parse("CPAN::Audit").unwrap().package(),
            "CPAN::Audit::DB"
        );
        assert_eq!(
            PerlModule::parse("CPANSA::DB").unwrap().package(),
            "CPANSA::DB"
        );
        for bad in [
            "",
            "Foo;system(1)",
            "Foo::",
            "::Foo",
            "1Foo",
            "Foo Bar",
            "Foo'Bar",
        ] {
            assert!(PerlModule::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn header_gives_date_generator_and_commit() {
        let meta = meta_from_header(
            "# created by util/generate at Thu Mar  9 06:57:35 2023\n\
             # cpan-security-advisory c40a63af0929596279eb94c1f788709b11baca9c\n#\n",
        );
        assert_eq!(meta["date"], "Thu Mar  9 06:57:35 2023");
        assert_eq!(meta["generator"], "util/generate");
        assert_eq!(meta["commit"], "c40a63af0929596279eb94c1f788709b11baca9c");
    }
}
