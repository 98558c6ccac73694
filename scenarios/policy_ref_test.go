package scenarios_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// A refund naming both trade_no and out_trade_no acts on trade_no's trade
// (production: "trade_no,out_trade_no如果同时存在优先取trade_no", the
// out_trade_no field of the Java SDK's domain models, e.g.
// alipay-sdk-java-all v2/.../domain/AlipayTradeQueryModel.java; the mock's
// book does the same, trade.Book.lookupAll). So does the scenario's notification policy. It was put on the
// out_trade_no's trade (gateway outNo read out_trade_no first): the
// refunded trade's notice was sent though the rule says suppress, and
// the other trade, which the request did not touch, was left suppressed
// for good: its own later refund, by a request no rule matches, was never
// sent. docs/scenarios.md: notify bends "the notifications of the trade
// … the request names", and "a buyer acts only on the trade … it was
// planned for".
func TestNotifyPolicyGoesToTheTradeTheRequestActsOn(t *testing.T) {
	for _, store := range []string{"memory", "--data"} {
		t.Run(store, func(t *testing.T) {
			var o mock.Options
			if store == "--data" {
				o.DataDir = t.TempDir()
			}
			notifyPolicyGoesToTheTradeTheRequestActsOnIn(t, o)
		})
	}
}

func notifyPolicyGoesToTheTradeTheRequestActsOnIn(t *testing.T, o mock.Options) {
	e := newEnv(t, o)
	rec := newRecorder(t, "success")
	file := "name: sil\nrules:\n  - name: r\n    when: {method: alipay.trade.refund, biz: {out_trade_no: {prefix: \"SIL-\"}}}\n    then: {notify: {suppress: true}}\n"
	e.control("POST", "/scenarios?name=sil&app_id="+keys.DevAppID, file, http.StatusCreated)
	sil, err := e.pay("SIL-1", "10.00", client.WithNotifyURL(rec.URL))
	if err != nil {
		t.Fatal(err)
	}
	oth, err := e.pay("OTH-1", "10.00", client.WithNotifyURL(rec.URL))
	if err != nil {
		t.Fatal(err)
	}
	e.advance(time.Minute)
	// Both named; trade_no (OTH-1's) wins.
	r, err := e.c.Refund(e.ctx, client.RefundRequest{OutTradeNo: "SIL-1", TradeNo: oth.TradeNo, RefundAmount: amount.MustParse("1.00"), OutRequestNo: "R1"})
	if err != nil || r.OutTradeNo != "OTH-1" {
		t.Fatalf("refund naming both: %+v %v, want OTH-1 refunded", r, err)
	}
	// SIL-1 refunded by trade_no alone: the rule (out_trade_no SIL-) does not match.
	if _, err := e.c.Refund(e.ctx, client.RefundRequest{TradeNo: sil.TradeNo, RefundAmount: amount.MustParse("1.00"), OutRequestNo: "R2"}); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Minute)
	for _, c := range []struct{ out, want string }{{"OTH-1", "suppressed"}, {"SIL-1", "delivered"}} {
		list := e.srv.Notifier.Outbox().List(notifyFilter(c.out))
		var refund string
		for _, n := range list {
			if n.Params["gmt_refund"] != "" {
				refund = string(n.State)
			}
		}
		if refund != c.want {
			t.Errorf("%s's refund notice: %q, want %s", c.out, refund, c.want)
		}
	}
}
