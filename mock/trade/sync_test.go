package trade

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Sync keeps what the merchant synced, once per out_request_no, on the
// app's own trades only, within its limits.
func TestSync(t *testing.T) {
	e := newEnv(t, Options{})
	paid, err := e.book.Pay(merchant1, barcode("S1", "10.00", authCodeA), ctx)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := e.book.Precreate(merchant1, order("S2", "10.00"), ctx)
	if err != nil {
		t.Fatal(err)
	}
	no := paid.Trade.TradeNo
	ok := SyncRequest{TradeNo: no, OutRequestNo: "R1", BizType: "CREDIT_DEDUCT", OrderBizInfo: `{"status":"COMPLETE"}`}
	for _, tc := range []struct {
		name string
		app  string
		r    SyncRequest
		want error
	}{
		{"no trade_no", app1, SyncRequest{OutRequestNo: "X", BizType: "B"}, errInvalidParameter},
		{"no out_request_no", app1, SyncRequest{TradeNo: no, BizType: "B"}, errInvalidParameter},
		{"no biz_type", app1, SyncRequest{TradeNo: no, OutRequestNo: "X"}, errInvalidParameter},
		{"long out_request_no", app1, SyncRequest{TradeNo: no, OutRequestNo: strings.Repeat("r", 65), BizType: "B"}, errInvalidParameter},
		{"long orig_request_no", app1, SyncRequest{TradeNo: no, OutRequestNo: "X", OrigRequestNo: strings.Repeat("r", 65), BizType: "B"}, errInvalidParameter},
		{"order_biz_info an array", app1, SyncRequest{TradeNo: no, OutRequestNo: "X", BizType: "B", OrderBizInfo: `["COMPLETE"]`}, errInvalidParameter},
		{"order_biz_info too long", app1, SyncRequest{TradeNo: no, OutRequestNo: "X", BizType: "B", OrderBizInfo: `{"s":"` + strings.Repeat("x", MaxOrderBizInfo) + `"}`}, errInvalidParameter},
		{"another app's trade", app2, ok, ErrTradeNotExist},
		{"unscanned QR trade, hidden", app1, SyncRequest{TradeNo: qr.TradeNo, OutRequestNo: "X", BizType: "B"}, ErrTradeNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.book.Sync(tc.app, tc.r); !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	got, err := e.book.Sync(app1, ok)
	if err != nil || len(got.Syncs) != 1 || got.Syncs[0].At != t0 || got.History[len(got.History)-1].Type != EventSynced {
		t.Fatalf("sync: %+v %v", got, err)
	}
	e.clk.Advance(1)
	repeat := ok
	repeat.BizType = "OTHER"
	if got, err := e.book.Sync(app1, repeat); err != nil || len(got.Syncs) != 1 || got.Syncs[0].BizType != "CREDIT_DEDUCT" {
		t.Fatalf("repeat: %+v %v", got.Syncs, err)
	}
	for i := 2; i <= MaxSyncs; i++ {
		if _, err := e.book.Sync(app1, SyncRequest{TradeNo: no, OutRequestNo: fmt.Sprint("R", i), BizType: "B"}); err != nil {
			t.Fatalf("sync %d: %v", i, err)
		}
	}
	if _, err := e.book.Sync(app1, SyncRequest{TradeNo: no, OutRequestNo: "one-too-many", BizType: "B"}); !errors.Is(err, errInvalidParameter) {
		t.Errorf("sync %d: %v, want the limit", MaxSyncs+1, err)
	}
	if _, err := e.book.Sync(app1, ok); err != nil {
		t.Errorf("a repeat past the limit still answers as the first time: %v", err)
	}
	q, _ := e.book.Query(app1, Ref{TradeNo: no})
	if len(q.Syncs) != MaxSyncs || q.Status != Success {
		t.Errorf("trade after syncs: %d syncs, %s", len(q.Syncs), q.Status)
	}
}
