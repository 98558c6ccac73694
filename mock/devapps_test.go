package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The dev app 9021000100000001 given at start (a key of the user's own):
// the shipped certificate-mode dev app is another app of its merchant
// (docs/configuration.md), and draws no seller of its own, so a seed's
// given dev app has the seller it has without the shipped one.
func TestCertDevAppTakesTheGivenDevAppsMerchant(t *testing.T) {
	own, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	given := apps.Spec{AppID: keys.DevAppID, PublicKey: string(own.PublicPEM), SignType: "RSA2"}
	sellers := func(o mock.Options) map[string]string {
		m := mocktest.New(t, o)
		var list []map[string]any
		m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
		out := map[string]string{}
		for _, a := range list {
			out[a["app_id"].(string)], _ = a["seller_id"].(string)
		}
		return out
	}
	with := sellers(mock.Options{Seed: 7, Apps: []apps.Spec{given}})
	alone := sellers(mock.Options{Seed: 7, NoDevApp: true, Apps: []apps.Spec{given}})
	if with[keys.DevCertAppID] != with[keys.DevAppID] {
		t.Errorf("sellers %v: the certificate-mode dev app is not of the (given) dev app's merchant", with)
	}
	if with[keys.DevAppID] != alone[keys.DevAppID] {
		t.Errorf("seed 7: the given dev app's seller is %s beside the shipped certificate-mode app, %s without it", with[keys.DevAppID], alone[keys.DevAppID])
	}
}

// docs/security.md: --no-dev-app leaves out every app anyone can sign for.
// keys/dev ships, besides the dev app's, the dev Alipay key (not the
// mock's under --alipay-private-key) and the dev CA's: POST /_mock/apps
// refuses an app with the public half of either, naming the file.
func TestNoDevAppRefusesEveryShippedKey(t *testing.T) {
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
		body := m.Control(http.MethodPost, "/apps", map[string]string{"app_id": id, "public_key": string(keys.PublicPEM(&k.PublicKey)), "sign_type": "RSA2"}, http.StatusBadRequest)
		if !strings.Contains(string(body), "keys/dev/"+file) {
			t.Errorf("--no-dev-app: POST /_mock/apps with the public half of the shipped keys/dev/%s: %s, want the refusal naming the file (its private key is public)", file, body)
		}
	}
}
