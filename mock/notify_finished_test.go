package mock_test

import (
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// finishedNotices pays out with a notify_url, runs refunds, moves the
// clock past the refund window and returns the TRADE_FINISHED notices, in
// memory and with --data.
func finishedNotices(t *testing.T, out string, refunds ...string) []received {
	t.Helper()
	var all []received
	for _, dir := range []string{"", t.TempDir()} {
		all = append(all, finishedNoticesIn(t, dir, out, refunds...)...)
	}
	return all
}

func finishedNoticesIn(t *testing.T, dir, out string, refunds ...string) []received {
	t.Helper()
	h := newHarness(t, mock.Options{DataDir: dir, Notify: notify.Options{Finished: notify.Always}})
	m := newMerchant(t, "success")
	h.payWithNotify(out, "10.00", m.URL)
	for i, r := range refunds {
		expect(t, h.call("alipay.trade.refund", `{"out_trade_no":"`+out+`","refund_amount":"`+r+`","out_request_no":"R`+string(rune('1'+i))+`"}`), "code", "10000")
	}
	h.advance(`{"by":"9000h"}`) // past the 365-day refund window
	var finished []received
	for _, c := range m.calls() {
		if c.form.Get("trade_status") == "TRADE_FINISHED" {
			finished = append(finished, c)
		}
	}
	if len(finished) == 0 {
		t.Fatalf("no TRADE_FINISHED notice (data directory %q)", dir)
	}
	return finished
}

// TRADE_FINISHED ends the trade: production's notice carries gmt_close, the
// time the trade ended. A captured app-pay notice
// (lokielse/omnipay-alipay tests/AopAppGatewayTest.php) reads
// "gmt_close":"2016-09-23 19:08:10","trade_status":"TRADE_FINISHED".
func TestTradeFinishedNoticeCarriesGmtClose(t *testing.T) {
	for _, c := range finishedNotices(t, "FIN1") {
		paid, err := timestamp.Parse(c.form.Get("gmt_payment"))
		if err != nil {
			t.Fatalf("gmt_payment %q: %v", c.form.Get("gmt_payment"), err)
		}
		if want := timestamp.Format(paid.Add(365 * 24 * time.Hour)); c.form.Get("gmt_close") != want {
			t.Errorf("TRADE_FINISHED notice: gmt_close %q, want %q (the refund window's end): %v", c.form.Get("gmt_close"), want, c.form)
		}
	}
}

// The captured TRADE_FINISHED notice above carries refund_fee ("0.00",
// no refund made): the trade's refunded total. A merchant that books the
// net amount on TRADE_FINISHED reads it.
func TestTradeFinishedNoticeCarriesRefundFee(t *testing.T) {
	for _, c := range finishedNotices(t, "FIN2") {
		if got := c.form.Get("refund_fee"); got != "0.00" {
			t.Errorf("TRADE_FINISHED notice of a trade never refunded: refund_fee %q, want \"0.00\"", got)
		}
		if c.form.Get("gmt_refund") != "" || c.form.Get("out_biz_no") != "" {
			t.Errorf("TRADE_FINISHED notice tells of a refund: %v", c.form)
		}
	}
	for _, c := range finishedNotices(t, "FIN3", "4.00") {
		if got := c.form.Get("refund_fee"); got != "4.00" {
			t.Errorf("TRADE_FINISHED notice of a trade refunded 4.00: refund_fee %q, want \"4.00\"", got)
		}
	}
}
