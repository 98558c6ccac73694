//go:build openssl

package sign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"math/big"
	mrand "math/rand/v2"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
)

// rawSign is em^d mod n: the signature whose public operation gives back
// exactly em, so a test can hand the verifier any encoding it likes.
func rawSign(k *rsa.PrivateKey, em []byte) []byte {
	k.Precompute()
	c := new(big.Int).SetBytes(em)
	p, q := k.Primes[0], k.Primes[1]
	m1 := new(big.Int).Exp(c, k.Precomputed.Dp, p) // CRT: four times faster
	m2 := new(big.Int).Exp(c, k.Precomputed.Dq, q)
	h := new(big.Int).Sub(m1, m2)
	h.Mul(h, k.Precomputed.Qinv).Mod(h, p)
	m := h.Mul(h, q).Add(h, m2)
	return m.FillBytes(make([]byte, (k.N.BitLen()+7)/8))
}

// pkcs1EM is the PKCS#1 v1.5 encoding of digest for hash h in size bytes,
// with the padding string pad (normally all 0xff) and prefix (normally the
// hash's DigestInfo).
func pkcs1EM(size int, prefix, digest []byte, pad byte) []byte {
	em := make([]byte, size)
	t := len(prefix) + len(digest)
	em[1] = 1
	for i := 2; i < size-t-1; i++ {
		em[i] = pad
	}
	copy(em[size-t:], prefix)
	copy(em[size-len(digest):], digest)
	return em
}

// agree checks that this build's verifier and crypto/rsa give the same
// verdict, and returns it.
func agree(t *testing.T, what string, k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) bool {
	t.Helper()
	got := verifyPKCS1v15(k, h, digest, sig) == nil
	want := rsa.VerifyPKCS1v15(k, h, digest, sig) == nil
	if got != want {
		t.Fatalf("%s: OpenSSL verifier says %v, crypto/rsa %v", what, got, want)
	}
	return got
}

