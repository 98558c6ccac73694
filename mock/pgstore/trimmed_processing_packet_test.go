package pgstore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// With --store, a merchant-funded red packet trimmed past
// --keep-red-packets counts as it was planned to end (docs/replicas.md,
// docs/red-packets.md; keep.go's packetRefundable). One whose
// agreement.pay answered 10003 is INIT, its payment completing by itself;
// once paid, nothing claimed, its automatic refund gives it all back.
// Trimmed before that, all of it comes back too: the trim once counted
// only an AUTHORIZED packet's rest and kept the whole amount out for good.
func TestTrimmedProcessingRedPacketGivesItsWholeAmountBack(t *testing.T) {
	opts := mock.Options{}
	opts.Coupons.Keep = 1
	rs, url := replicasAt(t, 1, opts)
	m := rs[0].CertApp()
	trimmed := trimmedNotices(t, url)
	app := keys.DevCertAppID
	a, _ := m.Srv.Apps.Get(app)
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	// Both payments answer 10003: INIT, paid 5 s later. The rows no sender
	// paid are bounded among their own, so the second trims the first.
	pay := func(no string) {
		t.Helper()
		m.Control(http.MethodPost, "/faults", map[string]any{"method": "alipay.fund.coupon.order.agreement.pay", "code": "10003", "execute": true}, http.StatusCreated)
		if r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`); r["code"] != "10003" {
			t.Fatalf("pay %s: %v, want code 10003", no, r)
		}
	}
	pay("PROC1")
	pay("PROC2") // past the bound: PROC1, still INIT, is trimmed
	trimmed()
	if st, body := get(t, m, "/_mock/red-packets/PROC1?app_id="+app); st != http.StatusNotFound {
		t.Fatalf("PROC1 not trimmed: %d %s", st, body)
	}
	m.Advance("72h") // past PROC2's automatic refund: nothing was claimed of either
	// The advance answers once its deadlines are applied: the balance read
	// first shows PROC2's refund (TestAdvanceAnswersAfterItsRedPacketDeadlines).
	var b balanceBody
	m.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
	if want := amount.MustParse("100.00"); b.Available != want {
		t.Errorf("balance %v after two unclaimed 10.00 packets ended (the first trimmed while its 10003 payment was under way), want %v", b.Available, want)
	}
	if st, body := get(t, m, "/_mock/red-packets/PROC2?app_id="+app); st != http.StatusOK || !strings.Contains(body, `"status":"FINISH"`) {
		t.Fatalf("PROC2 after its automatic refund: %d %s", st, body)
	}
}
