//go:build openssl

package sign

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

// The few libcrypto functions verification needs, found with dlsym in the
// library golang-fips/openssl loaded (no OpenSSL headers at build time:
// these are OpenSSL's stable C signatures, the same in 1.1.1 and 3.x).
typedef void *(*BN_new_f)(void);
typedef void (*BN_free_f)(void *);
typedef void *(*BN_bin2bn_f)(const unsigned char *, int, void *);
typedef int (*BN_bn2binpad_f)(const void *, unsigned char *, int);
typedef int (*BN_set_word_f)(void *, unsigned long);
typedef int (*BN_ucmp_f)(const void *, const void *);
typedef void *(*BN_CTX_new_f)(void);
typedef void (*BN_CTX_free_f)(void *);
typedef void *(*BN_MONT_CTX_new_f)(void);
typedef void (*BN_MONT_CTX_free_f)(void *);
typedef int (*BN_MONT_CTX_set_f)(void *, const void *, void *);
typedef int (*BN_mod_exp_mont_f)(void *, const void *, const void *, const void *, void *, void *);
typedef void (*ERR_clear_error_f)(void);

static BN_new_f am_BN_new;
static BN_free_f am_BN_free;
static BN_bin2bn_f am_BN_bin2bn;
static BN_bn2binpad_f am_BN_bn2binpad;
static BN_set_word_f am_BN_set_word;
static BN_ucmp_f am_BN_ucmp;
static BN_CTX_new_f am_BN_CTX_new;
static BN_CTX_free_f am_BN_CTX_free;
static BN_MONT_CTX_new_f am_BN_MONT_CTX_new;
static BN_MONT_CTX_free_f am_BN_MONT_CTX_free;
static BN_MONT_CTX_set_f am_BN_MONT_CTX_set;
static BN_mod_exp_mont_f am_BN_mod_exp_mont;
static ERR_clear_error_f am_ERR_clear_error;

// am_load binds the functions from the library named lib; 0 on failure.
static int am_load(const char *lib) {
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) return 0;
#define AM_SYM(n) am_##n = (n##_f)dlsym(h, #n); if (am_##n == NULL) return 0;
	AM_SYM(BN_new)
	AM_SYM(BN_free)
	AM_SYM(BN_bin2bn)
	AM_SYM(BN_bn2binpad)
	AM_SYM(BN_set_word)
	AM_SYM(BN_ucmp)
	AM_SYM(BN_CTX_new)
	AM_SYM(BN_CTX_free)
	AM_SYM(BN_MONT_CTX_new)
	AM_SYM(BN_MONT_CTX_free)
	AM_SYM(BN_MONT_CTX_set)
	AM_SYM(BN_mod_exp_mont)
	AM_SYM(ERR_clear_error)
#undef AM_SYM
	return 1;
}

// am_key is a public key's modulus and exponent with the modulus's
// Montgomery data, made once: what OpenSSL's own RSA public operation
// computes with (BN_mod_exp_mont, which only reads mont).
typedef struct { void *n, *e, *mont; } am_key;

static void am_key_free(am_key *k) {
	if (k == NULL) return;
	if (k->mont != NULL) am_BN_MONT_CTX_free(k->mont);
	if (k->e != NULL) am_BN_free(k->e);
	if (k->n != NULL) am_BN_free(k->n);
	free(k);
}

// am_key_new makes the key with modulus n (big-endian, len bytes) and
// exponent e; NULL on failure.
static am_key *am_key_new(const unsigned char *n, int len, unsigned long e) {
	am_key *k = calloc(1, sizeof *k);
	void *tmp = NULL;
	if (k == NULL) return NULL;
	k->n = am_BN_bin2bn(n, len, NULL);
	k->e = am_BN_new();
	k->mont = am_BN_MONT_CTX_new();
	tmp = am_BN_CTX_new();
	if (k->n == NULL || k->e == NULL || k->mont == NULL || tmp == NULL ||
	    am_BN_set_word(k->e, e) != 1 || am_BN_MONT_CTX_set(k->mont, k->n, tmp) != 1) {
		if (tmp != NULL) am_BN_CTX_free(tmp);
		am_key_free(k);
		am_ERR_clear_error();
		return NULL;
	}
	am_BN_CTX_free(tmp);
	return k;
}

