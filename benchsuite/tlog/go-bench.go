// Command go-bench times golang.org/x/mod/sumdb/{tlog,note} on the operations that
// crates/cpansec-tlog/benches/merkle.rs times, on the same tree (2^20 records
// "entry <i>") and the same index spread, for a side-by-side figure.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run benchsuite/tlog/go-bench.go
package main

import (
	"crypto/rand"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const size = 1 << 20

type mem []tlog.Hash

func (m mem) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m[x]
	}
	return out, nil
}

func index(k, n uint64) int64 { return int64((k * 0x9e3779b97f4a7c15) % n) }

func report(name string, r testing.BenchmarkResult) {
	fmt.Printf("%-28s %10.1f ns/op  %12.0f op/s\n", name, float64(r.T.Nanoseconds())/float64(r.N), float64(r.N)/r.T.Seconds())
}

func main() {
	var hashes mem
	for i := int64(0); i < size; i++ {
		hs, err := tlog.StoredHashes(i, []byte(fmt.Sprintf("entry %d", i)), hashes)
		if err != nil {
			panic(err)
		}
		hashes = append(hashes, hs...)
	}
	root, _ := tlog.TreeHash(size, hashes)

	data := make([]byte, 1024)
	for i := range data {
		data[i] = 0x5a
	}
	report("hash/leaf_1KiB", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			tlog.RecordHash(data)
		}
	}))
	l, r := tlog.RecordHash([]byte("l")), tlog.RecordHash([]byte("r"))
	report("hash/node", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			tlog.NodeHash(l, r)
		}
	}))
	report("proof_2^20/inclusion_prove", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := tlog.ProveRecord(size, index(uint64(i+1), size), hashes); err != nil {
				panic(err)
			}
		}
	}))
	type incl struct {
		n    int64
		leaf tlog.Hash
		p    tlog.RecordProof
	}
	var ic []incl
	for k := uint64(0); k < 1024; k++ {
		n := index(k, size)
		p, _ := tlog.ProveRecord(size, n, hashes)
		ic = append(ic, incl{n, tlog.RecordHash([]byte(fmt.Sprintf("entry %d", n))), p})
	}
	report("proof_2^20/inclusion_verify", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c := ic[(i+1)%len(ic)]
			if err := tlog.CheckRecord(c.p, size, root, c.n, c.leaf); err != nil {
				panic(err)
			}
		}
	}))
	report("proof_2^20/consistency_prove", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := tlog.ProveTree(size, 1+index(uint64(i+1), size-1), hashes); err != nil {
				panic(err)
			}
		}
	}))
	type cons struct {
		m  int64
		r1 tlog.Hash
		p  tlog.TreeProof
	}
	var cc []cons
	for k := uint64(0); k < 256; k++ {
		m := 1 + index(k, size-1)
		r1, _ := tlog.TreeHash(m, hashes)
		p, _ := tlog.ProveTree(size, m, hashes)
		cc = append(cc, cons{m, r1, p})
	}
	report("proof_2^20/consistency_verify", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c := cc[(i+1)%len(cc)]
			if err := tlog.CheckTree(c.p, size, root, c.m, c.r1); err != nil {
				panic(err)
			}
		}
	}))
	report("proof_2^20/tree_hash", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			tlog.TreeHash(size-3, hashes)
		}
	}))

	// Integration of a batch of 1024 records in memory: stored hashes, then the
	// data of every new tile (cpansec-tlog: benches/log.rs, integrate/memory_batch_1024).
	var grow mem
	var growSize int64
	entries := make([][]byte, 1024)
	for i := range entries {
		entries[i] = []byte(fmt.Sprintf("cpan-upload/v1\npath authors/id/B/BE/BENCH/Bench-Dist-1.%d.tar.gz\n", i))
	}
	report("integrate/memory_batch_1024", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			old := growSize
			for j, e := range entries {
				hs, err := tlog.StoredHashes(old+int64(j), e, grow)
				if err != nil {
					panic(err)
				}
				grow = append(grow, hs...)
			}
			growSize += int64(len(entries))
			for _, t := range tlog.NewTiles(8, old, growSize) {
				if _, err := tlog.ReadTileData(t, grow); err != nil {
					panic(err)
				}
			}
		}
	}))

	s, v, err := note.GenerateKey(rand.Reader, "example.com/log")
	if err != nil {
		panic(err)
	}
	signer, _ := note.NewSigner(s)
	verifier, _ := note.NewVerifier(v)
	text := fmt.Sprintf("example.com/log\n%d\n%s\n", size, tlog.RecordHash([]byte("root")))
	report("note/sign_checkpoint", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			note.Sign(&note.Note{Text: text}, signer)
		}
	}))
	msg, _ := note.Sign(&note.Note{Text: text}, signer)
	list := note.VerifierList(verifier)
	report("note/open_checkpoint", testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := note.Open(msg, list); err != nil {
				panic(err)
			}
		}
	}))
}
