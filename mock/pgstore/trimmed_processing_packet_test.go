package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// With --store, the trim that deletes a merchant-funded red packet past
// --keep-red-packets gives back only an AUTHORIZED packet's rest
// (keep.go's packetRefundable). A packet whose agreement.pay answered
// 10003 is INIT, its payment completing by itself; once paid, nothing
// claimed, its automatic refund gives it all back. Trimmed before that, it
// must count as it was planned to end (docs/replicas.md,
// docs/red-packets.md): all of it back. The trim keeps the whole amount
// out of the merchant's balance for good.
func TestTrimmedProcessingRedPacketGivesItsWholeAmountBack(t *testing.T) {
	opts := mock.Options{}
	opts.Coupons.Keep = 1
	rs, url := replicasAt(t, 1, opts)
	m := rs[0].CertApp()
	trimmed := trimmedNotices(t, url)
	app := keys.DevCertAppID
	a, _ := m.Srv.Apps.Get(app)
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	// The first packet's payment answers 10003: INIT, paid 5 s later.
	m.Control(http.MethodPost, "/faults", map[string]any{"method": "alipay.fund.coupon.order.agreement.pay", "code": "10003", "execute": true}, http.StatusCreated)
	pay := func(no, code string) {
		t.Helper()
		if r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`); r["code"] != code {
			t.Fatalf("pay %s: %v, want code %s", no, r, code)
		}
	}
	pay("RR1PROC1", "10003")
	pay("RR1PROC2", "10000") // past the bound: RR1PROC1, still INIT, is trimmed
	trimmed()
	if st, body := get(t, m, "/_mock/red-packets/RR1PROC1?app_id="+app); st != http.StatusNotFound {
		t.Fatalf("RR1PROC1 not trimmed: %d %s", st, body)
	}
	m.Advance("72h") // past RR1PROC2's automatic refund: nothing was claimed of either
	var b balanceBody
	m.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
	if want := amount.MustParse("100.00"); b.Available != want {
		t.Errorf("balance %v after two unclaimed 10.00 packets ended (the first trimmed while its 10003 payment was under way), want %v", b.Available, want)
	}
}
