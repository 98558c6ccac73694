package pgstore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// rv-st: --no-dev-app on a shared --store leaves the stored dev app out of
// the registry (Restore, Checks.NoDevKey), but a gateway call naming it is
// answered after apps.Registry.Find reads it back from the database with
// checkKeys alone: the app whose private key is public is served again.
func TestRvstNoDevAppReplicaServesStoredDevAppThroughFind(t *testing.T) {
	url := pgURL(t)
	mocktest.New(t, mock.Options{Store: url}) // stores the shipped dev apps
	m := mocktest.New(t, mock.Options{Store: url, NoDevApp: true})
	var list []map[string]any
	m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
	for _, a := range list {
		if a["app_id"] == keys.DevAppID {
			t.Fatalf("precondition: --no-dev-app lists the dev app: %v", list)
		}
	}
	r, err := try(m, "alipay.trade.precreate", `{"out_trade_no":"RVST1","total_amount":"1.00","subject":"s"}`, nil)
	if err == nil && ok(r) {
		t.Fatalf("--no-dev-app replica served the dev app %s read from the store: %v", keys.DevAppID, r)
	}
	if err == nil || !strings.Contains(err.Error(), "isv.invalid-app-id") {
		t.Errorf("dev app on a --no-dev-app replica: %v %v, want isv.invalid-app-id", r, err)
	}
	var after []map[string]any
	m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &after)
	for _, a := range after {
		if a["app_id"] == keys.DevAppID {
			t.Errorf("after one call the --no-dev-app replica lists the dev app: %v", after)
		}
	}
}
