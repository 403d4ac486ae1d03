//! CHECKSUMS: every corpus file against perl evaluating it in a `Safe`
//! compartment (as CPAN.pm does); our reader evaluates nothing.

use std::path::PathBuf;

use cpansec_meta::{Checksums, ErrorKind};
use serde_json::Value;

use crate::support;

/// Evaluates each file in a Safe compartment and prints `$cksum` as JSON.
const PERL_SAFE: &str = r#"
use strict; use warnings;
use Safe; use JSON::XS;
my $json = JSON::XS->new->canonical;
for my $f (@ARGV) {
    open my $fh, '<:raw', $f or die "$f: $!";
    my $text = do { local $/; <$fh> };
    my $compartment = Safe->new;
    my $cksum = $compartment->reval($text);
    die "$f: $@" if $@;
    print $json->encode({cksum => $cksum}), "\n";
}
"#;

fn checksums_files() -> Vec<PathBuf> {
    let dir = support::shared().join("corpus/index");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus/index")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with("CHECKSUMS"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_checksums_file_reads_as_perl_evaluates_it() {
    let files = checksums_files();
    assert_eq!(files.len(), 8, "the corpus has 8 CHECKSUMS files");
    let args: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = support::perl(PERL_SAFE, &args, "");
    let expected: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle JSON"))
        .collect();
    assert_eq!(expected.len(), files.len());
    let (mut identical, mut signed, mut entries) = (0, 0, 0);
    for (path, expected) in files.iter().zip(&expected) {
        let c = Checksums::read(path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            &c.entries_json(),
            &expected["cksum"],
            "{} differs from perl",
            path.display()
        );
        identical += 1;
        entries += c.entries.len();
        if let Some(sig) = &c.signature {
            signed += 1;
            assert!(sig.signed_text.starts_with("# CHECKSUMS file written on"));
            assert!(sig.signed_text.ends_with("__END__"), "{}", path.display());
            assert!(
                sig.armored_signature
                    .starts_with("-----BEGIN PGP SIGNATURE-----\n")
            );
            assert!(
                sig.armored_signature
                    .ends_with("\n-----END PGP SIGNATURE-----")
            );
            assert!(sig.armor_headers.iter().any(|(k, _)| k == "Hash"));
        }
        assert!(
            c.comments
                .first()
                .is_some_and(|l| l.starts_with("CHECKSUMS file written on")),
            "{}",
            path.display()
        );
    }
    eprintln!(
        "CHECKSUMS: {identical}/{} files identical to perl's Safe evaluation ({entries} entries, {signed} signed)",
        files.len()
    );
}

#[test]
fn typed_accessors() {
    let c =
        Checksums::read(support::shared().join("corpus/index/andk__cpan-checksums__t__CHECKSUMS"))
            .expect("read");
    assert!(c.signature.is_none());
    let e = &c.entries["42.gz"];
    assert_eq!(e.md5(), Some("915cdde7181ab542763969e063b7a9a9"));
    assert_eq!(e.size(), Some(26));
    assert_eq!(e.mtime(), Some("2014-04-04"));
    assert_eq!(e.digest("sha256-ungz").map(str::len), Some(64));
    assert!(!e.is_dir());
    let a = Checksums::read(support::shared().join("corpus/index/andk__cpanpm__A__CHECKSUMS"))
        .expect("read");
    assert!(a.entries["AA"].is_dir());
}

#[test]
fn code_is_refused_with_its_position() {
    let e = Checksums::parse("# c\n$cksum = {\n  'a' => `rm -rf /`,\n};\n").expect_err("code");
    let l = e.location.expect("location");
    assert_eq!((l.line, l.column), (3, 10), "{e}");
    assert!(matches!(e.kind, ErrorKind::PerlData { .. }));
    // In a signed file the position is the file's, not the signed text's.
    let signed = "0&&<<''; # x\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\n$cksum = {\n  'a' => system(1),\n};\n__END__\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n";
    let e = Checksums::parse(signed).expect_err("code");
    let l = e.location.expect("location");
    assert_eq!((l.line, l.column), (6, 10), "{e}");
    for bad in [
        "$x = {};",
        "$cksum = {}",
        "$cksum = {}; 1;",
        "$cksum = [];",
        "$cksum = { 'a' => 1 };",
        "$cksum = { \"$x\" => {} };",
        "junk\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\n$cksum = {};\n-----BEGIN PGP SIGNATURE-----\n-----END PGP SIGNATURE-----\n",
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\n$cksum = {};\n",
    ] {
        assert!(Checksums::parse(bad).is_err(), "{bad:?} must fail");
    }
    let ok = Checksums::parse("$cksum = { 'x' => { size => 1, }, };\n__END__\n").expect("ok");
    assert_eq!(ok.entries["x"].size(), Some(1));
}
