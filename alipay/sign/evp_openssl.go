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
typedef void *(*d2i_PUBKEY_f)(void **, const unsigned char **, long);
typedef void (*EVP_PKEY_free_f)(void *);
typedef void *(*EVP_PKEY_CTX_new_f)(void *, void *);
typedef void (*EVP_PKEY_CTX_free_f)(void *);
typedef int (*EVP_PKEY_encrypt_init_f)(void *);
typedef int (*EVP_PKEY_CTX_ctrl_f)(void *, int, int, int, int, void *);
typedef int (*EVP_PKEY_encrypt_f)(void *, unsigned char *, size_t *, const unsigned char *, size_t);
typedef void (*ERR_clear_error_f)(void);

static d2i_PUBKEY_f am_d2i_PUBKEY;
static EVP_PKEY_free_f am_EVP_PKEY_free;
static EVP_PKEY_CTX_new_f am_EVP_PKEY_CTX_new;
static EVP_PKEY_CTX_free_f am_EVP_PKEY_CTX_free;
static EVP_PKEY_encrypt_init_f am_EVP_PKEY_encrypt_init;
static EVP_PKEY_CTX_ctrl_f am_EVP_PKEY_CTX_ctrl;
static EVP_PKEY_encrypt_f am_EVP_PKEY_encrypt;
static ERR_clear_error_f am_ERR_clear_error;

// am_load binds the functions from the library named lib; 0 on failure.
static int am_load(const char *lib) {
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) return 0;
#define AM_SYM(n) am_##n = (n##_f)dlsym(h, #n); if (am_##n == NULL) return 0;
	AM_SYM(d2i_PUBKEY)
	AM_SYM(EVP_PKEY_free)
	AM_SYM(EVP_PKEY_CTX_new)
	AM_SYM(EVP_PKEY_CTX_free)
	AM_SYM(EVP_PKEY_encrypt_init)
	AM_SYM(EVP_PKEY_CTX_ctrl)
	AM_SYM(EVP_PKEY_encrypt)
	AM_SYM(ERR_clear_error)
#undef AM_SYM
	return 1;
}

static void *am_pubkey(const unsigned char *der, long n) {
	const unsigned char *p = der;
	void *k = am_d2i_PUBKEY(NULL, &p, n);
	if (k == NULL || p != der + n) {
		if (k != NULL) am_EVP_PKEY_free(k);
		am_ERR_clear_error();
		return NULL;
	}
	return k;
}

static void am_pkey_free(void *k) { am_EVP_PKEY_free(k); }

// am_raw_ctx is a context for the bare RSA public operation (no padding)
// with the key k; NULL on failure.
static void *am_raw_ctx(void *k) {
	void *ctx = am_EVP_PKEY_CTX_new(k, NULL);
	if (ctx == NULL) goto fail;
	// EVP_PKEY_RSA (6), any operation (-1), EVP_PKEY_CTRL_RSA_PADDING
	// (EVP_PKEY_ALG_CTRL + 1), RSA_NO_PADDING (3).
	if (am_EVP_PKEY_encrypt_init(ctx) != 1 || am_EVP_PKEY_CTX_ctrl(ctx, 6, -1, 0x1000 + 1, 3, NULL) <= 0) goto fail;
	return ctx;
fail:
	if (ctx != NULL) am_EVP_PKEY_CTX_free(ctx);
	am_ERR_clear_error();
	return NULL;
}

static void am_ctx_free(void *ctx) { am_EVP_PKEY_CTX_free(ctx); }

// am_public raises in (n bytes, n the modulus size) to the public
// exponent modulo the modulus into out (n bytes); 0 when OpenSSL refuses
// (in is not below the modulus).
static int am_public(void *ctx, const unsigned char *in, size_t n, unsigned char *out) {
	size_t outlen = n;
	if (am_EVP_PKEY_encrypt(ctx, out, &outlen, in, n) != 1 || outlen != n) {
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
	"crypto/x509"
	"math/big"
	"runtime"
	"sync"
	"unsafe"
)

// Verification in the openssl build: libcrypto raises the signature to e
// (the bare public operation) on a key converted once, with its contexts
// kept (golang-fips/openssl makes a new EVP_PKEY_CTX per call, and OpenSSL
// 3 looks the algorithm up again each time: 21 µs a verification against
// 17 µs here and crypto/rsa's 27 µs, docs/performance.md). The PKCS#1 v1.5
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

// evpKey is a public key converted for libcrypto, with the contexts not
// in use (an EVP_PKEY_CTX serves one call at a time).
type evpKey struct {
	size int // modulus bytes
	h    *evpHandles
}

type evpHandles struct {
	pkey unsafe.Pointer
	mu   sync.Mutex
	idle []unsafe.Pointer
}

// maxIdleContexts bounds the contexts kept per key: about one per core.
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
	ctx := p.h.get()
	if ctx == nil {
		return rsa.VerifyPKCS1v15(k, h, digest, sig)
	}
	done := C.am_public(ctx, (*C.uchar)(unsafe.Pointer(&sig[0])), C.size_t(p.size), (*C.uchar)(unsafe.Pointer(&em[0])))
	p.h.put(ctx)
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
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: new(big.Int).Set(k.N), E: k.E})
	if err != nil {
		return nil
	}
	pkey := C.am_pubkey((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)))
	if pkey == nil {
		return nil
	}
	p = &evpKey{size: size, h: &evpHandles{pkey: pkey}}
	runtime.AddCleanup(p, (*evpHandles).free, p.h)
	evp.mu.Lock()
	if len(evp.keys) >= maxEVPKeys {
		evp.keys = make(map[string]*evpKey)
	}
	evp.keys[string(id)] = p
	evp.mu.Unlock()
	return p
}

func (h *evpHandles) get() unsafe.Pointer {
	h.mu.Lock()
	if n := len(h.idle); n > 0 {
		ctx := h.idle[n-1]
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		return ctx
	}
	h.mu.Unlock()
	return C.am_raw_ctx(h.pkey)
}

func (h *evpHandles) put(ctx unsafe.Pointer) {
	h.mu.Lock()
	if len(h.idle) < maxIdleContexts {
		h.idle = append(h.idle, ctx)
		ctx = nil
	}
	h.mu.Unlock()
	if ctx != nil {
		C.am_ctx_free(ctx)
	}
}

// free releases the key and its contexts once its evpKey is garbage.
func (h *evpHandles) free() {
	for _, ctx := range h.idle {
		C.am_ctx_free(ctx)
	}
	C.am_pkey_free(h.pkey)
}
