package mock_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// One open id is one buyer: alipay.trade.create naming the buyer by a
// buyer_open_id the mock does not know gives every trade for it the same
// buyer_user_id and buyer_logon_id, across a restart on --data too.
// Before, each create drew a new buyer.
func TestOneOpenIDIsOneBuyerAcrossTrades(t *testing.T) {
	open := fixtures.OpenID(keys.DevAppID, "2088000000000931") // a user the mock never saw
	create := func(m *mocktest.Mock, out string) map[string]any {
		t.Helper()
		expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s","buyer_open_id":"`+open+`"}`), "code", "10000")
		q := m.Call("alipay.trade.query", `{"out_trade_no":"`+out+`"}`)
		if q["buyer_user_id"] == nil || q["buyer_logon_id"] == nil {
			t.Fatalf("%s: no buyer in %v", out, q)
		}
		return q
	}
	same := func(what string, a, b map[string]any) {
		t.Helper()
		for _, k := range []string{"buyer_user_id", "buyer_logon_id"} {
			if a[k] != b[k] {
				t.Errorf("%s: open id %s is two buyers: %s %v and %v", what, open, k, a[k], b[k])
			}
		}
	}
	t.Run("memory", func(t *testing.T) {
		m := mocktest.New(t, mock.Options{})
		same("two creates", create(m, "OI-1"), create(m, "OI-2"))
	})
	t.Run("data", func(t *testing.T) {
		dir := t.TempDir()
		m1 := mocktest.New(t, mock.Options{DataDir: dir})
		first := create(m1, "OID-1")
		if err := m1.Srv.Close(); err != nil {
			t.Fatal(err)
		}
		m2 := mocktest.New(t, mock.Options{DataDir: dir})
		same("across a restart", first, create(m2, "OID-2"))
	})
}

// An open id the mock knows names its user: that of a buyer who paid one
// of the app's trades (with the logon it paid with), or that of a user the
// app signed in. An open id is per app: another app's names someone else.
func TestAKnownOpenIDIsItsBuyer(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const user, logon = "2088000000000932", "oi.known@example.com"
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"OK-PAID","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/OK-PAID/pay", map[string]string{"buyer_id": user, "buyer_logon_id": logon}, http.StatusOK)
	paid := m.Call("alipay.trade.query", `{"out_trade_no":"OK-PAID"}`)
	expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"OK-1","total_amount":"1.00","subject":"s","buyer_open_id":"`+fixtures.OpenID(keys.DevAppID, user)+`"}`), "code", "10000")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"OK-1"}`), "buyer_user_id", user, "buyer_logon_id", paid["buyer_logon_id"].(string))

	// A user an app of user_id_type open_id signed in.
	const app, signed = "2021000000000033", "2088000000000933"
	s := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: app, AppCert: string(keys.DevAppCertPEM()), UserIDType: "open_id"}}}).CertApp()
	var code struct {
		Code string `json:"auth_code"`
	}
	s.ControlJSON(http.MethodPost, "/user-auth-codes", `{"app_id":"`+app+`","user_id":"`+signed+`"}`, http.StatusCreated, &code)
	c := s.Client(func(cfg *client.Config) { cfg.AppID, cfg.AppCert = app, string(keys.DevAppCertPEM()) })
	ctx := context.Background()
	tok, err := c.OAuthToken(ctx, code.Code)
	if err != nil || tok.OpenID == "" {
		t.Fatalf("sign-in: %+v %v", tok, err)
	}
	buyerOf := func(c *client.Client, app, out string) string {
		t.Helper()
		r, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("1.00"), Subject: "s"}, BuyerOpenID: tok.OpenID})
		if err != nil || r.Code != "10000" {
			t.Fatalf("%s: create: %+v %v", out, r, err)
		}
		var tr struct {
			Buyer struct {
				UserID string `json:"buyer_id"`
			} `json:"buyer"`
		}
		s.ControlJSON(http.MethodGet, "/trades/"+out+"?app_id="+app, nil, http.StatusOK, &tr)
		return tr.Buyer.UserID
	}
	if got := buyerOf(c, app, "OK-SIGNED"); got != signed {
		t.Errorf("created for the open id sign-in gave user %s: buyer %s", signed, got)
	}
	// The same open id under another app is not that user.
	if got := buyerOf(s.Client(nil), keys.DevCertAppID, "OK-OTHER"); got == signed || got == "" {
		t.Errorf("another app's trade for app %s's open id of user %s: buyer %q", app, signed, got)
	}
}