// TestOpenSSLVerifierAgreesWithCryptoRSA: the openssl build's verifier
// accepts and refuses exactly what crypto/rsa does: valid signatures of
// both sign types, tampered signatures and data, another key's signature,
// signatures one byte short or long, left-padded or stripped of leading
// zeros, s = 0, 1, n-1, n and above, and encodings that are almost PKCS#1
// v1.5 (wrong block type, a padding byte not 0xff, DigestInfo without its
// NULL, the other hash's DigestInfo, a bare digest, trailing bytes), on the
// shipped keys and fresh 1,024-, 2,047- and 3,072-bit ones; and the plain keys went
// through OpenSSL, not the fallback.
func TestOpenSSLVerifierAgreesWithCryptoRSA(t *testing.T) {
	ks := []*rsa.PrivateKey{keys.DevAppPrivateKey(), keys.DevAlipayPrivateKey()}
	for _, bits := range []int{1024, 2047, 3072} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	r := mrand.New(mrand.NewPCG(3, 4))
	for ki, k := range ks {
		pub := &k.PublicKey
		if evpPublicKey(pub) == nil {
			t.Fatalf("key %d (%d bits) was not converted for OpenSSL", ki, k.N.BitLen())
		}
		other := ks[(ki+1)%len(ks)]
		size := (k.N.BitLen() + 7) / 8
		for i := 0; i < 10; i++ {
			data := make([]byte, r.IntN(600))
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			s256, s1 := sha256.Sum256(data), sha1.Sum(data)
			for _, c := range []struct {
				h      crypto.Hash
				d      []byte
				prefix []byte
				alt    []byte // the other hash's DigestInfo
			}{
				{crypto.SHA256, s256[:], pkcs1Prefix[crypto.SHA256], pkcs1Prefix[crypto.SHA1]},
				{crypto.SHA1, s1[:], pkcs1Prefix[crypto.SHA1], pkcs1Prefix[crypto.SHA256]},
			} {
				good, err := rsa.SignPKCS1v15(nil, k, c.h, c.d)
				if err != nil {
					t.Fatal(err)
				}
				if !agree(t, "valid", pub, c.h, c.d, good) {
					t.Fatalf("key %d: a valid %v signature was refused", ki, c.h)
				}
				flipped := bytes.Clone(good)
				flipped[r.IntN(len(flipped))] ^= 1 << r.IntN(8)
				otherSig, _ := rsa.SignPKCS1v15(nil, other, c.h, c.d)
				tamperedDigest := bytes.Clone(c.d)
				tamperedDigest[r.IntN(len(tamperedDigest))] ^= 1
				nMinus1 := new(big.Int).Sub(k.N, big.NewInt(1)).FillBytes(make([]byte, size))
				nBytes := k.N.FillBytes(make([]byte, size))
				nPlus := new(big.Int).Add(k.N, big.NewInt(int64(1+r.IntN(1000)))).FillBytes(make([]byte, size))
				noNull := append(bytes.Clone(c.prefix[:len(c.prefix)-4]), c.prefix[len(c.prefix)-2:]...)
				noNull[1] -= 2
				noNull[3] -= 2
				short := pkcs1EM(size-1, c.prefix, c.d, 0xff)
				bad := map[string][]byte{
					"flipped bit":         flipped,
					"other key":           otherSig,
					"one byte short":      good[1:],
					"one byte long":       append(bytes.Clone(good), 0),
					"zero in front":       append([]byte{0}, good...),
					"empty":               nil,
					"zero":                make([]byte, size),
					"one":                 big.NewInt(1).FillBytes(make([]byte, size)),
					"n-1":                 nMinus1,
					"n":                   nBytes,
					"above n":             nPlus,
					"all ff":              bytes.Repeat([]byte{0xff}, size),
					"block type 2":        rawSign(k, func() []byte { e := pkcs1EM(size, c.prefix, c.d, 0xff); e[1] = 2; return e }()),
					"padding byte not ff": rawSign(k, func() []byte { e := pkcs1EM(size, c.prefix, c.d, 0xff); e[2+r.IntN(8)] = 0xfe; return e }()),
					"no NULL parameters":  rawSign(k, pkcs1EM(size, noNull, c.d, 0xff)),
					"other DigestInfo":    rawSign(k, pkcs1EM(size, c.alt, c.d, 0xff)),
					"bare digest":         rawSign(k, pkcs1EM(size, nil, c.d, 0xff)),
					"trailing byte":       rawSign(k, append(bytes.Clone(short), 0x00)), // one 0xff fewer, a byte after the digest
				}
				for what, sig := range bad {
					if agree(t, what, pub, c.h, c.d, sig) {
						t.Fatalf("key %d, %v: %s accepted", ki, c.h, what)
					}
				}
				if agree(t, "tampered digest", pub, c.h, tamperedDigest, good) {
					t.Fatalf("key %d: a signature of other data accepted", ki)
				}
				// The valid encoding built the same way is accepted: the
				// refusals above are for the changes, not the method.
				if !agree(t, "raw valid", pub, c.h, c.d, rawSign(k, pkcs1EM(size, c.prefix, c.d, 0xff))) {
					t.Fatalf("key %d: the raw-signed valid encoding was refused", ki)
				}
				// The same signature checked as the other sign type.
				otherHash, otherDigest := crypto.SHA1, s1[:]
				if c.h == crypto.SHA1 {
					otherHash, otherDigest = crypto.SHA256, s256[:]
				}
				if agree(t, "other sign type", pub, otherHash, otherDigest, good) {
					t.Fatalf("key %d: a %v signature accepted as %v", ki, c.h, otherHash)
				}
			}
		}
	}
}

