#!/bin/sh
# Whole-process CPU time of `cpansec audit` against `cpan-audit deps` (CPAN::Audit) on the
# largest corpus snapshot, side by side in one run: cpansec with the full shared database through
# its cache (first run builds the cache, the measured runs are cache hits), cpansec with the
# embedded snapshot (no --db), `cpansec db info` both ways, and cpan-audit. Uses perf stat (CPU
# time: task-clock), else hyperfine, else /usr/bin/time. Run from the repository root after
# `cargo build --release -p cpansec`. BEFORE=path/to/an/older/cpansec adds its figures.
set -eu
shared=${SHARED:-../shared}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$shared/corpus/snapshot/metacpan__metacpan-api.cpanfile.snapshot" "$dir/cpanfile.snapshot"
db="$shared/data/cpansa/cpan-security-advisory.json"
bins="target/release/cpansec"
[ -n "${BEFORE:-}" ] && bins="$BEFORE $bins"
uptime
run() {
    echo "== $*"
    if command -v perf >/dev/null; then
        perf stat -r "${RUNS:-20}" -e task-clock "$@" 2>&1 >/dev/null | grep -E 'task-clock|elapsed'
    elif command -v hyperfine >/dev/null; then
        hyperfine -N -w 1 -r 10 "$*"
    else
        for _ in 1 2 3 4 5; do /usr/bin/time -f "%e s wall %U s user %S s sys %M KB" "$@" >/dev/null; done
    fi
}
n=0
for bin in $bins; do
    # One cache directory per binary: their cache formats may differ.
    n=$((n + 1))
    XDG_CACHE_HOME="$dir/cache$n"
    export XDG_CACHE_HOME
    mkdir "$XDG_CACHE_HOME"
    $bin audit "$dir" --db "$db" --format json --exit-zero >/dev/null # builds the cache
    run $bin audit "$dir" --db "$db" --format json --exit-zero
    run $bin audit "$dir" --format json --exit-zero
    run $bin db info --db "$db"
    run $bin db info
done
RUNS=10 run cpan-audit deps "$dir" --json
uptime
