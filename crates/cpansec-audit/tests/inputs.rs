//! The non-project inputs: installed environments (against the machine's
//! real perl and Module::Metadata), perl and its core modules (against
//! Module::CoreList), and distribution archives (against CPAN::Meta and
//! Module::CPANfile reading the same archives).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use cpansec_advisory::Database;
use cpansec_audit::deps::LoadOptions;
use cpansec_audit::installed::PERL_TIMEOUT;
use cpansec_audit::{DepVersion, DependencySet, Error, PerlTarget, query_perl, scan};
use cpansec_meta::{Installation, WalkLimits};

use crate::support::{current_db, shared};

const PERL: &str = "/usr/bin/perl";

fn db() -> Database {
    Database::load_json_file(&current_db()).expect("database loads")
}

fn perl_out(script: &str, args: &[&str]) -> String {
    let out = Command::new(PERL)
        .arg("-e")
        .arg(script)
        .args(args)
        .output()
        .expect("perl runs");
    assert!(
        out.status.success(),
        "perl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn query_perl_reports_the_version_and_inc_perl_itself_prints() {
    let info = query_perl(Path::new(PERL), PERL_TIMEOUT).unwrap();
    assert_eq!(info.version, perl_out("print $]", &[]));
    let inc: Vec<PathBuf> = perl_out("print qq{$_\\n} for @INC", &[])
        .lines()
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(info.inc, inc);
    assert!(!inc.is_empty());
    // A perl that fails, and one that is not there, are errors naming it.
    let err = query_perl(Path::new("/bin/false"), PERL_TIMEOUT).unwrap_err();
    assert!(err.to_string().starts_with("/bin/false: "), "{err}");
    let err = query_perl(Path::new("/nonexistent/perl"), PERL_TIMEOUT).unwrap_err();
    assert!(err.to_string().contains("cannot run"), "{err}");
    // A perl that hangs is stopped at the timeout.
    let dir = tempfile::tempdir().unwrap();
    let slow = dir.path().join("slowperl");
    std::fs::write(&slow, "#!/bin/sh\nexec sleep 30\n").unwrap();
    let mut perms = std::fs::metadata(&slow).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&slow, perms).unwrap();
    let started = std::time::Instant::now();
    let err = query_perl(&slow, std::time::Duration::from_millis(300)).unwrap_err();
    assert!(err.to_string().contains("did not finish"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// Every installed distribution found in the real perl's `@INC` carries the
/// version Module::Metadata reads from the file it names, and every finding
/// points at a file in `@INC`.
#[test]
fn installed_real_perl_versions_agree_with_module_metadata() {
    let db = db();
    let info = query_perl(Path::new(PERL), PERL_TIMEOUT).unwrap();
    let inst = Installation::walk_libraries(info.inc.clone(), WalkLimits::default());
    let set = DependencySet::from_installation(&inst, &db, &LoadOptions::default()).unwrap();
    let dists: BTreeSet<&str> = set.dependencies.iter().map(|d| d.dist.as_str()).collect();
    // Debian's perl ships these outside of perl's own directories.
    for d in ["libwww-perl", "HTTP-Tiny", "Encode", "File-Temp"] {
        assert!(dists.contains(d), "{d} not found in {dists:?}");
    }
    assert!(!dists.contains("perl"), "perl is not an installed module");
    let mut args = Vec::new();
    for dep in &set.dependencies {
        let module = dep.reached[0].module.clone().unwrap();
        assert!(
            info.inc
                .iter()
                .any(|i| Path::new(&dep.origin.file).starts_with(i)),
            "{} outside @INC",
            dep.origin.file
        );
        args.push(format!(
            "{module}\t{}\t{}",
            dep.origin.file,
            dep.version.text()
        ));
    }
    // Module::Metadata's version of the same package in the same file,
    // compared with version.pm.
    let script = r#"
        use Module::Metadata; use version;
        for (@ARGV) {
            my ($m, $f, $ours) = split /\t/;
            my $v = Module::Metadata->new_from_file($f)->version($m);
            print "$m\t$f\t$ours\t", (defined $v ? $v : 'undef'), "\n"
                unless defined $v && version->parse($v) == version->parse($ours);
        }
    "#;
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let diff = perl_out(script, &argv);
    assert!(
        diff.is_empty(),
        "versions differ from Module::Metadata:\n{diff}"
    );
    assert!(set.dependencies.len() >= 20, "{}", set.dependencies.len());
}

#[test]
fn an_empty_directory_is_nothing_installed() {
    let db = db();
    let dir = tempfile::tempdir().unwrap();
    let inst = Installation::discover(&[dir.path().to_path_buf()]);
    let err = DependencySet::from_installation(&inst, &db, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NothingInstalled(_)), "{err}");
}

fn snapshot_set(stem: &str, db: &Database) -> DependencySet {
    let snap = shared().join(format!("corpus/snapshot/{stem}.cpanfile.snapshot"));
    DependencySet::from_snapshot(&snap, None, db, &LoadOptions::default())
        .expect("corpus snapshot reads")
}

/// `--perl-version`: the interpreter, plus each core module's distribution
/// at the version Module::CoreList gives for that perl, except what the
/// project pins; a plain scan has neither.
#[test]
fn perl_version_adds_interpreter_and_core_modules_unless_pinned() {
    let db = db();
    let stem = "Act-TNG__Act";
    let plain = snapshot_set(stem, &db);
    let pinned: BTreeMap<String, String> = plain
        .dependencies
        .iter()
        .map(|d| (d.dist.clone(), d.version.text().to_string()))
        .collect();
    assert!(!pinned.contains_key("perl"));
    let mut with = plain.clone();
    let target = PerlTarget::new("5.36.0", "--perl-version").unwrap();
    assert_eq!(
        target,
        PerlTarget::new("5.036000", "--perl-version").unwrap()
    );
    with.add_perl(&target, &db, &LoadOptions::default());
    let perl = with.dependencies.iter().find(|d| d.dist == "perl").unwrap();
    assert!(matches!(&perl.version, DepVersion::Exact { text, .. } if text == "5.36.0"));
    let mut core = Vec::new();
    for d in &with.dependencies {
        if let Some(v) = pinned.get(&d.dist) {
            assert_eq!(d.version.text(), v, "{} pinned copy kept", d.dist);
            assert_ne!(d.origin.file, "--perl-version");
        } else if d.dist != "perl" {
            assert_eq!(d.origin.file, "--perl-version");
            core.push(format!(
                "{}\t{}",
                d.reached[0].module.as_ref().unwrap(),
                d.version.text()
            ));
        }
    }
    // Pinned dual-life distributions that perl also ships are not doubled.
    let core_dists = corelist_dists(&db);
    let shipped_and_pinned = with
        .dependencies
        .iter()
        .filter(|d| pinned.contains_key(&d.dist) && core_dists.contains(d.dist.as_str()))
        .count();
    assert!(
        shipped_and_pinned > 0,
        "the project pins no core distribution"
    );
    assert!(core.len() >= 10, "{core:?}");
    let script = r#"
        use Module::CoreList; use version;
        for (@ARGV) {
            my ($m, $ours) = split /\t/;
            my $v = $Module::CoreList::version{5.036000}{$m};
            print "$m $ours ", ($v // 'undef'), "\n"
                unless defined $v && version->parse($v) == version->parse($ours);
        }
    "#;
    let argv: Vec<&str> = core.iter().map(String::as_str).collect();
    let diff = perl_out(script, &argv);
    assert!(
        diff.is_empty(),
        "core versions differ from Module::CoreList:\n{diff}"
    );
    // The interpreter's advisories are reported only with a perl version.
    let r = scan(&db, &with);
    assert!(r.findings.iter().any(|f| f.dist == "perl"));
    assert!(!scan(&db, &plain).findings.iter().any(|f| f.dist == "perl"));
    // A perl the core table does not know: the interpreter only, and a problem line.
    let mut future = plain.clone();
    future.add_perl(
        &PerlTarget::new("5.99.0", "x").unwrap(),
        &db,
        &LoadOptions::default(),
    );
    assert_eq!(future.dependencies.len(), plain.dependencies.len() + 1);
    assert!(
        future
            .problems
            .iter()
            .any(|p| p.contains("not in the core-module table"))
    );
    assert!(PerlTarget::new("five", "x").is_err());
}

/// The distributions (per the database's map) perl 5.36 ships a module of.
fn corelist_dists(db: &Database) -> BTreeSet<&str> {
    let core = cpansec_meta::CoreList::builtin().expect("core table");
    let v = cpansec_version::Version::parse("5.36.0").expect("a version");
    core.modules_in(&v)
        .expect("5.36.0 is in the table")
        .filter_map(|(m, _)| db.distribution_of_module(m))
        .collect()
}

#[test]
fn requires_strict_never_becomes_perl_advisories() {
    let db = db();
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("cpanfile");
    std::fs::write(
        &c,
        "requires 'perl', '5.008';\nrequires 'strict';\nrequires 'warnings';\nrequires 'utf8';\nrequires 'feature';\n",
    )
    .unwrap();
    let set = DependencySet::from_cpanfile(&c, &db, &LoadOptions::default()).unwrap();
    assert!(set.is_empty(), "{:?}", set.dependencies);
    assert!(scan(&db, &set).findings.is_empty());
}

fn archives() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared().join("corpus/tarball"))
        .expect("corpus/tarball")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| cpansec_audit::tarball::is_archive_name(&p.to_string_lossy()))
        .collect();
    v.sort();
    assert!(v.len() >= 25);
    v
}

