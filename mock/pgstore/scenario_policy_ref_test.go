package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// With --store too, a refund naming both trade_no and out_trade_no acts
// on the trade_no's trade, and its rule's notification policy bends that
// trade's notifications (stored for every replica), not the
// out_trade_no's: production takes trade_no first.
func TestReplicasNotifyPolicyGoesToTheTradeTheRequestActsOn(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	shop := mocktest.NewMerchant(t, "success").URL
	rs[0].Control(http.MethodPost, "/scenarios?name=sil", "name: sil\nrules:\n  - name: r\n    when: {method: alipay.trade.refund, biz: {out_trade_no: {prefix: \"SIL-\"}}}\n"+
		"    then: {notify: {suppress: true}}\n", http.StatusCreated)
	nos := map[string]string{}
	for _, out := range []string{"SIL-1", "OTH-1"} {
		p := rs[0].Params("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = shop + "/notify" })
		r := rs[0].Verify("alipay.trade.pay", rs[0].Post(p), true)
		if !ok(r) {
			t.Fatalf("pay %s: %v", out, r)
		}
		nos[out], _ = r["trade_no"].(string)
	}
	if r := rs[0].Call("alipay.trade.refund", `{"out_trade_no":"SIL-1","trade_no":"`+nos["OTH-1"]+`","refund_amount":"1.00","out_request_no":"R1"}`); !ok(r) || r["out_trade_no"] != "OTH-1" {
		t.Fatalf("refund naming both: %v, want OTH-1 refunded", r)
	}
	if r := rs[1].Call("alipay.trade.refund", `{"trade_no":"`+nos["SIL-1"]+`","refund_amount":"1.00","out_request_no":"R2"}`); !ok(r) {
		t.Fatalf("refund of SIL-1: %v", r)
	}
	rs[0].Advance("1m")
	// Each trade has its payment's notice and its refund's; wait for the
	// refund's in the state it should reach.
	for _, c := range []struct {
		out   string
		query string
	}{{"OTH-1", "state=suppressed&count=1"}, {"SIL-1", "state=delivered&count=2"}} {
		refund := false
		list := rs[1].Notifications("out_trade_no=" + c.out + "&" + c.query)
		for _, n := range list {
			refund = refund || n.Params["gmt_refund"] != ""
		}
		if !refund {
			t.Errorf("%s's refund notice is not %s: %d listed", c.out, c.query, len(list))
			for _, n := range rs[1].Notifications("out_trade_no=" + c.out) {
				t.Logf("%s %s gmt_refund=%q", n.ID, n.State, n.Params["gmt_refund"])
			}
		}
	}
}
