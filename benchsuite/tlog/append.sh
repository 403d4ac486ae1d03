#!/usr/bin/env bash
# Whole-process durable append: `cpansec log add` of 65,536 generated
# cpan-upload/v1 records into a new log, at several batch sizes (one signed
# checkpoint per batch). Run from the project root after `cargo build --release`.
set -euo pipefail
B=target/release/cpansec
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
perl -e 'for my $i (0..65535) {
  my $h = sprintf "%064x", $i;
  print "cpan-upload/v1\npath authors/id/B/BE/BENCH/Bench-$i-1.0.tar.gz\ndist Bench-$i\nversion 1.0\nauthor BENCH\nsize 1000\nsha256 $h\ntime 2026-12-02T08:00:00Z\n\n" }' > "$t/records"
echo "date: $(date -u +%F) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for batch in ${BATCHES:-4096 16384 65536}; do
  for run in 1 2 3; do
    rm -rf "$t/log"
    $B log init "$t/log" --origin bench.example/log >/dev/null
    /usr/bin/time -f "batch $batch run $run: %e s wall, %M KB max RSS" \
      $B log add --batch "$batch" "$t/log" "$t/records" 2>&1 | grep -v added
  done
done
