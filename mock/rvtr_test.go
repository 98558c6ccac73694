package mock_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// batchquery's login_name for a userId receiver is "当前userId对应的支付宝登录号"
// (RoyaltyEntity). A receiver that is a buyer the mock knows, who paid
// with its logon, gets a logon made up from its user id instead of that
// one, so the same user has two logons (docs: "the mock knowing no real
// one").
func TestRvtrBatchqueryLoginNameOfAKnownBuyer(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const logon = "13800138000"
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"RVTR-KB","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/RVTR-KB/pay", map[string]string{"buyer_logon_id": logon}, http.StatusOK)
	q := m.Call("alipay.trade.query", `{"out_trade_no":"RVTR-KB"}`)
	user, shown := q["buyer_user_id"].(string), q["buyer_logon_id"]
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"RVTRB","receiver_list":[{"type":"userId","account":"`+user+`"}]}`), "code", "10000")
	r := m.Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"RVTRQ","page_num":1,"page_size":10}`)
	list, _ := r["receiver_list"].([]any)
	if len(list) != 1 {
		t.Fatalf("receiver_list %v", r)
	}
	if got := list[0].(map[string]any)["login_name"]; got != shown {
		t.Errorf("login_name of user %s: %v; the trade it paid shows buyer_logon_id %v (%s)", user, got, shown, logon)
	}
}

// A face payment's auth_code is "刷脸标识串（fp开头的35位字符串）"
// (AlipayTradePayModel); barcodes are held to digits, but faceTokenPattern
// is `^fp.{33}$`, so fp and 33 of anything (spaces, markup, Chinese: 101
// bytes past the 64 limit, counted in runes) pays as a face token.
func TestRvtrFaceTokenIsFpAnd33Alphanumerics(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, code := range []string{"fp" + strings.Repeat("中", 33), "fp" + strings.Repeat(" ", 33), "fp" + strings.Repeat("<", 33)} {
		r := m.Call("alipay.trade.pay", `{"out_trade_no":"RVTR-FT`+string(rune('0'+i))+`","scene":"security_code","auth_code":"`+code+`","total_amount":"1.00","subject":"s"}`)
		if r["sub_code"] != "ACQ.PAYMENT_AUTH_CODE_INVALID" {
			t.Errorf("auth_code %q: %v %v %v, want ACQ.PAYMENT_AUTH_CODE_INVALID", code, r["code"], r["sub_code"], r["buyer_user_id"])
		}
	}
}

// A buyer named by a logon alone is the user the mock knows for it (a
// buyer of the app's paid trades), but one named by a user id alone always
// gets fixtures.LogonOf, even when the mock knows that user's logon: the
// same user pays with two logons (docs/pages.md: "one user on every
// trade"). Red packet senders and batchquery's login_name share the rule.
func TestRvtrUserIDAloneIgnoresTheLogonTheMockKnows(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const user, logon = "2088000000000778", "rvtr.known@example.com"
	for _, out := range []string{"RVTR-K1", "RVTR-K2", "RVTR-K3"} {
		expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`), "code", "10000")
	}
	m.Control("POST", "/trades/RVTR-K1/pay", map[string]string{"buyer_id": user, "buyer_logon_id": logon}, http.StatusOK)
	m.Control("POST", "/trades/RVTR-K2/pay", map[string]string{"buyer_logon_id": logon}, http.StatusOK)
	m.Control("POST", "/trades/RVTR-K3/pay", map[string]string{"buyer_id": user}, http.StatusOK)
	k1 := m.Call("alipay.trade.query", `{"out_trade_no":"RVTR-K1"}`)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"RVTR-K2"}`), "buyer_user_id", user) // logon alone: the known user
	if k3 := m.Call("alipay.trade.query", `{"out_trade_no":"RVTR-K3"}`); k3["buyer_logon_id"] != k1["buyer_logon_id"] {
		t.Errorf("user %s named alone pays as %v; the mock knows its logon %v (%s)", user, k3["buyer_logon_id"], k1["buyer_logon_id"], logon)
	}
}

// Under a --public-url path the buyer pages' links stay under it, but the
// dashboard's links to those pages (trade detail: cashier page, QR page)
// are root-relative and leave it, unlike qr_code.
func TestRvtrDashboardBuyerPageLinksKeepThePublicURLPath(t *testing.T) {
	const base = "http://proxy.example/alipay"
	m := mocktest.New(t, mock.Options{PublicURL: base})
	pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"RVTR-DASH","total_amount":"1.00","subject":"s"}`)
	var tr struct {
		TradeNo string `json:"trade_no"`
	}
	m.ControlJSON(http.MethodGet, "/trades/RVTR-DASH", nil, http.StatusOK, &tr)
	resp, err := http.Get(m.URL + "/_mock/ui/trades/" + tr.TradeNo)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	at, _ := url.Parse(base + "/_mock/ui/trades/" + tr.TradeNo)
	for _, id := range []string{"cashier-link", "qr-link"} {
		l := regexp.MustCompile(`href="([^"]*)" id="` + id + `"`).FindStringSubmatch(string(b))
		if l == nil {
			t.Fatalf("HTTP %d: no %s", resp.StatusCode, id)
		}
		ref, _ := url.Parse(l[1])
		if got := at.ResolveReference(ref).String(); !strings.HasPrefix(got, base+"/") {
			t.Errorf("%s %q leads to %s, outside --public-url %s (qr_code %v)", id, l[1], got, base, pre["qr_code"])
		}
	}
}