// am_scratch is one call's working numbers, kept between calls (a
// BN_CTX serves one call at a time).
typedef struct { void *ctx, *s, *m; } am_scratch;

static void am_scratch_free(am_scratch *w) {
	if (w == NULL) return;
	if (w->ctx != NULL) am_BN_CTX_free(w->ctx);
	if (w->s != NULL) am_BN_free(w->s);
	if (w->m != NULL) am_BN_free(w->m);
	free(w);
}

static am_scratch *am_scratch_new(void) {
	am_scratch *w = calloc(1, sizeof *w);
	if (w == NULL) return NULL;
	w->ctx = am_BN_CTX_new();
	w->s = am_BN_new();
	w->m = am_BN_new();
	if (w->ctx == NULL || w->s == NULL || w->m == NULL) {
		am_scratch_free(w);
		am_ERR_clear_error();
		return NULL;
	}
	return w;
}

// am_public raises in (len bytes, the modulus's size) to k's exponent
// modulo its modulus into out (len bytes), as RSA_public_encrypt with
// RSA_NO_PADDING does; 0 when in is not below the modulus or OpenSSL fails.
static int am_public(am_key *k, am_scratch *w, const unsigned char *in, int len, unsigned char *out) {
	if (am_BN_bin2bn(in, len, w->s) == NULL || am_BN_ucmp(w->s, k->n) >= 0 ||
	    am_BN_mod_exp_mont(w->m, w->s, k->e, k->n, w->ctx, k->mont) != 1 ||
	    am_BN_bn2binpad(w->m, out, len) != len) {
		am_ERR_clear_error();
		return 0;
	}
	return 1;
}
*/
import "C"

import (
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"runtime"
	"sync"
	"unsafe"
)

// Verification in the openssl build: libcrypto raises the signature to e
// (the bare public operation, BN_mod_exp_mont as OpenSSL's RSA code calls
// it) on a key converted once, with its Montgomery data made once and its
// working numbers kept (golang-fips/openssl makes a new EVP_PKEY_CTX per
// call, and OpenSSL 3 looks the algorithm up again each time; an
// EVP_PKEY_encrypt through a kept context still made a BN_CTX and its
// numbers each call: docs/performance.md). The PKCS#1 v1.5
// comparison stays here in Go, the check crypto/rsa makes (RFC 8017
// section 8.2.2: the signature is k bytes, below n, and s^e mod n is
// exactly the expected encoding), so the verdicts are crypto/rsa's. Keys
// outside the plain case (not 1,024 to 4,096 bits, an even modulus, e other
// than 65537) and hashes other than SHA-1 and SHA-256 go to crypto/rsa
// itself. golang-fips/openssl finds and loads the library
// (sign_openssl.go); this binds the few functions it needs from it.

var evp struct {
	once sync.Once
	ok   bool // libcrypto's functions bound

	mu   sync.Mutex
	keys map[string]*evpKey // by n and e
}

// maxEVPKeys bounds the converted keys: one per app; the map starts over
// rather than grow past it (a dropped key's OpenSSL objects are freed once
// no verification still uses them).
const maxEVPKeys = 256

// evpKey is a public key converted for libcrypto, with the scratch
// numbers not in use (each serves one call at a time).
type evpKey struct {
	size int // modulus bytes
	h    *evpHandles
}

type evpHandles struct {
	key  *C.am_key
	mu   sync.Mutex
	idle []*C.am_scratch
}

// maxIdleContexts bounds the scratch sets kept per key: about one per core.
const maxIdleContexts = 8

func loadEVP() bool {
	evp.once.Do(func() {
		loadOpenSSL()
		if ossl.err != nil {
			return
		}
		// The library golang-fips/openssl loaded and signs with.
		cs := C.CString(ossl.lib)
		defer C.free(unsafe.Pointer(cs))
		if C.am_load(cs) == 1 {
			evp.ok = true
			evp.keys = make(map[string]*evpKey)
		}
	})
	return evp.ok
}

// pkcs1Prefix is the DER DigestInfo before the digest (RFC 8017 section
// 9.2, note 1), as crypto/rsa has it.
var pkcs1Prefix = map[crypto.Hash][]byte{
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
}

