//! API contract: osv.dev's request and response shapes, answers checked
//! against a perl oracle (version.pm) reading the database JSON itself.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::support::{get, post, real, real_db_path, shared_dir};

/// For each `dist<TAB>version` line, the ids of the advisories that affect
/// it per version.pm (affected: some affected_versions string whose
/// comma-separated clauses all hold and no fixed_versions string that
/// holds; bare and `=V` mean `==V`). Advisories with a range version.pm
/// cannot read are printed as `SKIP id`.
const ORACLE: &str = r#"
use strict; use warnings; use JSON::PP; use version;
my $db = decode_json(do { local $/; open my $f, '<', $ARGV[0] or die; <$f> });
my (%by_dist, %skip);
for my $filed (keys %{ $db->{dists} }) {
  for my $a (@{ $db->{dists}{$filed}{advisories} }) {
    my %seen; push @{ $by_dist{$_} }, $a for grep { !$seen{$_}++ } ($filed, $a->{distribution});
  }
}
sub clause { my ($c, $v) = @_; $c =~ s/^\s+|\s+$//g;
  my ($op, $x) = $c =~ /^(>=|<=|==|!=|>|<|=)?\s*(.+)$/ or die "bad clause";
  $op = '==' if !defined $op || $op eq '=';
  my $y = version->parse($x);
  return $op eq '>=' ? $v >= $y : $op eq '<=' ? $v <= $y : $op eq '>' ? $v > $y
       : $op eq '<' ? $v < $y : $op eq '!=' ? $v != $y : $v == $y; }
sub range { my ($r, $v) = @_; for (split /,/, $r) { return 0 unless clause($_, $v) } 1 }
while (my $line = <STDIN>) { chomp $line; my ($d, $ver) = split /\t/, $line;
  my $v = eval { version->parse($ver) }; if (!defined $v) { print "BADV\t$d\t$ver\n"; next } my %hit;
  for my $a (@{ $by_dist{$d} || [] }) {
    next if $a->{distribution} ne $d && 0;
    my $ok = eval {
      my $fixed = grep { range($_, $v) } @{ $a->{fixed_versions} || [] };
      my $aff = !$fixed && grep { range($_, $v) } @{ $a->{affected_versions} || [] };
      $hit{$a->{id}} = 1 if $aff; 1 };
    $skip{$a->{id}} = 1 unless $ok;
  }
  print join("\t", $d, $ver, sort keys %hit), "\n";
}
print "SKIP $_\n" for sort keys %skip;
"#;

fn db_json() -> Value {
    serde_json::from_slice(&std::fs::read(real_db_path()).unwrap()).unwrap()
}

