// Command oracle answers questions about signed notes, Merkle trees and tiles using
// golang.org/x/mod/sumdb/{note,tlog}, one request per input line, one answer per
// output line. The cpansec-tlog interop test drives it.
//
// The tree is the one of records "entry 0", "entry 1", ... kept in memory.
package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type memHashes []tlog.Hash

func (m *memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*m)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

var (
	hashes memHashes
	size   int64
)

func grow(n int64) error {
	for size < n {
		data := []byte(fmt.Sprintf("entry %d", size))
		hs, err := tlog.StoredHashes(size, data, &hashes)
		if err != nil {
			return err
		}
		hashes = append(hashes, hs...)
		size++
	}
	return nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func unb64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

func hashOf(s string) tlog.Hash {
	var h tlog.Hash
	copy(h[:], unb64(s))
	return h
}

func num(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func proofText(p []tlog.Hash) string {
	var parts []string
	for _, h := range p {
		parts = append(parts, b64(h[:]))
	}
	return strings.Join(parts, " ")
}

func proofOf(words []string) []tlog.Hash {
	var p []tlog.Hash
	for _, w := range words {
		p = append(p, hashOf(w))
	}
	return p
}

func okErr(err error) string {
	if err != nil {
		return "err " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	return "ok"
}

func answer(f []string) string {
	if len(f) == 0 {
		return "err empty request"
	}
	switch f[0] {
	case "root": // root T
		t := num(f[1])
		if err := grow(t); err != nil {
			return okErr(err)
		}
		h, err := tlog.TreeHash(t, &hashes)
		if err != nil {
			return okErr(err)
		}
		return b64(h[:])
	case "prove-record": // prove-record T N
		t, n := num(f[1]), num(f[2])
		if err := grow(t); err != nil {
			return okErr(err)
		}
		p, err := tlog.ProveRecord(t, n, &hashes)
		if err != nil {
			return okErr(err)
		}
		return "proof " + proofText(p)
	case "check-record": // check-record T ROOT N LEAF PROOF...
		err := tlog.CheckRecord(proofOf(f[5:]), num(f[1]), hashOf(f[2]), num(f[3]), hashOf(f[4]))
		return okErr(err)
	case "prove-tree": // prove-tree T N
		t, n := num(f[1]), num(f[2])
		if err := grow(t); err != nil {
			return okErr(err)
		}
		p, err := tlog.ProveTree(t, n, &hashes)
		if err != nil {
			return okErr(err)
		}
		return "proof " + proofText(p)
	case "check-tree": // check-tree T TROOT N NROOT PROOF...
		err := tlog.CheckTree(proofOf(f[5:]), num(f[1]), hashOf(f[2]), num(f[3]), hashOf(f[4]))
		return okErr(err)
	case "tile": // tile T L N W
		if err := grow(num(f[1])); err != nil {
			return okErr(err)
		}
		t := tlog.Tile{H: 8, L: int(num(f[2])), N: num(f[3]), W: int(num(f[4]))}
		data, err := tlog.ReadTileData(t, &hashes)
		if err != nil {
			return okErr(err)
		}
		return t.Path() + " " + b64(data)
	case "parse-tile": // parse-tile PATH
		t, err := tlog.ParseTilePath(f[1])
		if err != nil {
			return okErr(err)
		}
		return fmt.Sprintf("%d %d %d %d", t.H, t.L, t.N, t.W)
	case "open": // open VKEY[,VKEY...] B64MSG
		var vs []note.Verifier
		for _, k := range strings.Split(f[1], ",") {
			v, err := note.NewVerifier(k)
			if err != nil {
				return okErr(err)
			}
			vs = append(vs, v)
		}
		n, err := note.Open(unb64(f[2]), note.VerifierList(vs...))
		if err != nil {
			return okErr(err)
		}
		var names []string
		for _, s := range n.Sigs {
			names = append(names, s.Name)
		}
		return "ok " + b64([]byte(n.Text)) + " " + strings.Join(names, ",")
	case "sign": // sign SKEY[,SKEY...] B64TEXT
		var ss []note.Signer
		for _, k := range strings.Split(f[1], ",") {
			s, err := note.NewSigner(k)
			if err != nil {
				return okErr(err)
			}
			ss = append(ss, s)
		}
		msg, err := note.Sign(&note.Note{Text: string(unb64(f[2]))}, ss...)
		if err != nil {
			return okErr(err)
		}
		return b64(msg)
	case "genkey": // genkey NAME
		skey, vkey, err := note.GenerateKey(rand.Reader, f[1])
		if err != nil {
			return okErr(err)
		}
		return skey + " " + vkey
	}
	return "err unknown request " + f[0]
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		fmt.Fprintln(out, answer(strings.Fields(in.Text())))
	}
}
