#!/usr/bin/env bash
# Side-by-side CPU time of two commands as alternating pairs of single runs:
#   benchsuite/pairs.sh N "A command" "B command"
# Each run is measured on its own by `perf stat -e task-clock` (the process's own CPU time,
# no shell in between; the commands are split on spaces, so no quoting inside them), A then B,
# N times. Prints the medians of A and B and the median of the per-pair ratios A/B. On a host
# whose speed drifts from minute to minute, the per-pair ratio is the figure to read.
set -euo pipefail
n=$1 a=$2 b=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
tc() {
    # shellcheck disable=SC2086 # the command is split on purpose
    # A non-zero exit (cpan-audit's 111 when it finds something) is not a failure here.
    { perf stat -x, -e task-clock $1 2>&1 >/dev/null || true; } | awk -F, '/task-clock/ {print $1}'
}
for _ in $(seq "$n"); do
    x=$(tc "$a")
    y=$(tc "$b")
    echo "$x" >>"$out/a"
    echo "$y" >>"$out/b"
    awk -v x="$x" -v y="$y" 'BEGIN {print x / y}' >>"$out/r"
done
median() { sort -g "$1" | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
r=$(median "$out/r")
echo "A: $a"
echo "B: $b"
echo "A median $(median "$out/a") ms, B median $(median "$out/b") ms, median A/B $r ($(awk -v r="$r" 'BEGIN {printf "%.1f", 1 / r}')x)"
