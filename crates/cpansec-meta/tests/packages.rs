//! 02packages.details: every index file of the corpus against a plain perl
//! reading (header fields, then `split ' '` on each row).

use std::path::PathBuf;

use cpansec_meta::Packages;
use serde_json::{Value, json};

use crate::support;

/// For each file: gunzip when it starts with the gzip magic, header fields
/// up to the first blank line, then each non-blank row split on white space.
const PERL_READ: &str = r#"
use strict; use warnings;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError); use JSON::XS;
my $json = JSON::XS->new->canonical;
for my $f (@ARGV) {
    open my $fh, '<:raw', $f or die "$f: $!";
    my $data = do { local $/; <$fh> };
    if (substr($data, 0, 2) eq "\x1f\x8b") {
        my $out; gunzip(\$data => \$out, MultiStream => 1) or die "$f: $GunzipError"; $data = $out;
    }
    my (@header, @rows); my $in_header = 1;
    for my $line (split /\r?\n/, $data) {
        if ($in_header) {
            if ($line =~ /^\s*$/) { $in_header = 0; next }
            $line =~ /^([^:]+):\s*(.*?)\s*$/ or die "$f: bad header $line";
            push @header, [$1, $2]; next;
        }
        next if $line =~ /^\s*$/;
        my @f = split ' ', $line;
        push @rows, [$f[0], $f[1] eq 'undef' ? undef : $f[1], $f[2]];
    }
    print $json->encode({header => \@header, rows => \@rows}), "\n";
}
"#;

fn index_files() -> Vec<PathBuf> {
    let dir = support::shared().join("corpus/index");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus/index")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            name.contains("02packages")
                || name.contains("02.packages")
                || name.contains("mypackages")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_index_reads_as_perl_reads_it() {
    let files = index_files();
    assert_eq!(files.len(), 14, "the corpus has 14 package indexes");
    let args: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = support::perl(PERL_READ, &args, "");
    let expected: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle JSON"))
        .collect();
    assert_eq!(expected.len(), files.len());
    let (mut identical, mut rows, mut count_ok) = (0, 0, 0);
    for (path, expected) in files.iter().zip(&expected) {
        let p = Packages::read(path).unwrap_or_else(|e| panic!("{e}"));
        let ours = json!({
            "header": p.header().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "rows": p.iter().map(|r| json!([r.module, r.version, r.path])).collect::<Vec<_>>(),
        });
        assert!(&ours == expected, "{} differs from perl", path.display());
        identical += 1;
        rows += p.len();
        if p.check_line_count().is_ok() {
            count_ok += 1;
        }
        // Every row is found by its module.
        for r in p.iter() {
            assert_eq!(p.lookup(r.module), Some(r));
        }
    }
    eprintln!(
        "02packages: {identical}/{} files identical to perl ({rows} rows); Line-Count matches in {count_ok}",
        files.len()
    );
}

#[test]
fn the_2013_cpan_index() {
    let p = Packages::read(
        support::shared()
            .join("corpus/index/Perl-Toolchain-Gang__CPAN-Common-Index__02packages.details.txt.gz"),
    )
    .expect("read");
    assert_eq!(p.len(), 129_178);
    assert!(p.check_line_count().is_ok());
    assert_eq!(
        p.header_field("Last-Updated"),
        Some("Sun, 14 Apr 2013 13:29:02 GMT")
    );
    let moose = p.lookup("Moose").expect("Moose is indexed");
    assert!(moose.path.contains("/Moose-"), "{}", moose.path);
}

#[test]
fn read_names_the_file() {
    let dir = std::env::temp_dir().join(format!("cpansec-packages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let f = dir.join("02packages.details.txt");
    std::fs::write(&f, "File: x\n\nFoo 1\n").expect("write");
    let e = Packages::read(&f).expect_err("two fields");
    assert_eq!(e.path.as_deref(), Some(f.as_path()));
    assert!(
        e.to_string().contains(":3:1: a row needs three fields"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
