package mock_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// An app re-registered with another seller_id (POST /_mock/apps) moves to
// that merchant's account. In one process a transfer it made stays in the
// old account (Transfer.acct) while a restart with --data puts it in the
// new one (acct is not stored; Book.add recomputes it): the app's balance
// changes across the restart.
func TestRv2balReregisteredAppsBalanceSurvivesARestart(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const app = "2021000000000091"
	o := mock.Options{DataDir: t.TempDir(), FundPublicKey: true}
	m := mocktest.New(t, o)
	m.Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": "2088102146225191"}, http.StatusCreated)
	c := m.Client(func(c *client.Config) { c.AppID = app })
	transferTo(context.Background(), t, c, "RR-1", "10.00")
	m.Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": "2088102146225192"}, http.StatusCreated)
	before := balanceOf(m, app)
	m = restart(t, m, o)
	if after := balanceOf(m, app); after != before {
		t.Errorf("app re-registered with another seller: balance %s before a restart, %s after", before, after)
	}
}

