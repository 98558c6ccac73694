package mock_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A clock advance answers once every deadline it passed is applied
// (docs/clock-and-notifications.md): a red packet whose payment answered
// 10003 completes 5 s later and its automatic refund comes at its end, so
// the balance and the packet read right after one advance past both show
// the refund, in memory and with --data. mock/pgstore's
// TestAdvanceAnswersAfterItsRedPacketDeadlines proves it with --store.
func TestAdvanceAnswersAfterItsRedPacketDeadlines(t *testing.T) {
	for _, data := range []bool{false, true} {
		t.Run(fmt.Sprint("data=", data), func(t *testing.T) {
			o := mock.Options{}
			if data {
				o.DataDir = t.TempDir()
			}
			m := mocktest.New(t, o).CertApp()
			app := keys.DevCertAppID
			a, _ := m.Srv.Apps.Get(app)
			balance := func() string {
				t.Helper()
				r := m.Call("alipay.fund.account.query", `{"alipay_user_id":"`+a.Seller.UserID+`","account_type":"ACCTRANS_ACCOUNT"}`)
				expect(t, r, "code", "10000")
				return fmt.Sprint(r["available_amount"])
			}
			m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
			m.Control(http.MethodPost, "/faults", map[string]any{"method": "alipay.fund.coupon.order.agreement.pay", "code": "10003", "execute": true}, http.StatusCreated)
			expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"ADV1","out_request_no":"ADV1P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`), "code", "10003")
			if got := balance(); got != "90.00" {
				t.Fatalf("balance %s while the packet's payment is under way, want 90.00", got)
			}
			fired := m.Advance("72h")
			if got := balance(); got != "100.00" {
				t.Fatalf("balance %s right after the advance, want 100.00 (the packet refunded)", got)
			}
			if !strings.Contains(fmt.Sprint(fired["fired"]), "red_packet.refunded") {
				t.Errorf("advance fired %v, want the packet's automatic refund among it", fired["fired"])
			}
			if b := string(m.Control(http.MethodGet, "/red-packets/ADV1?app_id="+app, nil, http.StatusOK)); !strings.Contains(b, `"status":"FINISH"`) {
				t.Fatalf("ADV1 after its automatic refund: %s", b)
			}
		})
	}
}
