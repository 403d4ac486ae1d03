//! The fallback for cpanfiles outside the static language: the installed
//! perl and Module::CPANfile evaluate the file and print what they read as
//! JSON, which becomes the same [`Cpanfile`] model (without positions, with
//! `evaluated_by_perl` set).
//!
//! **This runs the cpanfile's code**, with the user's rights: use it only on
//! files one would `cpanm --installdeps` anyway.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cpanfile::{Cpanfile, Feature, MAX_CPANFILE_BYTES, RequirementKey, RequirementOptions};
use crate::{Error, ErrorKind, Phase, Prereq, Relation};

/// Prints one JSON line per file argument: `{"file", "reading"}` or
/// `{"file", "error"}`. The reading is Module::CPANfile's own record of each
/// requirement in order (so the model can apply "last one wins" itself) with
/// raw versions (a v-string as its literal, as CPAN::Meta::Requirements
/// reads it; everything else as Perl stringifies it) and options, the mirrors, and the feature descriptions.
/// `prereq_specs` and `features` are called so that requirement strings are
/// checked exactly as Module::CPANfile's users see them checked.
const SCRIPT: &str = r#"
use strict; use warnings;
use Module::CPANfile 1.1004; use JSON::PP; use CPAN::Meta::Requirements;
binmode STDOUT, ':encoding(UTF-8)';
my $json = JSON::PP->new->canonical;
sub str { my $v = shift; defined $v ? "$v" : undef }
sub ver { my $v = shift; return undef unless defined $v; return "$v" if ref $v;
  my $m = CPAN::Meta::Requirements::_find_magic_vstring($v); return length $m ? $m : "$v"; }
for my $file (@ARGV) {
  my $r = eval {
    my $f = Module::CPANfile->load($file);
    $f->prereq_specs;
    my %feat = map { (str($_->identifier) => str($_->description)) } $f->features;
    my $p = $f->{_prereqs}{prereqs};
    die "unexpected Module::CPANfile internals\n" unless ref $p eq 'HASH';
    my @list;
    for my $bucket (sort keys %$p) { for my $q (@{$p->{$bucket}}) {
      my $o = $q->requirement->options;
      push @list, { feature => str($q->feature), phase => str($q->phase), type => $q->type,
        module => str($q->module), version => ver($q->requirement->version),
        options => { map { (str($_) => str($o->{$_})) } keys %$o } };
    } }
    { prereqs => \@list, mirrors => [map { str($_) } @{$f->mirrors}], features => \%feat };
  };
  print $json->encode($r ? { file => $file, reading => $r } : { file => $file, error => "$@" }), "\n";
}
"#;

/// What [`Cpanfile::read_or_eval`] did.
#[derive(Debug)]
pub struct ReadOutcome {
    pub cpanfile: Cpanfile,
    /// Why the static reader gave up, when Perl had to read the file
    /// (`cpanfile.evaluated_by_perl` is then true).
    pub static_error: Option<Error>,
}

fn perl_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::CpanfilePerl {
        message: message.into(),
    })
}

