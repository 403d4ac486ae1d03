#!/usr/bin/env bash
# Whole-process comparison: sort every distinct release version of the advisory
# database with `cpansec version sort` and with perl's version.pm (each version
# parsed once, then sorted with version.pm's <=>). Prints the input size and
# checks that both orders agree before timing anything.
set -euo pipefail
cd "$(dirname "$0")/.."
db=../shared/data/cpansa/cpan-security-advisory.json
out=${TMPDIR:-/tmp}/cpansec-bench; mkdir -p "$out"
perl -MJSON::PP -e '
  my $d = JSON::PP->new->decode(do { local $/; open my $f, "<", $ARGV[0] or die; <$f> });
  my %s; for my $x (values %{$d->{dists}}) { $s{$_->{version}} = 1 for grep { defined $_->{version} } @{$x->{versions}||[]} }
  print "$_\n" for sort keys %s;' "$db" |
  perl -Mversion -ne 'chomp; print "$_\n" if eval { version->parse($_); 1 }' > "$out/versions.txt"
cat > "$out/perl-sort.pl" <<'PL'
use version;
my @v = map { chomp; [version->parse($_), $_] } <>;
print "$_->[1]\n" for sort { $a->[0] <=> $b->[0] } @v;
PL
echo "input: $(wc -l < "$out/versions.txt") distinct versions"
target/release/cpansec version sort < "$out/versions.txt" > "$out/cpansec.sorted"
perl "$out/perl-sort.pl" < "$out/versions.txt" > "$out/perl.sorted"
cmp -s "$out/cpansec.sorted" "$out/perl.sorted" && echo "orders agree" || { echo "orders differ"; exit 1; }
echo "cpansec: sh -c 'target/release/cpansec version sort < $out/versions.txt'"
echo "perl:    sh -c 'perl $out/perl-sort.pl < $out/versions.txt'"
