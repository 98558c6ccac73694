package mock_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// docs/configuration.md: an Alipay key under 2048 bits "only signs for RSA
// apps, so the mock refuses it with any RSA2 app". One process does (start
// and POST /_mock/apps); a restart from --data with that key restores the
// RSA2 app a run with a 2048-bit key registered, unchecked
// (apps.Registry.Restore skips checkKeys), and serves it.
func TestRvy1RestoredRSA2AppIsHeldToTheAlipayKeySize(t *testing.T) {
	dir := t.TempDir()
	first := mocktest.New(t, mock.Options{DataDir: dir, NoDevApp: true})
	first.Control("POST", "/apps", map[string]any{"app_id": "2021000000000791",
		"public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"}, http.StatusCreated)
	first.HTTP.Close()
	first.Srv.Close()

	pair1024, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaApp := apps.Spec{AppID: "2021000000000792", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA"}
	opts := mock.Options{DataDir: dir, AlipayKey: pair1024.Private, NoDevApp: true, Apps: []apps.Spec{rsaApp},
		Clock: clock.NewManual(mocktest.Epoch), Seed: 1}
	srv, err := mock.New(opts)
	if err != nil {
		return // refused at start, as one process refuses the RSA2 app: fine
	}
	defer srv.Close()
	for _, a := range srv.Apps.All() {
		if a.AppID == "2021000000000791" {
			t.Errorf("restart from --data with a 1024-bit Alipay key serves the stored RSA2 app %s (sign_type %s); "+
				"one process refuses it (POST /_mock/apps answers 400 \"too small for RSA2\")", a.AppID, a.SignType)
		}
	}
}

// alipay/sign.MinKeyBits and docs/configuration.md: Alipay "sets no size
// for RSA" ("对RSA密钥的长度不限制"); 1024 is the least Go signs or verifies
// with. The refusal of a 512-bit RSA app key says "Alipay requires RSA2
// keys of at least 2048 bits, RSA keys of at least 1024", sending its owner
// to a rule of Alipay's that does not exist.
func TestRvy1RSAKeyRefusalNamesTheMocksLimitNotAlipays(t *testing.T) {
	pub, err := os.ReadFile("testdata/rsa512_public.pem")
	if err != nil {
		t.Fatal(err)
	}
	m := mocktest.New(t, mock.Options{})
	body := string(m.Control("POST", "/apps", map[string]any{"app_id": "2021000000000795", "public_key": string(pub), "sign_type": "RSA"}, http.StatusBadRequest))
	if strings.Contains(body, "RSA keys of at least 1024") && strings.Contains(body, "Alipay requires") {
		t.Errorf("%s: attributes the 1024-bit floor for RSA to Alipay, which sets none (the floor is Go's crypto/rsa)", body)
	}
}
