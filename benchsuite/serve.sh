#!/usr/bin/env bash
# Load test of `cpansec serve` on loopback with wrk (Debian package `wrk`):
# POST /v1/query (benchsuite/serve/query.lua) and one advisory page, at 16, 64
# and 256 connections, 2 wrk threads, 15 s each. Run from the project root
# after `cargo build --release`.
set -euo pipefail
DB=${DB:-../shared/data/cpansa/cpan-security-advisory.json}
PORT=${PORT:-18090}
B=target/release/cpansec
log=$(mktemp)
$B serve --db "$DB" --patches ../shared/data/patches --addr 127.0.0.1:$PORT --threads 2 2>"$log" &
pid=$!
trap 'kill $pid; rm -f $log' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done
echo "date: $(date -u +%F) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in 16 64 256; do
  echo "== POST /v1/query, $c connections"
  wrk -t2 -c$c -d15s --latency -s benchsuite/serve/query.lua http://127.0.0.1:$PORT/v1/query
done
for c in 16 64; do
  echo "== GET /advisories/CPANSA-HTTP-Body-2013-4407, $c connections"
  wrk -t2 -c$c -d15s --latency http://127.0.0.1:$PORT/advisories/CPANSA-HTTP-Body-2013-4407
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
