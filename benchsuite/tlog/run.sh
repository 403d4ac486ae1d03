#!/usr/bin/env bash
# Side-by-side timing of cpansec-tlog (criterion) and Go's sumdb/tlog on the same
# operations and tree (2^20 records). Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== Go golang.org/x/mod/sumdb/{tlog,note} ($(go version | cut -d' ' -f3))"
GO111MODULE=off GOPATH=/usr/share/gocode go run benchsuite/tlog/go-bench.go
echo "== cpansec-tlog (criterion medians)"
cargo bench -p cpansec-tlog --bench merkle -- --warm-up-time 1 --measurement-time 3 "$@"