// TestOpenSSLVerifierOddKeys: keys outside the plain case give crypto/rsa's
// verdicts (they are handed to it): under 1,024 bits, e = 3, an even
// modulus, a missing modulus.
func TestOpenSSLVerifierOddKeys(t *testing.T) {
	k := keys.DevAppPrivateKey()
	d := sha256.Sum256([]byte("x"))
	good, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	even := new(big.Int).Add(k.N, big.NewInt(1))
	for what, pub := range map[string]*rsa.PublicKey{
		"512 bits":    {N: new(big.Int).Rsh(k.N, 1536), E: 65537},
		"e = 3":       {N: k.N, E: 3},
		"e = 65539":   {N: k.N, E: 65539},
		"even n":      {N: even, E: 65537},
		"no modulus":  {E: 65537},
		"the key":     &k.PublicKey,
		"e = 2^31+1":  {N: k.N, E: 1<<31 + 1},
		"e = 1":       {N: k.N, E: 1},
		"negative e":  {N: k.N, E: -65537},
		"6,000 bits":  {N: new(big.Int).Lsh(k.N, 3952), E: 65537},
		"even n 2048": {N: new(big.Int).Lsh(big.NewInt(1), 2047), E: 65537},
	} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("%s: panic %v", what, p)
				}
			}()
			agree(t, what, pub, crypto.SHA256, d[:], good)
		}()
	}
}

// FuzzOpenSSLVerifyAgrees: for any encoding em (raised to d, so the
// verifier's public operation gives back em) and any signature bytes, the
// openssl build's verifier and crypto/rsa agree.
//
//	CGO_ENABLED=1 go test -tags openssl ./alipay/sign -run '^$' -fuzz '^FuzzOpenSSLVerifyAgrees$' -fuzztime 10s
func FuzzOpenSSLVerifyAgrees(f *testing.F) {
	k := keys.DevAppPrivateKey()
	size := (k.N.BitLen() + 7) / 8
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA1} {
		d := h.New()
		d.Write([]byte("a"))
		sum := d.Sum(nil)
		em := pkcs1EM(size, pkcs1Prefix[h], sum, 0xff)
		f.Add([]byte("a"), em, false, h == crypto.SHA1)
		em2 := bytes.Clone(em)
		em2[size-1] ^= 1
		f.Add([]byte("a"), em2, false, h == crypto.SHA1)
		f.Add([]byte("a"), em[:size-1], true, h == crypto.SHA1)
	}
	f.Fuzz(func(t *testing.T, data, em []byte, raw, sha1 bool) {
		h := crypto.SHA256
		if sha1 {
			h = crypto.SHA1
		}
		d := h.New()
		d.Write(data)
		digest := d.Sum(nil)
		sig := em
		if !raw && len(em) == size && new(big.Int).SetBytes(em).Cmp(k.N) < 0 {
			sig = rawSign(k, em)
		}
		agree(t, "fuzzed", &k.PublicKey, h, digest, sig)
	})
}

// TestOpenSSLVerifierConcurrent: verification buffers are pooled, so
// verifications running at once (run with -race) with keys of different
// sizes, good and tampered signatures, must each get their own verdict.
func TestOpenSSLVerifierConcurrent(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ks := []*rsa.PrivateKey{keys.DevAppPrivateKey(), small}
	for _, k := range ks {
		if evpPublicKey(&k.PublicKey) == nil {
			t.Fatalf("a %d-bit key was not converted for OpenSSL", k.N.BitLen())
		}
	}
	type job struct {
		k    *rsa.PublicKey
		d    []byte
		sig  []byte
		good bool
	}
	var jobs []job
	for i := range 40 {
		k := ks[i%2]
		d := sha256.Sum256([]byte{byte(i)})
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		good := i%3 != 0
		if !good {
			sig[len(sig)/2] ^= 1
		}
		jobs = append(jobs, job{&k.PublicKey, d[:], sig, good})
	}
	errs := make(chan string, 8)
	done := make(chan struct{})
	for w := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for r := range 50 {
				j := jobs[(w*7+r)%len(jobs)]
				if err := verifyPKCS1v15(j.k, crypto.SHA256, j.d, j.sig); (err == nil) != j.good {
					errs <- "wrong verdict"
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
