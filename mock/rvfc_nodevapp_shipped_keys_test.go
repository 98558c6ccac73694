package mock_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// docs/security.md: "--no-dev-app leaves out every app anyone can sign
// for". keys/dev ships two more private keys than the dev app's: the
// shipped Alipay key (the mock's own unless --alipay-private-key) and the
// dev CA's. With --alipay-private-key, an app registered with either's
// public half is one anyone can sign for, and POST /_mock/apps takes it.
func TestRvfcNoDevAppTakesOtherShippedKeys(t *testing.T) {
	own, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	m := mocktest.New(t, mock.Options{NoDevApp: true, AlipayKey: own.Private})
	for id, file := range map[string]string{"2021004100000301": "alipay_private_key.pem", "2021004100000302": "mock_ca_private_key.pem"} {
		k, err := keys.ParsePrivateKey(keys.DevFile(file))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]string{"app_id": id, "public_key": string(keys.PublicPEM(&k.PublicKey)), "sign_type": "RSA2"})
		resp, err := http.Post(m.URL+"/_mock/apps", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("--no-dev-app: POST /_mock/apps with the public half of the shipped keys/dev/%s: %d, want 400 (its private key is public)", file, resp.StatusCode)
		}
	}
}
