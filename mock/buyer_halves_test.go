package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// One Alipay account is one user: a buyer named on the QR page by its
// buyer_logon_id alone pays as the same buyer_user_id on every trade, and
// one named by buyer_id alone with the same logon, as a barcode's buyer
// (fixtures.CodeBuyer) and a payee's user (fixtures.UserIDOf) are derived.
func TestOneLogonIsOneBuyerAcrossTrades(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paid := func(out string, buyer url.Values) map[string]any {
		t.Helper()
		pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`)
		buyer.Set("action", "pay")
		if r, body := cashierPost(t, pre["qr_code"].(string), buyer); r.StatusCode != http.StatusOK || !strings.Contains(body, "支付成功") {
			t.Fatalf("%s: HTTP %d", out, r.StatusCode)
		}
		return m.Call("alipay.trade.query", `{"out_trade_no":"`+out+`"}`)
	}
	a1 := paid("ALICE-1", url.Values{"buyer_logon_id": {"alice@example.com"}})
	a2 := paid("ALICE-2", url.Values{"buyer_logon_id": {"alice@example.com"}})
	if a1["buyer_user_id"] != a2["buyer_user_id"] {
		t.Errorf("alice@example.com paid as two users: buyer_user_id %v and %v", a1["buyer_user_id"], a2["buyer_user_id"])
	}
	b1 := paid("BOB-1", url.Values{"buyer_id": {"2088000000000042"}})
	b2 := paid("BOB-2", url.Values{"buyer_id": {"2088000000000042"}})
	if b1["buyer_logon_id"] != b2["buyer_logon_id"] {
		t.Errorf("user 2088000000000042 paid with two accounts: buyer_logon_id %v and %v", b1["buyer_logon_id"], b2["buyer_logon_id"])
	}
}

// A buyer named by a user id alone pays with the logon the mock knows for
// it (that of a buyer of the app's paid trades), as one named by a logon
// alone is the user the mock knows for it: one user on every trade
// (docs/pages.md). Before, a user id alone always got fixtures.LogonOf.
func TestUserIDNamedAlonePaysWithTheLogonTheMockKnows(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const user, logon = "2088000000000778", "bh.known@example.com"
	for _, out := range []string{"BH-K1", "BH-K2", "BH-K3"} {
		expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`), "code", "10000")
	}
	m.Control("POST", "/trades/BH-K1/pay", map[string]string{"buyer_id": user, "buyer_logon_id": logon}, http.StatusOK)
	m.Control("POST", "/trades/BH-K2/pay", map[string]string{"buyer_logon_id": logon}, http.StatusOK)
	m.Control("POST", "/trades/BH-K3/pay", map[string]string{"buyer_id": user}, http.StatusOK)
	k1 := m.Call("alipay.trade.query", `{"out_trade_no":"BH-K1"}`)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"BH-K2"}`), "buyer_user_id", user) // logon alone: the known user
	if k3 := m.Call("alipay.trade.query", `{"out_trade_no":"BH-K3"}`); k3["buyer_logon_id"] != k1["buyer_logon_id"] {
		t.Errorf("user %s named alone pays as %v; the mock knows its logon %v (%s)", user, k3["buyer_logon_id"], k1["buyer_logon_id"], logon)
	}
}

// So with a red packet's agreement pay: its payer_user_id pays with the
// logon the mock knows for that user, as a trade's buyer named alone does.
func TestAgreementPayerPaysWithTheLogonTheMockKnows(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true}) // the test is about the payer, not certificate mode
	const user, logon = "2088000000000779", "bh.agreement@example.com"
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"BH-A1","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/BH-A1/pay", map[string]string{"buyer_id": user, "buyer_logon_id": logon}, http.StatusOK)
	known := m.Call("alipay.trade.query", `{"out_trade_no":"BH-A1"}`)["buyer_logon_id"]
	expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"BH-RP","out_request_no":"BH-RP-pay","order_title":"红包","amount":"1.00","payer_user_id":"`+user+`"}`), "code", "10000")
	q := m.Call("alipay.fund.coupon.operation.query", `{"out_order_no":"BH-RP","out_request_no":"BH-RP-pay"}`)
	if q["payer_logon_id"] != known {
		t.Errorf("agreement payer %s pays as %v; the mock knows its logon %v (%s)", user, q["payer_logon_id"], known, logon)
	}
}
