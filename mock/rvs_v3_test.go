package mock_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

const rvsBillQuery = "/v3/alipay/data/dataservice/bill/downloadurl/query?bill_type=trade&bill_date=2024-05-01"

// A GET has no body to encrypt, but an app with content encryption that
// says alipay-encrypt-type: AES gets its answer encrypted: clients built
// against production decrypt it, e.g. verdient/alipay's Request::send (GET
// only, empty body, always sends Alipay-Encrypt-Type: AES, and with an
// encrypt key verifies the signature then AES-decrypts the body); Node's
// alipay-sdk curl() likewise decrypts every answer when needEncrypt is set,
// whatever the HTTP method. The mock encrypts only when a body was
// decrypted, so the answer comes back as plain JSON.
func TestRvsV3GetWithEncryptTypeAnswersCiphertext(t *testing.T) {
	e := newV3Env(t)
	r := e.do(v3Req{method: http.MethodGet, uri: rvsBillQuery, appID: v3AESApp,
		header: map[string]string{sign.HeaderEncryptType: "AES"}})
	if r.status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.status, r.body)
	}
	if err := sign.VerifyV3Response(e.srv.AlipayPublicKey(), r.header.Get(sign.HeaderTimestamp), r.header.Get(sign.HeaderNonce), string(r.body), r.header.Get(sign.HeaderSignature)); err != nil {
		t.Fatal(err)
	}
	plain, err := sign.DecryptContent(v3AESKey, string(r.body))
	if err != nil {
		t.Fatalf("the answer is not the ciphertext of its fields: %v: %s", err, r.body)
	}
	var out struct {
		BillDownloadURL string `json:"bill_download_url"`
	}
	if err := json.Unmarshal(plain, &out); err != nil || !strings.HasPrefix(out.BillDownloadURL, e.srv.URL()) {
		t.Errorf("decrypted %s: %v", plain, err)
	}
}
