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
