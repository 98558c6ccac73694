package pgstore_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// A payment answered 10000 on replica a has its notification stored
// before the answer left (docs/replicas.md), so GET /_mock/notifications
// and GET /_mock/notifications/{id} on replica b right after it show it,
// as on one mock: b takes up what was stored before it answers such a
// read, not only at its next follow poll (every 100 ms).
func TestReplicasShowANotificationOnAnotherReplicaRightAfterItsPayment(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	missed := 0
	for i := 0; i < 5; i++ {
		out := fmt.Sprintf("NR%d", i)
		r, err := try(a, "alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = merchant.URL })
		if err != nil || !ok(r) {
			t.Fatalf("pay: %v %v", r, err)
		}
		var list []notify.Notification
		b.ControlJSON(http.MethodGet, "/notifications?out_trade_no="+out, nil, http.StatusOK, &list)
		if len(list) != 1 {
			missed++
		}
	}
	// One notification by its id, taken from the replica that made it.
	if _, err := try(a, "alipay.trade.pay", `{"out_trade_no":"NRID","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL }); err != nil {
		t.Fatal(err)
	}
	var onA []notify.Notification
	a.ControlJSON(http.MethodGet, "/notifications?out_trade_no=NRID", nil, http.StatusOK, &onA)
	if len(onA) != 1 {
		t.Fatalf("a lists %d notifications of its own payment", len(onA))
	}
	if st, body := get(t, b, "/_mock/notifications/"+onA[0].ID); st != http.StatusOK {
		t.Errorf("GET /_mock/notifications/%s on b right after a answered the payment: HTTP %d %.200s, want 200", onA[0].ID, st, body)
	}
	if missed > 0 {
		t.Errorf("%d of 5 payments' notifications not listed on the other replica right after the payment was answered", missed)
	}
}

// A TRADE_FINISHED notice is built once, by the replica that finished
// the trade, and read from the database by another: its gmt_close and
// refund_fee (the refunded total) are what each replica shows.
func TestReplicasShowATradeFinishedNoticesGmtCloseAndRefundFee(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 2, mock.Options{Notify: notify.Options{Finished: notify.Always}})
	a, b := rs[0], rs[1]
	r, err := try(a, "alipay.trade.pay", `{"out_trade_no":"NFIN","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL })
	if err != nil || !ok(r) {
		t.Fatalf("pay: %v %v", r, err)
	}
	if r, err = try(b, "alipay.trade.refund", `{"out_trade_no":"NFIN","refund_amount":"4.00","out_request_no":"R1"}`, nil); err != nil || !ok(r) {
		t.Fatalf("refund: %v %v", r, err)
	}
	b.Advance("9000h") // past the refund window
	for _, m := range rs {
		var found bool
		for _, n := range m.Notifications("out_trade_no=NFIN&count=3") {
			if n.TradeStatus != "TRADE_FINISHED" {
				continue
			}
			found = true
			if n.Params["gmt_close"] == "" || n.Params["refund_fee"] != "4.00" || n.Params["gmt_refund"] != "" {
				t.Errorf("TRADE_FINISHED notice: gmt_close %q refund_fee %q gmt_refund %q; want the trade's end, 4.00 and none",
					n.Params["gmt_close"], n.Params["refund_fee"], n.Params["gmt_refund"])
			}
		}
		if !found {
			t.Error("no TRADE_FINISHED notice")
		}
	}
}