#[test]
fn batch_answers_match_the_perl_oracle_on_releases_of_every_distribution() {
    let s = real();
    let db = db_json();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, d) in db["dists"].as_object().unwrap() {
        let versions: Vec<&str> = d["versions"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["version"].as_str()).collect())
            .unwrap_or_default();
        // Every release of distributions with advisories, capped for time.
        for v in versions.iter().filter(|v| version_pm_ok(v)).take(60) {
            pairs.push((name.clone(), v.to_string()));
        }
    }
    assert!(pairs.len() > 5000, "only {} pairs", pairs.len());
    let input: String = pairs.iter().map(|(d, v)| format!("{d}\t{v}\n")).collect();
    let out = cpansec_test_support::perl(ORACLE, &[real_db_path().to_str().unwrap()], &input);
    let mut expected: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut skip = BTreeSet::new();
    for line in out.lines() {
        if line.starts_with("BADV\t") {
            continue; // version.pm rejects the release's version: not compared
        }
        if let Some(id) = line.strip_prefix("SKIP ") {
            skip.insert(id.to_string());
            continue;
        }
        let mut f = line.split('\t');
        let (d, v) = (f.next().unwrap().to_string(), f.next().unwrap().to_string());
        expected.insert((d, v), f.map(str::to_string).collect());
    }
    // Only versions version.pm reads are compared (cpansec rejects the same
    // ones; the release list holds a few such strings).
    pairs.retain(|p| expected.contains_key(p));
    let mut compared = 0;
    let mut affected = 0;
    for chunk in pairs.chunks(MAX) {
        let queries: Vec<Value> = chunk
            .iter()
            .map(|(d, v)| json!({"package": {"name": d, "ecosystem": "CPAN"}, "version": v}))
            .collect();
        let r = post(
            s.addr,
            "/v1/querybatch",
            json!({"queries": queries}).to_string().as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let results = r.json()["results"].as_array().unwrap().clone();
        assert_eq!(results.len(), chunk.len());
        for ((d, v), res) in chunk.iter().zip(results) {
            let got: BTreeSet<String> = res["vulns"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x["id"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            if let Some(vulns) = res["vulns"].as_array() {
                assert!(
                    vulns
                        .iter()
                        .all(|x| x["modified"].as_str().is_some_and(|m| m.ends_with('Z')))
                );
            } else {
                assert_eq!(res, json!({}), "an empty result is {{}}");
            }
            let got: BTreeSet<String> = got.into_iter().filter(|i| !skip.contains(i)).collect();
            let Some(want) = expected.get(&(d.clone(), v.clone())) else {
                continue;
            };
            let want: BTreeSet<String> = want
                .iter()
                .filter(|i| !skip.contains(*i))
                .cloned()
                .collect();
            assert_eq!(got, want, "{d} {v}");
            compared += 1;
            affected += usize::from(!want.is_empty());
        }
    }
    assert!(
        affected > 1000,
        "only {affected} affected releases among {compared}"
    );
}

const MAX: usize = cpansec_server::index::MAX_BATCH;

/// Versions both version.pm and cpansec read the same way (the release
/// list also holds a few strings version.pm rejects; those are unknown).
fn version_pm_ok(v: &str) -> bool {
    !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_' || c == 'v')
}

fn ids(v: &Value) -> Vec<String> {
    v["vulns"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn query_by_name_module_and_purl_agree() {
    let s = real();
    let by_name = post(
        s.addr,
        "/v1/query",
        br#"{"package":{"name":"HTTP-Body","ecosystem":"CPAN"},"version":"1.22"}"#,
    );
    assert_eq!(by_name.status, 200);
    assert_eq!(by_name.header("content-type"), Some("application/json"));
    let want = ids(&by_name.json());
    assert!(
        want.contains(&"CPANSA-HTTP-Body-2013-4407".to_string()),
        "{want:?}"
    );
    // Full OSV records, as osv.dev answers.
    let first = &by_name.json()["vulns"][0];
    assert_eq!(first["schema_version"], "1.7.0");
    assert!(first["affected"][0]["package"]["ecosystem"] == "CPAN");
    let by_module = post(
        s.addr,
        "/v1/query",
        br#"{"package":{"name":"HTTP::Body","ecosystem":"CPAN"},"version":"1.22"}"#,
    );
    assert_eq!(ids(&by_module.json()), want);
    let by_purl = post(
        s.addr,
        "/v1/query",
        br#"{"package":{"purl":"pkg:cpan/HTTP-Body@1.22"}}"#,
    );
    assert_eq!(ids(&by_purl.json()), want);
    let purl_author = post(
        s.addr,
        "/v1/query",
        br#"{"package":{"purl":"pkg:cpan/HTTP-Body?author=GETTY"},"version":"1.22"}"#,
    );
    assert_eq!(ids(&purl_author.json()), want);
    // Fixed release: none of HTTP-Body's advisories.
    let fixed = post(
        s.addr,
        "/v1/query",
        br#"{"package":{"name":"HTTP-Body","ecosystem":"CPAN"},"version":"1.23"}"#,
    );
    assert!(!ids(&fixed.json()).contains(&"CPANSA-HTTP-Body-2013-4407".to_string()));
    // Unknown package: {} like osv.dev.
    let none = post(
        s.addr,
        "/v1/query",
        br#"{"package":{"name":"No-Such-Dist-Here","ecosystem":"CPAN"},"version":"1"}"#,
    );
    assert_eq!((none.status, none.text()), (200, "{}".to_string()));
}

#[test]
fn query_without_version_lists_every_advisory_of_the_distribution() {
    let s = real();
    let db = db_json();
    for dist in ["HTTP-Body", "DBI", "Mojolicious", "perl"] {
        let mut want = BTreeSet::new();
        for (filed, d) in db["dists"].as_object().unwrap() {
            for a in d["advisories"].as_array().unwrap() {
                if filed == dist || a["distribution"] == dist {
                    want.insert(a["id"].as_str().unwrap().to_string());
                }
            }
        }
        let r = post(
            s.addr,
            "/v1/query",
            json!({"package": {"name": dist, "ecosystem": "CPAN"}})
                .to_string()
                .as_bytes(),
        );
        let got: BTreeSet<String> = ids(&r.json()).into_iter().collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "{dist}");
    }
}

#[test]
fn bad_queries_are_invalid_argument_errors() {
    let s = real();
    for body in [
        &br#"{"package":{"name":"HTTP-Body","ecosystem":"PyPI"},"version":"1"}"#[..],
        br#"{"package":{"name":"HTTP-Body"},"version":"1"}"#,
        br#"{"package":{"purl":"pkg:cpan/HTTP-Body@1.2"},"version":"1.2"}"#,
        br#"{"package":{"purl":"pkg:npm/left-pad@1"}}"#,
        br#"{"package":{"name":"HTTP-Body","ecosystem":"CPAN"},"version":"1.2.3junk"}"#,
        br#"{"commit":"abc"}"#,
        br#"{"version":"1"}"#,
        br#"{"package":"#,
        b"\xff\xfe",
    ] {
        let r = post(s.addr, "/v1/query", body);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(body));
        let j = r.json();
        assert_eq!(j["code"], 3, "{j}");
        assert!(!j["message"].as_str().unwrap().is_empty());
    }
    let too_many: Vec<Value> = (0..=MAX)
        .map(|_| json!({"package": {"name": "DBI", "ecosystem": "CPAN"}}))
        .collect();
    let r = post(
        s.addr,
        "/v1/querybatch",
        json!({"queries": too_many}).to_string().as_bytes(),
    );
    assert_eq!(r.status, 400);
    // An error inside a batch names the query.
    let r = post(
        s.addr,
        "/v1/querybatch",
        br#"{"queries":[{"package":{"name":"DBI","ecosystem":"CPAN"}},{"package":{"name":"DBI"}}]}"#,
    );
    assert_eq!(r.status, 400);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("query 1:")
    );
}

#[test]
fn vulns_resolve_cpansa_cve_and_reject_what_is_not_an_id() {
    let s = real();
    let a = get(s.addr, "/v1/vulns/CPANSA-HTTP-Body-2013-4407");
    assert_eq!(a.status, 200);
    let record = a.json();
    assert_eq!(record["id"], "CPANSA-HTTP-Body-2013-4407");
    assert_eq!(record["aliases"], json!(["CVE-2013-4407"]));
    // A CVE, in any case, gives the same record.
    for cve in ["CVE-2013-4407", "cve-2013-4407"] {
        assert_eq!(get(s.addr, &format!("/v1/vulns/{cve}")).json(), record);
    }
    let missing = get(s.addr, "/v1/vulns/CVE-1999-99999");
    assert_eq!(
        (missing.status, missing.json()["code"].clone()),
        (404, json!(5))
    );
    let ghsa = get(s.addr, "/v1/vulns/GHSA-aaaa-bbbb-cccc");
    assert_eq!(ghsa.status, 404, "a well-formed GHSA id is looked up");
    let bad = get(s.addr, "/v1/vulns/not-an-id");
    assert_eq!((bad.status, bad.json()["code"].clone()), (400, json!(3)));
}

#[test]
fn dists_gives_releases_with_verdicts_and_the_first_safe_release() {
    let s = real();
    let r = get(s.addr, "/v1/dists/HTTP-Body");
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(j["name"], "HTTP-Body");
    assert_eq!(j["main_module"], "HTTP::Body");
    let releases = j["releases"].as_array().unwrap();
    let verdict = |v: &str| {
        releases
            .iter()
            .find(|r| r["version"] == v)
            .map(|r| r["verdict"].as_str().unwrap().to_string())
    };
    assert_eq!(verdict("1.22").as_deref(), Some("affected"));
    assert_eq!(verdict("1.07").as_deref(), Some("not-affected"));
    let first_safe = j["first_safe_release"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    // Every release from the first safe one on is safe, the one before is not.
    let pos = releases
        .iter()
        .position(|r| r["version"] == first_safe.as_str())
        .unwrap();
    assert!(
        releases[pos..]
            .iter()
            .all(|r| r["verdict"] == "not-affected")
    );
    assert!(pos == 0 || releases[pos - 1]["verdict"] != "not-affected");
    assert_eq!(get(s.addr, "/v1/dists/No-Such-Dist").status, 404);
    // Patches of the registry are listed where there are some.
    let p = get(s.addr, "/v1/dists/Net-IP-LPM").json();
    let urls: Vec<&str> = p["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["url"].as_str().unwrap())
        .collect();
    assert!(
        urls.contains(&"/patches/Net-IP-LPM/1.10/CVE-2025-40910-r1.patch"),
        "{urls:?}"
    );
    let patch = get(s.addr, urls[0]);
    assert_eq!(patch.status, 200);
    assert!(patch.text().contains("\n+++ "));
}

/// The same document `cpansec audit --format json` writes for the same
/// files, computed by the library on a copy named as uploaded.
fn library_audit(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (n, c) in files {
        std::fs::write(dir.path().join(n), c).unwrap();
    }
    let db = cpansec_advisory::Database::load_json_file(&real_db_path()).unwrap();
    let set = cpansec_audit::DependencySet::from_dir(dir.path(), &db, &Default::default()).unwrap();
    let mut report = cpansec_audit::scan(&db, &set);
    let reg = cpansec_patch::Registry::load(&shared_dir().join("data/patches")).unwrap();
    for r in &mut report.remediations {
        r.patches = reg
            .for_release(&r.dist, &r.version)
            .map(|e| format!("/patches/{}/{}/{}.patch", e.dist, e.version, e.name))
            .collect();
    }
    let mut out = Vec::new();
    cpansec_audit::Format::Json
        .renderer()
        .render(&report, &mut out)
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .replace(&format!("{}/", dir.path().display()), "")
}

#[test]
fn audit_of_uploaded_files_is_the_cli_json_document() {
    let s = real();
    let corpus = shared_dir().join("corpus");
    let snap =
        std::fs::read_to_string(corpus.join("snapshot/Act-TNG__Act.cpanfile.snapshot")).unwrap();
    let r = post(s.addr, "/v1/audit", snap.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), library_audit(&[("cpanfile.snapshot", &snap)]));
    let j = r.json();
    assert_eq!(j["schema"], "cpansec-audit/1");
    assert!(!j["findings"].as_array().unwrap().is_empty());
    assert_eq!(j["inputs"], json!(["cpanfile.snapshot"]));

    // Snapshot with its cpanfile, as a JSON object of files.
    let cpanfile =
        std::fs::read_to_string(corpus.join("cpanfile/0xAF__kodi-cli-perl.cpanfile")).unwrap();
    let body = json!({"cpanfile.snapshot": snap, "cpanfile": cpanfile}).to_string();
    let r = post(s.addr, "/v1/audit", body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.text(),
        library_audit(&[("cpanfile.snapshot", &snap), ("cpanfile", &cpanfile)])
    );

    // A cpanfile alone, and a META.json, named by ?file=.
    let r = post(s.addr, "/v1/audit?file=cpanfile", cpanfile.as_bytes());
    assert_eq!(r.text(), library_audit(&[("cpanfile", &cpanfile)]));
    let meta =
        std::fs::read_to_string(corpus.join("meta-json/3scale__Test-APIcast.META.json")).unwrap();
    let r = post(s.addr, "/v1/audit", meta.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), library_audit(&[("META.json", &meta)]));

    // Bad input: the error names the uploaded file and line, not a path.
    let r = post(
        s.addr,
        "/v1/audit?file=cpanfile",
        b"requires 'Moo';\nif ($x) { requires 'X' }\n",
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let msg = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        msg.contains("cpanfile") && msg.contains('2') && !msg.contains("/tmp"),
        "{msg}"
    );
    let r = post(s.addr, "/v1/audit?file=../../etc/passwd", b"x");
    assert_eq!(r.status, 400);
}

#[test]
fn bulk_files_follow_the_osv_dev_layout() {
    let s = real();
    let zip = get(s.addr, "/all.zip");
    assert_eq!(zip.status, 200);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.body.clone())).unwrap();
    let csv = get(s.addr, "/modified_id.csv").text();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(archive.len(), lines.len());
    assert!(archive.len() > 900);
    for line in lines.iter().step_by(97) {
        let (modified, id) = line.split_once(',').unwrap();
        let mut entry = archive.by_name(&format!("{id}.json")).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
        let from_zip: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(from_zip["modified"], modified);
        assert_eq!(from_zip, get(s.addr, &format!("/v1/vulns/{id}")).json());
    }
    let h = get(s.addr, "/healthz").json();
    assert_eq!(h["status"], "ok");
    assert_eq!(
        h["database"]["advisories"].as_u64().unwrap() as usize,
        lines.len()
    );
}

