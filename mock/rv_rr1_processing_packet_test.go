package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A merchant-funded red packet whose agreement.pay answered 10003 is INIT,
// its payment completing by itself (docs/red-packets.md: "it completes on
// a retry, a query, or 5 s later on the clock"); once paid, nothing
// claimed, its automatic refund gives the whole amount back. Dropped past
// --keep-red-packets before that, it must count "as it was planned to
// end" (docs/red-packets.md, coupon.Order.DroppedOutlay): all of it back.
// DroppedOutlay gives back the rest of an AUTHORIZED packet only, so an
// INIT one keeps its whole amount out of the merchant's balance for good:
// with --keep-red-packets 1 the balance ends 10.00 lower than with every
// packet kept, in memory and with --data.
func TestRVEvictedProcessingRedPacketKeepsItsWholeAmountOut(t *testing.T) {
	for _, data := range []bool{false, true} {
		got := map[int]amount.Amount{}
		for _, keep := range []int{-1, 1} {
			o := mock.Options{}
			if data {
				o.DataDir = t.TempDir()
			}
			o.Coupons.Keep = keep
			m := mocktest.New(t, o).CertApp()
			app := keys.DevCertAppID
			a, _ := m.Srv.Apps.Get(app)
			m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
			// The first packet's payment answers 10003: INIT, paid 5 s later.
			m.Control(http.MethodPost, "/faults", map[string]any{"method": "alipay.fund.coupon.order.agreement.pay", "code": "10003", "execute": true}, http.StatusCreated)
			pay := func(no, code string) {
				t.Helper()
				expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`), "code", code)
			}
			pay("RR1PROC1", "10003")
			pay("RR1PROC2", "10000") // with --keep-red-packets 1, RR1PROC1 goes now, still INIT
			m.Advance("72h")         // past both packets' automatic refunds: nothing was claimed
			got[keep] = acctBalance(t, m, app)
		}
		if got[-1] != got[1] {
			t.Errorf("data %v: balance after two unclaimed 10.00 packets ended (the first paid after a 10003): %v with every packet kept, %v with --keep-red-packets 1; want the same",
				data, got[-1], got[1])
		}
	}
}