impl Cpanfile {
    /// True when `perl` runs and has Module::CPANfile.
    pub fn perl_available() -> bool {
        Command::new("perl")
            .args(["-MModule::CPANfile", "-MJSON::PP", "-e", "1"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Evaluates the file with perl and Module::CPANfile. Runs the file's
    /// code (see the module documentation).
    pub fn read_with_perl(path: impl AsRef<Path>) -> Result<Cpanfile, Error> {
        let path = path.as_ref();
        let mut all = Cpanfile::read_many_with_perl(&[path])?;
        all.pop()
            .unwrap_or_else(|| Err(perl_error("perl printed nothing").in_file(path)))
    }

    /// [`Cpanfile::read_with_perl`] for many files in one perl process; one
    /// result per path, in order. The outer error is perl itself failing.
    pub fn read_many_with_perl<P: AsRef<Path>>(
        paths: &[P],
    ) -> Result<Vec<Result<Cpanfile, Error>>, Error> {
        let mut results = Vec::with_capacity(paths.len());
        let mut to_run: Vec<PathBuf> = Vec::new();
        for p in paths {
            let p = p.as_ref();
            match std::fs::metadata(p) {
                Ok(m) if m.len() > MAX_CPANFILE_BYTES => {
                    results.push(Some(Err(Error::new(ErrorKind::TooLarge {
                        what: "cpanfile".to_string(),
                        limit: MAX_CPANFILE_BYTES,
                    })
                    .in_file(p))))
                }
                Ok(_) => {
                    results.push(None);
                    to_run.push(p.to_path_buf());
                }
                Err(e) => results.push(Some(Err(Error::new(ErrorKind::Io(e)).in_file(p)))),
            }
        }
        let mut lines = Vec::new();
        if !to_run.is_empty() {
            let out = Command::new("perl")
                .arg("-e")
                .arg(SCRIPT)
                // A path starting with `-` is a file, not a perl switch.
                .arg("--")
                .args(&to_run)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| perl_error(format!("cannot run perl: {e}")))?;
            if !out.status.success() {
                return Err(perl_error(format!(
                    "perl failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            let stdout = String::from_utf8(out.stdout)
                .map_err(|_| perl_error("perl printed something that is not UTF-8"))?;
            lines = stdout.lines().map(str::to_string).collect();
        }
        if lines.len() != to_run.len() {
            return Err(perl_error(format!(
                "perl printed {} readings for {} files",
                lines.len(),
                to_run.len()
            )));
        }
        let mut lines = lines.into_iter().zip(to_run);
        Ok(results
            .into_iter()
            .map(|r| match r {
                Some(r) => r,
                None => match lines.next() {
                    Some((line, path)) => from_json(&line).map_err(|e| e.in_file(path)),
                    None => Err(perl_error("perl printed too few readings")),
                },
            })
            .collect())
    }

    /// Reads statically; when the file uses Perl beyond the cpanfile
    /// language (or is not valid in the static grammar) and perl with
    /// Module::CPANfile is installed, evaluates it with Perl instead, and says
    /// so in the outcome. Perl failing too gives the static error (it has a
    /// position). Runs the file's code in the fallback case.
    pub fn read_or_eval(path: impl AsRef<Path>) -> Result<ReadOutcome, Error> {
        let path = path.as_ref();
        let static_error = match Cpanfile::read(path) {
            Ok(cpanfile) => {
                return Ok(ReadOutcome {
                    cpanfile,
                    static_error: None,
                });
            }
            Err(e) => e,
        };
        let needs_perl = matches!(
            static_error.kind,
            ErrorKind::CpanfileUnsupported { .. }
                | ErrorKind::CpanfileSyntax { .. }
                | ErrorKind::CpanfileUsage { .. }
        );
        if !needs_perl || !Cpanfile::perl_available() {
            return Err(static_error);
        }
        match Cpanfile::read_with_perl(path) {
            Ok(cpanfile) => Ok(ReadOutcome {
                cpanfile,
                static_error: Some(static_error),
            }),
            Err(_) => Err(static_error),
        }
    }
}

fn field<'a>(v: &'a serde_json::Value, key: &str) -> Result<&'a serde_json::Value, Error> {
    v.get(key)
        .ok_or_else(|| perl_error(format!("perl's reading lacks {key:?}")))
}

fn string(v: &serde_json::Value, key: &str) -> Result<String, Error> {
    match field(v, key)? {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Null => Ok(String::new()),
        other => Err(perl_error(format!("perl's {key:?} is {other}"))),
    }
}

/// One line of the script's output as a model.
fn from_json(line: &str) -> Result<Cpanfile, Error> {
    let v: serde_json::Value = serde_json::from_str(line)
        .map_err(|e| perl_error(format!("perl printed invalid JSON: {e}")))?;
    if let Some(message) = v.get("error").and_then(|e| e.as_str()) {
        return Err(perl_error(message.trim_end()));
    }
    let reading = field(&v, "reading")?;
    let mut out = Cpanfile {
        evaluated_by_perl: true,
        ..Cpanfile::default()
    };
    if let Some(features) = field(reading, "features")?.as_object() {
        for (id, description) in features {
            let description = description.as_str().map(str::to_string);
            out.features.insert(
                id.clone(),
                Feature {
                    description: description.filter(|d| d != id),
                    ..Feature::default()
                },
            );
        }
    }
    for url in field(reading, "mirrors")?.as_array().into_iter().flatten() {
        out.mirrors
            .push(url.as_str().unwrap_or_default().to_string());
    }
    for q in field(reading, "prereqs")?.as_array().into_iter().flatten() {
        let feature = Some(string(q, "feature")?).filter(|f| !f.is_empty() && f != "0");
        let phase: Phase = string(q, "phase")?.parse().unwrap_or(Phase::Runtime);
        let relation: Relation = string(q, "type")?.parse().unwrap_or(Relation::Requires);
        let module = string(q, "module")?;
        let prereq = Prereq {
            requirement: string(q, "version")?,
            location: None,
        };
        let mut options = RequirementOptions::default();
        if let Some(map) = field(q, "options")?.as_object() {
            for (k, val) in map {
                options.set(k, val.as_str().unwrap_or_default().to_string());
            }
        }
        let prereqs = match &feature {
            Some(id) => &mut out.features.entry(id.clone()).or_default().prereqs,
            None => &mut out.prereqs,
        };
        prereqs.insert(phase.clone(), relation.clone(), &module, prereq);
        let key = RequirementKey {
            feature,
            phase,
            relation,
            module,
        };
        if options.is_empty() {
            out.options.remove(&key);
        } else {
            out.options.insert(key, options);
        }
    }
    Ok(out)
}
