package mock_test

import (
	"context"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

type rv2buyTrade struct {
	Buyer fixtures.Buyer `json:"buyer"`
}

// One open id is one buyer (CHANGELOG, docs/sign-in.md), but each trade
// alipay.trade.create makes for it has a new buyer.name: the known buyer's
// name is not taken, and a transfer to that open id naming the buyer
// (docs/transfers.md: "name ... must be the buyer's name (the trade's
// buyer.name in GET /_mock/trades/{ref})") is PAYEE_USER_INFO_ERROR for
// the name the open id's own trade shows.
func TestRv2buyOneOpenIDIsOneBuyerName(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"RV2-N-PAID","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/RV2-N-PAID/pay", nil, http.StatusOK) // a fake buyer, with a name
	var paid, made rv2buyTrade
	m.ControlJSON(http.MethodGet, "/trades/RV2-N-PAID?app_id="+m.AppID, nil, http.StatusOK, &paid)
	user := paid.Buyer.UserID
	open := fixtures.OpenID(m.AppID, user)
	expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"RV2-N-1","total_amount":"1.00","subject":"s","buyer_open_id":"`+open+`"}`), "code", "10000")
	m.ControlJSON(http.MethodGet, "/trades/RV2-N-1?app_id="+m.AppID, nil, http.StatusOK, &made)
	if made.Buyer.UserID != paid.Buyer.UserID {
		t.Fatalf("created for %s's open id: buyer %+v, want %+v", user, made.Buyer, paid.Buyer)
	}
	if made.Buyer.Name != paid.Buyer.Name {
		t.Errorf("one buyer, two names: %q on the trade it paid, %q on the trade created for its open id", paid.Buyer.Name, made.Buyer.Name)
	}
	c := m.Client(nil)
	_, err := c.Transfer(context.Background(), client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "RV2-N-T", TransAmount: amount.MustParse("1.00"),
		PayeeInfo: client.Participant{Identity: open, IdentityType: "ALIPAY_OPEN_ID", Name: made.Buyer.Name}})
	if err != nil {
		t.Errorf("transfer to the open id naming the buyer.name its trade RV2-N-1 shows (%q): %v", made.Buyer.Name, err)
	}

	// Unknown to the mock: each create for the open id names the buyer anew.
	other := fixtures.OpenID(m.AppID, "2088000000000942")
	var a, b rv2buyTrade
	for out, tr := range map[string]*rv2buyTrade{"RV2-N-2": &a, "RV2-N-3": &b} {
		expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s","buyer_open_id":"`+other+`"}`), "code", "10000")
		m.ControlJSON(http.MethodGet, "/trades/"+out+"?app_id="+m.AppID, nil, http.StatusOK, tr)
	}
	if a.Buyer.UserID != b.Buyer.UserID || a.Buyer.Name != b.Buyer.Name {
		t.Errorf("one open id, two buyers: %+v and %+v", a.Buyer, b.Buyer)
	}
}

// An open id the mock does not know is a user derived from it, but that
// user's open id for the app (fixtures.OpenID) is another one: the same
// buyer, paying the app's next trade as itself (its buyer_id, as GET
// /_mock/trades shows it), is reported to the app under a second open id,
// against "the same user has the same open id in sign-in, trades and
// transfers of one app" (docs/sign-in.md).
func TestRv2buyDerivedOpenIDBuyerHasOneOpenID(t *testing.T) {
	const app = "2021000000000035"
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: app, AppCert: string(keys.DevAppCertPEM()), UserIDType: "open_id"}}}).CertApp()
	c := m.Client(func(cfg *client.Config) { cfg.AppID, cfg.AppCert = app, string(keys.DevAppCertPEM()) })
	ctx := context.Background()
	open := fixtures.OpenID(app, "2088000000000971") // a user the mock never saw
	if r, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "RV2-D-1", TotalAmount: amount.MustParse("1.00"), Subject: "s"}, BuyerOpenID: open}); err != nil || r.Code != "10000" {
		t.Fatalf("create: %+v %v", r, err)
	}
	var tr rv2buyTrade
	m.ControlJSON(http.MethodGet, "/trades/RV2-D-1?app_id="+app, nil, http.StatusOK, &tr)
	if r, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "RV2-D-2", TotalAmount: amount.MustParse("1.00"), Subject: "s"}}); err != nil || r.Code != "10000" {
		t.Fatalf("precreate: %+v %v", r, err)
	}
	m.Control("POST", "/trades/RV2-D-2/pay?app_id="+app, map[string]string{"buyer_id": tr.Buyer.UserID}, http.StatusOK)
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "RV2-D-2"})
	if err != nil {
		t.Fatal(err)
	}
	if q.BuyerOpenID != open {
		t.Errorf("buyer %s (of RV2-D-1, created for open id %s) paid RV2-D-2: reported as open id %s", tr.Buyer.UserID, open, q.BuyerOpenID)
	}
}
