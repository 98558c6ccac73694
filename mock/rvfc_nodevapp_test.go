package mock_test

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// --no-dev-app with --store: the stored dev app (a first start without the
// flag stored it) is not listed, but the gateway must not serve it either.
// The gateway's Apps.Find reads an app it has not heard of from the
// database and checks only the key sizes, not --no-dev-app's dev key.
func TestRvfcNoDevAppStoreGatewayServesStoredDevApp(t *testing.T) {
	url := pgtest.URL(t)
	mocktest.New(t, mock.Options{Store: url}) // stores both shipped dev apps
	m := mocktest.New(t, mock.Options{Store: url, NoDevApp: true})
	for _, c := range []*mocktest.Mock{m, m.CertApp()} {
		body := string(c.Post(c.Params("alipay.trade.precreate", `{"out_trade_no":"RVFC1","total_amount":"1.00","subject":"s"}`, nil)))
		if !strings.Contains(body, "isv.invalid-app-id") {
			t.Errorf("--no-dev-app: a call signed with the public dev key as %s is answered %s, want isv.invalid-app-id", c.Params("x", "", nil)["app_id"], body)
		}
	}
}
