package sign_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

const (
	javaKey = "aa4BtZ4tspm2wnXLb1ThQA==" // alipay-sdk-java-all src/test/java/com/alipay/api/EncryptTest.java
	key192  = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3"
	key256  = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

// Known answers. The first is the Java SDK's own test vector; the others
// were made with `openssl enc -aes-{128,192,256}-cbc -iv 0…0` (PKCS#7 is
// openssl's default padding).
var aesVectors = []struct {
	name, key, plain, cipher string
}{
	{"java sdk EncryptTest", javaKey, "test1234567", "ILpoMowjIQjfYMR847rnFQ=="},
	{"empty plaintext: one block of padding", javaKey, "", "crS01g4mS/AW/NUVPDUpMA=="},
	{"one full block: a whole block of padding", javaKey, "0123456789abcdef", "ApoLgQW51H0OhiPeyDL+V2D9DGKbYm0D714wq4cfpIY="},
	{"192-bit key, UTF-8 JSON", key192, `{"out_trade_no":"T1","total_amount":"0.01","subject":"测试"}`,
		"o82vqZWmzD9JjxTBzrb0LUwNuGfE0H4aY4PfAvLxRTQXlUG/Zyee00kkcLLfmkb+RIoAI1/NQgPfIfCaGdeWIg=="},
	{"256-bit key, UTF-8 JSON", key256, `{"out_trade_no":"T1","total_amount":"0.01","subject":"测试"}`,
		"iWZ5ftYKLyzW19dsRmZ0choB8l7/Kt3hwVP8dDytuw0IBjopXpPS7/Sjq2TfXltJfzIfQzYzsvLSgcf6z7JDPg=="},
}

func TestContentEncryptionKnownAnswers(t *testing.T) {
	for _, v := range aesVectors {
		t.Run(v.name, func(t *testing.T) {
			got, err := sign.EncryptContent(v.key, []byte(v.plain))
			if err != nil {
				t.Fatalf("EncryptContent: %v", err)
			}
			if got != v.cipher {
				t.Errorf("EncryptContent = %q, want %q", got, v.cipher)
			}
			plain, err := sign.DecryptContent(v.key, v.cipher)
			if err != nil {
				t.Fatalf("DecryptContent: %v", err)
			}
			if string(plain) != v.plain {
				t.Errorf("DecryptContent = %q, want %q", plain, v.plain)
			}
		})
	}
}

// rawCBC encrypts whole blocks with the zero IV and no padding, to build
// ciphertexts whose padding is wrong on purpose.
func rawCBC(t *testing.T, key string, blocks []byte) string {
	t.Helper()
	k, _ := base64.StdEncoding.DecodeString(key)
	b, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(blocks))
	cipher.NewCBCEncrypter(b, make([]byte, 16)).CryptBlocks(out, blocks)
	return base64.StdEncoding.EncodeToString(out)
}

func TestContentEncryptionErrors(t *testing.T) {
	good := aesVectors[0]
	block := func(last ...byte) []byte { // 16 bytes ending in last
		b := bytes.Repeat([]byte{'x'}, 16-len(last))
		return append(b, last...)
	}
	tests := []struct {
		name, key, cipher string
		want              error
	}{
		{"empty key", "", good.cipher, sign.ErrAESKey},
		{"key not base64", "not base64!", good.cipher, sign.ErrAESKey},
		{"key of 15 bytes", base64.StdEncoding.EncodeToString(make([]byte, 15)), good.cipher, sign.ErrAESKey},
		{"key of 17 bytes", base64.StdEncoding.EncodeToString(make([]byte, 17)), good.cipher, sign.ErrAESKey},
		{"key of 33 bytes", base64.StdEncoding.EncodeToString(make([]byte, 33)), good.cipher, sign.ErrAESKey},
		{"key is raw text, not base64 of 16 bytes", "0123456789abcdef", good.cipher, sign.ErrAESKey},
		{"ciphertext not base64", good.key, "ILpoMowjIQjf*MR847rnFQ==", sign.ErrAESBase64},
		{"ciphertext unpadded base64", good.key, strings.TrimRight(good.cipher, "="), sign.ErrAESBase64},
		{"ciphertext URL-safe alphabet", good.key, "ApoLgQW51H0OhiPeyDL-V2D9DGKbYm0D714wq4cfpIY=", sign.ErrAESBase64},
		{"ciphertext with spaces", good.key, "ILpoMowj IQjfYMR847rnFQ==", sign.ErrAESBase64},
		{"ciphertext with escaped slash", good.key, `crS01g4mS\/AW\/NUVPDUpMA==`, sign.ErrAESBase64},
		{"empty ciphertext", good.key, "", sign.ErrAESLength},
		{"15-byte ciphertext", good.key, base64.StdEncoding.EncodeToString(make([]byte, 15)), sign.ErrAESLength},
		{"17-byte ciphertext", good.key, base64.StdEncoding.EncodeToString(make([]byte, 17)), sign.ErrAESLength},
		{"wrong key", key256, good.cipher, sign.ErrAESPadding},
		{"padding byte 0", good.key, rawCBC(t, good.key, block(0)), sign.ErrAESPadding},
		{"padding byte 17", good.key, rawCBC(t, good.key, block(17)), sign.ErrAESPadding},
		{"padding byte 0xff", good.key, rawCBC(t, good.key, block(0xff)), sign.ErrAESPadding},
		{"padding bytes disagree", good.key, rawCBC(t, good.key, block(2, 3, 3)), sign.ErrAESPadding},
		{"padding 2 with one 2", good.key, rawCBC(t, good.key, block('x', 2)), sign.ErrAESPadding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sign.DecryptContent(tt.key, tt.cipher)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecryptContent error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("DecryptContent returned %q with an error", got)
			}
			for _, other := range []error{sign.ErrAESKey, sign.ErrAESBase64, sign.ErrAESLength, sign.ErrAESPadding} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
		})
	}
	// Encryption refuses the same bad keys.
	for _, k := range []string{"", "!!", base64.StdEncoding.EncodeToString(make([]byte, 8))} {
		if _, err := sign.EncryptContent(k, []byte("x")); !errors.Is(err, sign.ErrAESKey) {
			t.Errorf("EncryptContent(%q) error = %v, want ErrAESKey", k, err)
		}
	}
}

