package pgstore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A replica with an Alipay key under 2048 bits refuses an RSA2 app through
// POST /_mock/apps; another replica's RSA2 app is held to the same rule:
// the start is refused naming it, and a running replica does not serve
// one registered later (the reload skips it, and goes on with the rest).
func TestReplicaHoldsSharedRSA2AppsToItsAlipayKeySize(t *testing.T) {
	url := pgURL(t)
	m1 := mocktest.New(t, mock.Options{Store: url, NoDevApp: true})
	pair1024, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaApp := apps.Spec{AppID: "2021000000000794", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA"}
	opts := mock.Options{Store: url, AlipayKey: pair1024.Private, NoDevApp: true, Apps: []apps.Spec{rsaApp},
		Clock: clock.NewManual(mocktest.Epoch), Seed: 1}
	small, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()

	// Registered while the small-key replica runs: it is skipped there.
	// (A key of their own: --no-dev-app refuses the dev key.)
	own, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	m1.Control(http.MethodPost, "/apps", map[string]any{"app_id": "2021000000000793",
		"public_key": string(own.PublicPEM), "sign_type": "RSA2"}, http.StatusCreated)
	m1.Control(http.MethodPost, "/apps", map[string]any{"app_id": "2021000000000797",
		"public_key": string(own.PublicPEM), "sign_type": "RSA"}, http.StatusCreated)
	waitFor(t, "the RSA app registered after the RSA2 one", func() bool {
		_, ok := small.Apps.Get("2021000000000797")
		return ok
	})
	if a, ok := small.Apps.Get("2021000000000793"); ok {
		t.Errorf("a replica with a 1024-bit Alipay key serves the RSA2 app %s another replica registered (sign_type %s)", a.AppID, a.SignType)
	}

	// Started with the RSA2 app stored: refused, naming it.
	srv, err := mock.New(opts)
	if err == nil {
		srv.Close()
		t.Fatal("a replica with a 1024-bit Alipay key started with another replica's RSA2 app stored")
	}
	if !strings.Contains(err.Error(), "2021000000000793") {
		t.Errorf("start refused with %q, want the stored RSA2 app named", err)
	}
}
