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
// Without it the balance ends 10.00 lower with --keep-red-packets 1 than
// with every packet kept, in memory and with --data.
func TestEvictedProcessingRedPacketGivesItsWholeAmountBack(t *testing.T) {
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
			// Both payments answer 10003: INIT, paid 5 s later. Packets no
			// sender paid are bounded among their own (limits.Fair), so
			// with --keep-red-packets 1 the second drops the first.
			pay := func(no string) {
				t.Helper()
				m.Control(http.MethodPost, "/faults", map[string]any{"method": "alipay.fund.coupon.order.agreement.pay", "code": "10003", "execute": true}, http.StatusCreated)
				expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`), "code", "10003")
			}
			pay("PROC1")
			pay("PROC2")
			if keep == 1 {
				m.Control(http.MethodGet, "/red-packets/PROC1?app_id="+app, nil, http.StatusNotFound) // dropped while INIT
			}
			m.Advance("72h") // past both packets' automatic refunds: nothing was claimed
			got[keep] = acctBalance(t, m, app)
		}
		if want := amount.MustParse("100.00"); got[-1] != want || got[1] != want {
			t.Errorf("data %v: balance after two unclaimed 10.00 packets ended (paid after a 10003): %v with every packet kept, %v with --keep-red-packets 1 (the first dropped while INIT); want %v",
				data, got[-1], got[1], want)
		}
	}
}