// emBufs hold a verification's encoded message and the one it should be;
// each is used by one call at a time and fully written before it is read.
var emBufs = sync.Pool{New: func() any { return new([2 * 512]byte) }}

func verifyPKCS1v15(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	prefix, ok := pkcs1Prefix[h]
	if !ok || len(digest) != h.Size() || k == nil || k.N == nil || k.E != 65537 ||
		k.N.Bit(0) == 0 || k.N.BitLen() < 1024 || k.N.BitLen() > 4096 {
		return rsa.VerifyPKCS1v15(k, h, digest, sig)
	}
	p := evpPublicKey(k)
	if p == nil {
		return rsa.VerifyPKCS1v15(k, h, digest, sig)
	}
	if len(sig) != p.size {
		return rsa.ErrVerification
	}
	buf := emBufs.Get().(*[2 * 512]byte) // handed to C, so it would be on the heap each time
	defer emBufs.Put(buf)
	em, want := buf[:p.size], buf[512:512+p.size]
	w := p.h.get()
	if w == nil {
		return rsa.VerifyPKCS1v15(k, h, digest, sig)
	}
	done := C.am_public(p.h.key, w, (*C.uchar)(unsafe.Pointer(&sig[0])), C.int(p.size), (*C.uchar)(unsafe.Pointer(&em[0])))
	p.h.put(w)
	runtime.KeepAlive(p)
	if done != 1 {
		// s not below n, or OpenSSL failed otherwise (memory, a provider):
		// crypto/rsa gives the verdict, so no failure of OpenSSL's
		// rejects a good signature.
		return rsa.VerifyPKCS1v15(k, h, digest, sig)
	}
	// EM = 0x00 || 0x01 || 0xff... || 0x00 || DigestInfo || digest
	t := len(prefix) + len(digest)
	want[0], want[1] = 0, 1
	for i := 2; i < p.size-t-1; i++ {
		want[i] = 0xff
	}
	want[p.size-t-1] = 0
	copy(want[p.size-t:], prefix)
	copy(want[p.size-len(digest):], digest)
	if subtle.ConstantTimeCompare(em, want) != 1 {
		return rsa.ErrVerification
	}
	return nil
}

// evpPublicKey is k converted for libcrypto, from the cache when it was
// converted before; nil when libcrypto is not there or refuses it.
func evpPublicKey(k *rsa.PublicKey) *evpKey {
	if !loadEVP() {
		return nil
	}
	var buf [512 + 4]byte
	size := (k.N.BitLen() + 7) / 8
	id := buf[:size+4]
	k.N.FillBytes(id[:size])
	id[size], id[size+1], id[size+2], id[size+3] = byte(k.E>>24), byte(k.E>>16), byte(k.E>>8), byte(k.E)
	evp.mu.Lock()
	p := evp.keys[string(id)]
	evp.mu.Unlock()
	if p != nil {
		return p
	}
	n := k.N.Bytes() // its own copy: id stays on the stack
	key := C.am_key_new((*C.uchar)(unsafe.Pointer(&n[0])), C.int(len(n)), C.ulong(k.E))
	if key == nil {
		return nil
	}
	p = &evpKey{size: size, h: &evpHandles{key: key}}
	runtime.AddCleanup(p, (*evpHandles).free, p.h)
	evp.mu.Lock()
	if len(evp.keys) >= maxEVPKeys {
		evp.keys = make(map[string]*evpKey)
	}
	evp.keys[string(id)] = p
	evp.mu.Unlock()
	return p
}

func (h *evpHandles) get() *C.am_scratch {
	h.mu.Lock()
	if n := len(h.idle); n > 0 {
		w := h.idle[n-1]
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		return w
	}
	h.mu.Unlock()
	return C.am_scratch_new()
}

func (h *evpHandles) put(w *C.am_scratch) {
	h.mu.Lock()
	if len(h.idle) < maxIdleContexts {
		h.idle = append(h.idle, w)
		w = nil
	}
	h.mu.Unlock()
	if w != nil {
		C.am_scratch_free(w)
	}
}

// free releases the key and its scratch numbers once its evpKey is garbage.
func (h *evpHandles) free() {
	for _, w := range h.idle {
		C.am_scratch_free(w)
	}
	C.am_key_free(h.key)
}