func TestContentEncryptionPaddingEdges(t *testing.T) {
	// Valid odd paddings decrypt: n bytes of n, for every n.
	for n := 1; n <= 16; n++ {
		blk := bytes.Repeat([]byte{'a'}, 16-n)
		blk = append(blk, bytes.Repeat([]byte{byte(n)}, n)...)
		got, err := sign.DecryptContent(javaKey, rawCBC(t, javaKey, blk))
		if err != nil {
			t.Fatalf("padding %d: %v", n, err)
		}
		if want := strings.Repeat("a", 16-n); string(got) != want {
			t.Errorf("padding %d: got %q, want %q", n, got, want)
		}
	}
}

func TestContentEncryptionRoundTrip(t *testing.T) {
	gbk, err := sign.GBK.Encode(`{"subject":"测试订单"}`)
	if err != nil {
		t.Fatal(err)
	}
	plains := [][]byte{nil, {}, gbk, []byte("\x00\x01\x02"), bytes.Repeat([]byte{0x10}, 16)}
	for n := 1; n <= 48; n++ {
		plains = append(plains, bytes.Repeat([]byte{'z'}, n))
	}
	for _, key := range []string{javaKey, key192, key256, sign.GenerateAESKey()} {
		for _, p := range plains {
			c, err := sign.EncryptContent(key, p)
			if err != nil {
				t.Fatalf("EncryptContent(%d bytes): %v", len(p), err)
			}
			raw, _ := base64.StdEncoding.DecodeString(c)
			if want := (len(p)/16 + 1) * 16; len(raw) != want {
				t.Errorf("%d bytes of plaintext gave %d of ciphertext, want %d", len(p), len(raw), want)
			}
			got, err := sign.DecryptContent(key, c)
			if err != nil {
				t.Fatalf("DecryptContent(%d bytes): %v", len(p), err)
			}
			if !bytes.Equal(got, p) {
				t.Errorf("round trip of %q gave %q", p, got)
			}
		}
	}
}

func TestDecryptContentIgnoresLineBreaks(t *testing.T) {
	v := aesVectors[3]
	wrapped := v.cipher[:20] + "\r\n" + v.cipher[20:60] + "\n" + v.cipher[60:]
	got, err := sign.DecryptContent(v.key, wrapped)
	if err != nil || string(got) != v.plain {
		t.Fatalf("DecryptContent(wrapped) = %q, %v", got, err)
	}
}

func TestContentEncryptionConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 50 {
				p := fmt.Appendf(nil, `{"n":%d}`, i*100+j)
				c, err := sign.EncryptContent(key256, p)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := sign.DecryptContent(key256, c)
				if err != nil || !bytes.Equal(got, p) {
					t.Errorf("round trip %q: %q, %v", p, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	// The shared zero IV is still zero: a fixed vector still comes out.
	if c, _ := sign.EncryptContent(javaKey, []byte("test1234567")); c != "ILpoMowjIQjfYMR847rnFQ==" {
		t.Errorf("after concurrent use, KAT gives %q", c)
	}
}

func TestGenerateAESKey(t *testing.T) {
	seen := map[string]bool{}
	for range 64 {
		k := sign.GenerateAESKey()
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(raw) != 16 {
			t.Fatalf("GenerateAESKey() = %q: %d bytes, %v", k, len(raw), err)
		}
		if len(k) != 24 || !strings.HasSuffix(k, "==") {
			t.Errorf("GenerateAESKey() = %q, want 24 characters ending in ==", k)
		}
		if seen[k] {
			t.Fatalf("GenerateAESKey repeated %q", k)
		}
		seen[k] = true
	}
}

func TestEncryptedNode(t *testing.T) {
	tests := []struct{ cipher, want string }{
		{"ILpoMowjIQjfYMR847rnFQ==", `"ILpoMowjIQjfYMR847rnFQ=="`},
		{"a+b/c=", `"a+b/c="`}, // '/' stays bare: smartwalle does not unescape
		{"", `""`},
	}
	for _, tt := range tests {
		got := sign.EncryptedNode(tt.cipher)
		if string(got) != tt.want {
			t.Errorf("EncryptedNode(%q) = %s, want %s", tt.cipher, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("EncryptedNode(%q) = %s is not JSON", tt.cipher, got)
		}
		c, ok := sign.NodeCipher(got)
		if !ok || c != tt.cipher {
			t.Errorf("NodeCipher(%s) = %q, %v", got, c, ok)
		}
	}
}

func TestNodeCipher(t *testing.T) {
	tests := []struct {
		raw    string
		want   string
		wantOK bool
	}{
		{`"abc="`, "abc=", true},
		{` "abc=" `, "abc=", true},
		{`"a\/b"`, "a/b", true}, // tolerate an escaped slash when reading
		{`{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.decryption-error-unknown"}`, "", false},
		{`""`, "", true},
		{`"`, "", false},
		{`"abc`, "", false},
		{`null`, "", false},
		{``, "", false},
		{`123`, "", false},
	}
	for _, tt := range tests {
		got, ok := sign.NodeCipher([]byte(tt.raw))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("NodeCipher(%s) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.wantOK)
		}
	}
}

// An encrypted response built the production way is read back the way
// Java, smartwalle and this package read it.
func TestEncryptedResponseAsClientsReadIt(t *testing.T) {
	alipay := keys.DevAlipayPrivateKey()
	method := "alipay.trade.query"
	node := sign.NodeName(method)
	plain := `{"code":"10000","msg":"Success","out_trade_no":"T1","qr_code":"https://qr.alipay.com/x"}`
	var cipherText string
	for i := 0; ; i++ { // find a ciphertext with a '/', the character at stake
		p := plain[:len(plain)-1] + fmt.Sprintf(`,"n":"%d"}`, i)
		c, err := sign.EncryptContent(javaKey, []byte(p))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c, "/") {
			cipherText, plain = c, p
			break
		}
	}
	raw := sign.EncryptedNode(cipherText)
	sig, err := sign.Sign(alipay, sign.RSA2, raw)
	if err != nil {
		t.Fatal(err)
	}
	body := sign.Envelope(node, raw, sig, "")
	pub := &alipay.PublicKey

	// Java (JsonConverter/AlipaySignature): from the node name, skip to the
	// first '{' or '"', take up to and including the next '"'.
	s := string(body)
	i := strings.Index(s, node) + len(node) + 2
	for s[i] != '{' && s[i] != '"' {
		i++
	}
	j := strings.IndexByte(s[i+1:], '"') + i + 2
	if err := sign.Verify(pub, sign.RSA2, []byte(s[i:j]), sig); err != nil {
		t.Errorf("Java-style extraction %q does not verify: %v", s[i:j], err)
	}
	if got, err := sign.DecryptContent(javaKey, s[i+1:j-1]); err != nil || string(got) != plain {
		t.Errorf("Java-style decrypt = %q, %v", got, err)
	}

	// smartwalle: RawMessage of the node, verified as is, bytes between the
	// quotes decoded as base64 without JSON unescaping.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if err := sign.Verify(pub, sign.RSA2, m[node], sig); err != nil {
		t.Errorf("smartwalle-style verify: %v", err)
	}
	if got, err := sign.DecryptContent(javaKey, string(m[node][1:len(m[node])-1])); err != nil || string(got) != plain {
		t.Errorf("smartwalle-style decrypt = %q, %v", got, err)
	}

	// This package.
	r, err := sign.ParseResponse(body, method)
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.Verify(pub, sign.RSA2, r.Raw, r.Sign); err != nil {
		t.Errorf("ParseResponse raw does not verify: %v", err)
	}
	c, ok := sign.NodeCipher(r.Raw)
	if !ok || c != cipherText {
		t.Fatalf("NodeCipher = %q, %v", c, ok)
	}
	if got, err := sign.DecryptContent(javaKey, c); err != nil || string(got) != plain {
		t.Errorf("decrypt = %q, %v", got, err)
	}
}
