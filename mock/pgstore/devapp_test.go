package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// With --store, a replica that starts on a database holding the dev app
// (changed through the control API) keeps that app: the shipped spec does
// not replace it, as with --data.
func TestStartingReplicaKeepsTheStoredDevApp(t *testing.T) {
	url := pgURL(t)
	m1 := mocktest.New(t, mock.Options{Store: url})
	m1.Control(http.MethodPost, "/apps", map[string]string{"app_id": keys.DevAppID, "public_key": string(keys.DevFile("app_public_key.pem")),
		"sign_type": "RSA2", "app_gateway_url": "https://merchant.example/gateway"}, http.StatusCreated)
	m2 := mocktest.New(t, mock.Options{Store: url})
	for _, m := range []*mocktest.Mock{m2, m1} {
		var list []map[string]any
		m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
		if len(list) != 2 || list[0]["app_id"] != keys.DevAppID || list[0]["app_gateway_url"] != "https://merchant.example/gateway" {
			t.Errorf("the dev apps once another replica started: %v, want the dev app's stored app_gateway_url", list)
		}
	}
}
