// Command cosig opens cosigned checkpoints with golang.org/x/mod/sumdb/note: the
// log's Ed25519 key, and a witness's cosignature/v1 key through a note.Verifier
// written here from c2sp.org/tlog-cosignature. One request per input line:
//
//	LOGVKEY WITNESSNAME WITNESSKEY(base64, 32 bytes) NOTE(base64)
//
// answered by "ok TIMESTAMP SIZE" when both the log and the witness signed, or
// "err MESSAGE". The cpansec-tlog witness test drives it.
package main

import (
	"bufio"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	time uint64
}

func newCosigVerifier(name string, key []byte) *cosigVerifier {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{0x04})
	h.Write(key)
	return &cosigVerifier{name: name, hash: binary.BigEndian.Uint32(h.Sum(nil)), key: key}
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t == 0 || t > 1<<63-1 {
		return false
	}
	signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
	if !ed25519.Verify(v.key, signed, sig[8:]) {
		return false
	}
	v.time = t
	return true
}

func answer(f []string) string {
	if len(f) != 4 {
		return "err want 4 fields"
	}
	logV, err := note.NewVerifier(f[0])
	if err != nil {
		return "err " + err.Error()
	}
	key, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(key) != ed25519.PublicKeySize {
		return "err bad witness key"
	}
	wV := newCosigVerifier(f[1], key)
	msg, err := base64.StdEncoding.DecodeString(f[3])
	if err != nil {
		return "err bad note base64"
	}
	n, err := note.Open(msg, note.VerifierList(logV, wV))
	if err != nil {
		return "err " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	var log, witness bool
	for _, s := range n.Sigs {
		log = log || (s.Name == logV.Name() && s.Hash == logV.KeyHash())
		witness = witness || (s.Name == wV.Name() && s.Hash == wV.KeyHash())
	}
	if !log || !witness {
		return "err not signed by both the log and the witness"
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 3 {
		return "err short checkpoint"
	}
	return fmt.Sprintf("ok %d %s", wV.time, lines[1])
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
