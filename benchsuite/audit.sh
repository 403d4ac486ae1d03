#!/bin/sh
# Whole-process timing of `cpansec audit` against `cpan-audit deps` (CPAN::Audit) on the
# largest corpus snapshot, with the full shared database. Uses perf stat, else hyperfine, else
# /usr/bin/time. Run from the repository root after `cargo build --release -p cpansec`.
set -eu
shared=${SHARED:-../shared}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$shared/corpus/snapshot/metacpan__metacpan-api.cpanfile.snapshot" "$dir/cpanfile.snapshot"
db="$shared/data/cpansa/cpan-security-advisory.json"
a="target/release/cpansec audit $dir --db $db --format json --exit-zero"
b="cpan-audit deps $dir --json"
if command -v perf >/dev/null; then
    # CPU time (task-clock) is the figure to compare on a shared machine.
    $a >/dev/null  # builds the database cache on a first run
    perf stat -r 20 $a 2>&1 >/dev/null | grep -E 'task-clock|elapsed'
    perf stat -r 10 $b 2>&1 >/dev/null | grep -E 'task-clock|elapsed'
elif command -v hyperfine >/dev/null; then
    hyperfine -N -w 1 -r 10 "$a" "$b"
else
    for cmd in "$a" "$b"; do
        for _ in 1 2 3 4 5; do /usr/bin/time -f "%e s wall %U s user %M KB  $cmd" $cmd >/dev/null; done
    done
fi