/// For every corpus archive: the distributions we read equal those perl
/// finds (Archive::Tar or unzip, CPAN::Meta, Module::CPANfile), each module
/// mapped through the database's module map, less perl, the distribution's
/// own modules and itself. Archives without metadata are a clear error.
#[test]
fn archives_read_like_cpan_meta() {
    let db = db();
    let oracle = r#"
        use strict; use warnings; use Archive::Tar; use CPAN::Meta; use Module::CPANfile; use JSON::XS;
        my ($dbfile, @archives) = @ARGV;
        my $m2d = do { local $/; open my $fh, '<', $dbfile or die; decode_json(<$fh>)->{module2dist} };
        for my $archive (@archives) {
        my %files;
        if ($archive =~ /\.zip$/) {
            for my $n (split /\n/, `unzip -Z1 '$archive'`) { $files{$n} = `unzip -p '$archive' '$n'` if $n !~ m{/$} }
        } else {
            my $t = Archive::Tar->new($archive) or die;
            $files{$_->full_path} = $_->get_content for grep { $_->is_file } $t->get_files;
        }
        my (%rel, $top);
        my @names = keys %files;
        my %tops = map { (split m{/}, $_)[0] => 1 } @names;
        my $flat = grep { !m{/} } @names;
        $top = (keys %tops == 1 && !$flat) ? (keys %tops)[0] . '/' : '';
        for (@names) { (my $r = $_) =~ s/^\Q$top\E//; $rel{$r} = $files{$_} }
        my %own = map { my $m = $_; $m =~ s{^lib/}{}; $m =~ s{\.pm$}{}; $m =~ s{/}{::}g; ($m => 1) } grep { m{^lib/.*\.pm$} } keys %rel;
        my (@mods, $name);
        for my $f (qw(META.json META.yml MYMETA.json MYMETA.yml)) {
            next unless defined $rel{$f};
            my $meta = CPAN::Meta->load_string($rel{$f});
            $name = $meta->name;
            $own{$_} = 1 for keys %{ $meta->provides || {} };
            my @p = ($meta->effective_prereqs);
            push @p, $meta->effective_prereqs([ map { $_->identifier } $meta->features ]) if $meta->features;
            for my $p (@p) { my $h = $p->as_string_hash;
              for my $ph (keys %$h) { for my $rl (qw(requires recommends)) { push @mods, keys %{ $h->{$ph}{$rl} || {} } } } }
            last;
        }
        if (defined $rel{cpanfile}) {
            my $c = Module::CPANfile->load(\$rel{cpanfile}) ;
            my $h = $c->prereq_specs;
            for my $ph (keys %$h) { for my $rl (qw(requires recommends)) { push @mods, keys %{ $h->{$ph}{$rl} || {} } } }
            for my $f ($c->features) { my $h = $f->prereqs->as_string_hash;
              for my $ph (keys %$h) { for my $rl (qw(requires recommends)) { push @mods, keys %{ $h->{$ph}{$rl} || {} } } } }
        }
        my %d;
        for (@mods) { next if $own{$_} || $_ eq 'perl'; my $d = $m2d->{$_} or next; next if $d eq 'perl' || (defined $name && $d eq $name); $d{$d} = 1 }
        print "$archive\t$_\n" for sort keys %d;
        }
    "#;
    let all = archives();
    let mut args = vec![current_db().to_str().unwrap().to_string()];
    args.extend(all.iter().map(|a| a.to_str().unwrap().to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut oracle_dists: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in perl_out(oracle, &argv).lines() {
        let (a, d) = line.split_once('\t').unwrap();
        oracle_dists
            .entry(a.to_string())
            .or_default()
            .push(d.to_string());
    }
    let mut with_deps = 0;
    for a in all {
        let ours = DependencySet::from_tarball(&a, &db, &LoadOptions::default());
        let has_meta = {
            let t = cpansec_meta::Tarball::open(&a, &Default::default()).unwrap();
            [
                "META.json",
                "META.yml",
                "MYMETA.json",
                "MYMETA.yml",
                "cpanfile",
            ]
            .iter()
            .any(|f| t.file(f).is_some())
        };
        let ours = match ours {
            Ok(s) => s,
            Err(e) => {
                assert!(!has_meta, "{}: {e}", a.display());
                assert!(matches!(e, Error::NothingInArchive(_)), "{e}");
                assert!(e.to_string().contains(&a.display().to_string()));
                continue;
            }
        };
        let got: Vec<String> = ours.dependencies.iter().map(|d| d.dist.clone()).collect();
        let want = oracle_dists
            .get(a.to_str().unwrap())
            .cloned()
            .unwrap_or_default();
        assert_eq!(got, want, "{}", a.display());
        for d in &ours.dependencies {
            assert!(
                d.origin.file.starts_with(&format!("{}!/", a.display())),
                "{}",
                d.origin.file
            );
        }
        with_deps += usize::from(!got.is_empty());
    }
    assert!(with_deps >= 15, "{with_deps}");
}
