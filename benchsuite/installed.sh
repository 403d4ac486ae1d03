#!/usr/bin/env bash
# Whole-process comparison: read the package versions of every module under
# /usr/share/perl5 with cpansec-meta's installed-module discovery (the
# `installed` example: walk, read, parse, JSON out) and with a perl loop of
# Module::Metadata->new_from_file over the same files (File::Find).
# Alternates A and B, RUNS times each, and prints median wall and cpu times.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=${1:-/usr/share/perl5}
runs=${RUNS:-10}
out=${TMPDIR:-/tmp}/cpansec-bench; mkdir -p "$out"
cat > "$out/mm-loop.pl" <<'PL'
use strict; use warnings; use File::Find; use Module::Metadata;
local $SIG{__WARN__} = sub {};
my $n = 0;
find({ no_chdir => 1, wanted => sub {
    return unless -f $_ && /\.pm$/;
    my $m = eval { Module::Metadata->new_from_file($_) } or return;
    my $v = $m->version; $n++;
} }, @ARGV);
print "$n files\n";
PL
cargo build -q --release -p cpansec-meta --example installed
a=(target/release/examples/installed "$lib")
b=(perl "$out/mm-loop.pl" "$lib")
echo "A: ${a[*]}"; echo "B: ${b[*]}"
"${a[@]}" | perl -MJSON::PP -0777 -ne 'print scalar(keys %{decode_json($_)->{modules}}), " modules\n"'
"${b[@]}"
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
: > "$out/a.times"; : > "$out/b.times"
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e %U %S" -a -o "$out/a.times" "${a[@]}" > /dev/null
  /usr/bin/time -f "%e %U %S" -a -o "$out/b.times" "${b[@]}" > /dev/null
done
for x in a b; do
  wall=$(awk '{print $1}' "$out/$x.times" | median)
  cpu=$(awk '{print $2+$3}' "$out/$x.times" | median)
  echo "$x: median wall ${wall}s, median cpu ${cpu}s over $runs runs"
done