// One open id is one buyer, buyer.name too: alipay.trade.create for a
// known buyer's open id, user id or logon alone takes that buyer's name,
// so a transfer to the open id naming the buyer.name its trade shows
// (docs/transfers.md) is paid; an unknown open id's derived buyer has one
// name on every trade. Before, each create drew a new name, and that
// transfer was PAYEE_USER_INFO_ERROR.
func TestOneOpenIDIsOneBuyerName(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"OIB-N-PAID","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/OIB-N-PAID/pay", nil, http.StatusOK) // a fake buyer, with a name
	var paid, made openIDTrade
	m.ControlJSON(http.MethodGet, "/trades/OIB-N-PAID?app_id="+m.AppID, nil, http.StatusOK, &paid)
	user := paid.Buyer.UserID
	open := fixtures.OpenID(m.AppID, user)
	expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"OIB-N-1","total_amount":"1.00","subject":"s","buyer_open_id":"`+open+`"}`), "code", "10000")
	m.ControlJSON(http.MethodGet, "/trades/OIB-N-1?app_id="+m.AppID, nil, http.StatusOK, &made)
	if made.Buyer.UserID != paid.Buyer.UserID {
		t.Fatalf("created for %s's open id: buyer %+v, want %+v", user, made.Buyer, paid.Buyer)
	}
	if made.Buyer.Name != paid.Buyer.Name {
		t.Errorf("one buyer, two names: %q on the trade it paid, %q on the trade created for its open id", paid.Buyer.Name, made.Buyer.Name)
	}
	c := m.Client(nil)
	_, err := c.Transfer(context.Background(), client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "OIB-N-T", TransAmount: amount.MustParse("1.00"),
		PayeeInfo: client.Participant{Identity: open, IdentityType: "ALIPAY_OPEN_ID", Name: made.Buyer.Name}})
	if err != nil {
		t.Errorf("transfer to the open id naming the buyer.name its trade OIB-N-1 shows (%q): %v", made.Buyer.Name, err)
	}

	// Its user id or its logon named alone is the same buyer, name and all.
	for out, named := range map[string]string{"OIB-N-U": `"buyer_id":"` + user + `"`, "OIB-N-L": `"buyer_logon_id":"` + paid.Buyer.Account + `"`} {
		var tr openIDTrade
		expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s",`+named+`}`), "code", "10000")
		m.ControlJSON(http.MethodGet, "/trades/"+out+"?app_id="+m.AppID, nil, http.StatusOK, &tr)
		if tr.Buyer.UserID != user || tr.Buyer.Name != paid.Buyer.Name {
			t.Errorf("created for %s: buyer %+v, want %+v", named, tr.Buyer, paid.Buyer)
		}
	}

	// Unknown to the mock: each create for the open id is one derived buyer.
	other := fixtures.OpenID(m.AppID, "2088000000000942")
	var a, b openIDTrade
	for out, tr := range map[string]*openIDTrade{"OIB-N-2": &a, "OIB-N-3": &b} {
		expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s","buyer_open_id":"`+other+`"}`), "code", "10000")
		m.ControlJSON(http.MethodGet, "/trades/"+out+"?app_id="+m.AppID, nil, http.StatusOK, tr)
	}
	if a.Buyer.UserID != b.Buyer.UserID || a.Buyer.Name != b.Buyer.Name {
		t.Errorf("one open id, two buyers: %+v and %+v", a.Buyer, b.Buyer)
	}
}

// An open id the mock never gave (docs/sign-in.md, "An open id the mock
// did not give") is a user derived from it, whose own open id for the app
// is another: the trade created for the made-up one reports it, the
// user's other trades report the user's own (fixtures.OpenID).
func TestAMadeUpOpenIDsUserHasItsOwnOpenIDElsewhere(t *testing.T) {
	const app = "2021000000000035"
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: app, AppCert: string(keys.DevAppCertPEM()), UserIDType: "open_id"}}}).CertApp()
	c := m.Client(func(cfg *client.Config) { cfg.AppID, cfg.AppCert = app, string(keys.DevAppCertPEM()) })
	ctx := context.Background()
	open := fixtures.OpenID(app, "2088000000000971") // a user the mock never saw
	if r, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "OIB-D-1", TotalAmount: amount.MustParse("1.00"), Subject: "s"}, BuyerOpenID: open}); err != nil || r.Code != "10000" {
		t.Fatalf("create: %+v %v", r, err)
	}
	var tr openIDTrade
	m.ControlJSON(http.MethodGet, "/trades/OIB-D-1?app_id="+app, nil, http.StatusOK, &tr)
	user := tr.Buyer.UserID
	if user != fixtures.UserIDOf(open) {
		t.Fatalf("created for made-up open id %s: buyer %s, want %s (derived)", open, user, fixtures.UserIDOf(open))
	}
	if r, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "OIB-D-2", TotalAmount: amount.MustParse("1.00"), Subject: "s"}}); err != nil || r.Code != "10000" {
		t.Fatalf("precreate: %+v %v", r, err)
	}
	m.Control("POST", "/trades/OIB-D-2/pay?app_id="+app, map[string]string{"buyer_id": user}, http.StatusOK)
	for out, want := range map[string]string{"OIB-D-1": open, "OIB-D-2": fixtures.OpenID(app, user)} {
		q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: out})
		if err != nil {
			t.Fatal(err)
		}
		if q.BuyerOpenID != want {
			t.Errorf("%s: buyer_open_id %s, want %s", out, q.BuyerOpenID, want)
		}
	}
}

// openIDTrade is the buyer GET /_mock/trades/{ref} shows.
type openIDTrade struct {
	Buyer fixtures.Buyer `json:"buyer"`
}
