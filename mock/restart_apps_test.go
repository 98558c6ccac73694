package mock_test

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// The shipped dev app changed through the control API (here its
// app_gateway_url) is stored, and a restart on the same --data directory
// keeps the change: the shipped spec does not overwrite a stored app.
func TestDevAppChangeSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	registerDevApp(t, m1, "https://merchant.example/gateway", http.StatusCreated)
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	var list []map[string]any
	m2.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
	if len(list) != 2 || list[0]["app_id"] != keys.DevAppID || list[0]["app_gateway_url"] != "https://merchant.example/gateway" {
		t.Fatalf("the dev apps after a restart: %v, want the dev app's stored app_gateway_url https://merchant.example/gateway", list)
	}
}

// An app given at start (--apps-file, Options.Apps) is the user's explicit
// configuration: a restart with it replaces a change made through the
// control API, and says so in the log.
func TestAppsFileAppReplacesStoredChangeOnRestart(t *testing.T) {
	dir := t.TempDir()
	spec := apps.Spec{AppID: "9021000100000077", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA2", Name: "from the file"}
	m1 := mocktest.New(t, mock.Options{DataDir: dir, Apps: []apps.Spec{spec}})
	m1.Control(http.MethodPost, "/apps", map[string]string{"app_id": spec.AppID, "public_key": spec.PublicKey, "sign_type": "RSA2",
		"name": "changed", "app_gateway_url": "https://merchant.example/gateway"}, http.StatusCreated)
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	m2 := mocktest.New(t, mock.Options{DataDir: dir, Apps: []apps.Spec{spec}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	var list []map[string]any
	m2.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
	for _, a := range list {
		if a["app_id"] == spec.AppID && (a["name"] != "from the file" || a["app_gateway_url"] != nil) {
			t.Errorf("the apps file's app after a restart: %v, want the file's spec", a)
		}
	}
	if !strings.Contains(logs.String(), `msg="app replaced by the configuration" app_id=9021000100000077`) {
		t.Errorf("no log line says the stored app was replaced:\n%s", logs.String())
	}
}

// --no-dev-app on a used --data directory or a shared --store: a stored app
// whose public key is the shipped dev app key (the dev app a first start
// stored, or another id registered with that key) is not served, and the
// warn log names it; an app with a key of its own, or given at start, is
// served, and POST /_mock/apps refuses the dev key.
func TestNoDevAppDropsStoredDevKeyApps(t *testing.T) {
	t.Run("data", func(t *testing.T) {
		dir := t.TempDir()
		m1 := mocktest.New(t, mock.Options{DataDir: dir})
		storeDevKeyApps(t, m1)
		if err := m1.Srv.Close(); err != nil {
			t.Fatal(err)
		}
		noDevKeyApps(t, mock.Options{DataDir: dir})
	})
	t.Run("store", func(t *testing.T) {
		url := pgtest.URL(t)
		storeDevKeyApps(t, mocktest.New(t, mock.Options{Store: url}))
		noDevKeyApps(t, mock.Options{Store: url})
	})
}

// storeDevKeyApps registers a second app with the dev key and one with a
// key of its own.
func storeDevKeyApps(t *testing.T, m *mocktest.Mock) {
	t.Helper()
	own, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	for id, pub := range map[string]string{"9021000100000078": string(keys.DevFile("app_public_key.pem")), "2021004100000079": string(own.PublicPEM)} {
		m.Control(http.MethodPost, "/apps", map[string]string{"app_id": id, "public_key": pub, "sign_type": "RSA2"}, http.StatusCreated)
	}
}

func noDevKeyApps(t *testing.T, o mock.Options) {
	t.Helper()
	var logs lockedBuffer
	dev := string(keys.DevFile("app_public_key.pem"))
	o.NoDevApp, o.Logger = true, slog.New(slog.NewTextHandler(&logs, nil))
	o.Apps = []apps.Spec{{AppID: "9021000100000080", PublicKey: dev, SignType: "RSA2"}}
	m := mocktest.New(t, o)
	var list []map[string]any
	m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
	var ids []any
	for _, a := range list {
		ids = append(ids, a["app_id"])
	}
	if len(ids) != 2 || ids[0] != "2021004100000079" || ids[1] != "9021000100000080" {
		t.Errorf("with --no-dev-app the apps served are %v, want 2021004100000079 (its own key) and 9021000100000080 (given at start)", ids)
	}
	body := m.Control(http.MethodPost, "/apps", map[string]string{"app_id": "9021000100000081", "public_key": dev, "sign_type": "RSA2"}, http.StatusBadRequest)
	if !strings.Contains(string(body), "keys/dev/app_private_key.pem") {
		t.Errorf("POST /_mock/apps with the dev key under --no-dev-app: %s, want the refusal's reason", body)
	}
	for _, id := range []string{keys.DevAppID, "9021000100000078"} {
		if !strings.Contains(logs.String(), `msg="stored app not served" app_id=`+id) {
			t.Errorf("no warn line names the dropped app %s:\n%s", id, logs.String())
		}
	}
}

// --no-dev-app on a shared --store that holds the shipped dev apps (a
// first start stored them): the gateway, which reads an app it has not
// heard of from the database, does not serve them either.
func TestNoDevAppGatewayRefusesStoredDevApps(t *testing.T) {
	url := pgtest.URL(t)
	mocktest.New(t, mock.Options{Store: url}) // stores both shipped dev apps
	m := mocktest.New(t, mock.Options{Store: url, NoDevApp: true})
	for _, c := range []*mocktest.Mock{m, m.CertApp()} {
		body := string(c.Post(c.Params("alipay.trade.precreate", `{"out_trade_no":"NODEV1","total_amount":"1.00","subject":"s"}`, nil)))
		if !strings.Contains(body, "isv.invalid-app-id") {
			t.Errorf("--no-dev-app: a call signed with the public dev key as %s is answered %s, want isv.invalid-app-id", c.Params("x", "", nil)["app_id"], body)
		}
	}
}

// --no-dev-app on a shared --store: every reload of the apps (another
// replica changed one) leaves the stored dev apps out again, but the warn
// line names each once per process.
func TestNoDevAppWarnsOncePerStoredApp(t *testing.T) {
	url := pgtest.URL(t)
	m1 := mocktest.New(t, mock.Options{Store: url}) // stores both shipped dev apps
	var logs lockedBuffer
	m2 := mocktest.New(t, mock.Options{Store: url, NoDevApp: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	own, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	// Two changes heard one after the other: once the second is listed,
	// the first's reload is over.
	for _, id := range []string{"2021004100000091", "2021004100000092"} {
		m1.Control(http.MethodPost, "/apps", map[string]string{"app_id": id, "public_key": string(own.PublicPEM), "sign_type": "RSA2"}, http.StatusCreated)
		waitFor(t, func() bool {
			var list []map[string]any
			m2.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
			return slices.ContainsFunc(list, func(a map[string]any) bool { return a["app_id"] == id })
		})
	}
	for _, id := range []string{keys.DevAppID, keys.DevCertAppID} {
		if n := strings.Count(logs.String(), `msg="stored app not served" app_id=`+id); n != 1 {
			t.Errorf("%d warn lines name the dropped app %s, want 1:\n%s", n, id, logs.String())
		}
	}
}
