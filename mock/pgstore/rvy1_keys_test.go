package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// docs/configuration.md: an Alipay key under 2048 bits "only signs for RSA
// apps, so the mock refuses it with any RSA2 app". A replica started with
// a 1024-bit key refuses an RSA2 app through POST /_mock/apps, but takes
// the one another replica registered (apps.Registry.Restore, at start and
// on every reload, skips checkKeys) and serves it.
func TestRvy1ReplicaHoldsSharedRSA2AppsToItsAlipayKeySize(t *testing.T) {
	url := pgURL(t)
	m1 := mocktest.New(t, mock.Options{Store: url, NoDevApp: true})
	m1.Control(http.MethodPost, "/apps", map[string]any{"app_id": "2021000000000793",
		"public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"}, http.StatusCreated)

	pair1024, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaApp := apps.Spec{AppID: "2021000000000794", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA"}
	srv, err := mock.New(mock.Options{Store: url, AlipayKey: pair1024.Private, NoDevApp: true, Apps: []apps.Spec{rsaApp},
		Clock: clock.NewManual(mocktest.Epoch), Seed: 1})
	if err != nil {
		return // refused at start: as one process refuses the app
	}
	defer srv.Close()
	if a, ok := srv.Apps.Get("2021000000000793"); ok {
		t.Errorf("a replica with a 1024-bit Alipay key serves the RSA2 app %s another replica registered (sign_type %s); "+
			"registered on it, the app is refused 400 \"too small for RSA2\"", a.AppID, a.SignType)
	}
}