#[test]
fn cpansa_json_reloads_into_the_served_database() {
    let s = real();
    let feed = get(s.addr, "/cpansa.json");
    assert_eq!(feed.status, 200);
    assert_eq!(feed.header("content-type"), Some("application/json"));
    let served = cpansec_advisory::Database::from_json_slice(
        &feed.body,
        cpansec_advisory::Source::File("cpansa.json".into()),
    )
    .unwrap();
    let original = cpansec_advisory::Database::load_json_file(&real_db_path()).unwrap();
    assert_eq!(served.advisories().count(), original.advisories().count());
    // Rebuilt from the merged model: the same advisories, except that which
    // merged entries disagreed (`conflicts`) is not in the feed.
    for (a, b) in original.advisories().zip(served.advisories()) {
        let (mut a, mut b) = (a.clone(), b.clone());
        a.conflicts.clear();
        b.conflicts.clear();
        assert_eq!(a, b, "{}", a.id);
    }
    assert!(
        served.distributions().eq(original.distributions()),
        "distributions"
    );
    assert!(served.modules().eq(original.modules()), "module map");
}

#[test]
fn every_vulns_body_validates_against_the_osv_schema() {
    let s = real();
    let db = cpansec_advisory::Database::load_json_file(&real_db_path()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for a in db.advisories() {
        let mut asked = vec![a.id.to_string()];
        asked.extend(a.cves().take(1).map(|c| c.to_string()));
        for id in asked {
            let r = get(s.addr, &format!("/v1/vulns/{id}"));
            assert_eq!(r.status, 200, "{id}");
            std::fs::write(dir.path().join(format!("{n}.json")), &r.body).unwrap();
            n += 1;
        }
    }
    assert!(n > 1500, "{n}");
    let (checked, invalid) = cpansec_test_support::osv::validate_osv_dir(dir.path());
    assert_eq!(checked, n);
    assert!(invalid.is_empty(), "{invalid:#?}");
}

#[test]
fn the_openapi_description_is_valid_and_its_routes_are_served() {
    let s = real();
    let r = get(s.addr, "/openapi.yaml");
    assert_eq!(r.status, 200);
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, yaml\nfrom openapi_spec_validator import validate\n\
             d = yaml.safe_load(sys.stdin.read()); validate(d); print('\\n'.join(d['paths']))",
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            std::io::Write::write_all(c.stdin.as_mut().unwrap(), &r.body)?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let paths = String::from_utf8(out.stdout).unwrap();
    assert!(paths.lines().count() >= 10);
    // The log's endpoints are there only with a log mounted.
    let (with_log, _dir, _log) = crate::uploads::log_server();
    for p in paths.lines() {
        let p = p
            .replace("{id}", "CVE-2013-4407")
            .replace("{dist}", "HTTP-Body");
        let addr = if p.starts_with("/log/") {
            assert_eq!(get(s.addr, &p).status, 404, "{p} without a log");
            with_log.addr
        } else {
            s.addr
        };
        let r = if p == "/v1/query" || p == "/v1/querybatch" || p == "/v1/audit" {
            post(addr, &p, b"{}")
        } else {
            get(addr, &p)
        };
        assert_ne!(r.status, 404, "{p}");
        assert_ne!(r.status, 405, "{p}");
    }
}
