package mock_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
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
