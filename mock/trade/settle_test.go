package trade

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
)

func TestRefundSequence(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	paid := e.paid(t, "rf1", "10")
	ref := Ref{OutTradeNo: "rf1"}

	steps := []struct {
		name         string
		reqNo        string
		amount       string
		wantErr      error
		wantFund     bool
		wantRefunded string
		wantStatus   Status
		wantCount    int
	}{
		{name: "first partial", reqNo: "r1", amount: "3", wantFund: true, wantRefunded: "3", wantStatus: Success, wantCount: 1},
		{name: "second partial", reqNo: "r2", amount: "2.5", wantFund: true, wantRefunded: "5.5", wantStatus: Success, wantCount: 2},
		{name: "repeat r1 same amount", reqNo: "r1", amount: "3", wantFund: false, wantRefunded: "5.5", wantStatus: Success, wantCount: 2},
		{name: "repeat r1 other amount", reqNo: "r1", amount: "4", wantErr: ErrDiscordantRepeat},
		{name: "over the total", reqNo: "r3", amount: "4.51", wantErr: ErrRefundAmountExceed},
		{name: "omitted out_request_no, partial", reqNo: "", amount: "4.5", wantErr: ErrRefundNotTotal},
		{name: "the rest", reqNo: "r3", amount: "4.5", wantFund: true, wantRefunded: "10", wantStatus: Closed, wantCount: 3},
		{name: "repeat r3 after the trade closed", reqNo: "r3", amount: "4.5", wantFund: false, wantRefunded: "10", wantStatus: Closed, wantCount: 3},
		{name: "repeat r2 other amount after close", reqNo: "r2", amount: "1", wantErr: ErrDiscordantRepeat},
		{name: "new refund on the closed trade", reqNo: "r4", amount: "0.01", wantErr: ErrTradeStatus},
	}
	for i, s := range steps {
		e.clk.Advance(10 * time.Second)
		now := e.clk.Now()
		res, err := e.book.Refund(app1, RefundRequest{Ref: ref, RefundAmount: amt(s.amount), OutRequestNo: s.reqNo, RefundReason: "reason " + s.reqNo})
		if s.wantErr != nil {
			if err == nil || !errors.Is(err, s.wantErr) {
				t.Fatalf("step %d %s: err %v, want %v", i, s.name, err, s.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.name, err)
		}
		if res.FundChange != s.wantFund || res.Trade.Refunded() != amt(s.wantRefunded) || res.Trade.Status != s.wantStatus || len(res.Trade.Refunds) != s.wantCount {
			t.Fatalf("step %d %s: fund_change=%v refunded=%s status=%s refunds=%d; want %v %s %s %d", i, s.name,
				res.FundChange, res.Trade.Refunded(), res.Trade.Status, len(res.Trade.Refunds), s.wantFund, s.wantRefunded, s.wantStatus, s.wantCount)
		}
		if res.Refund.OutRequestNo != s.reqNo || res.Refund.Amount != amt(s.amount) {
			t.Fatalf("step %d %s: refund %+v", i, s.name, res.Refund)
		}
		if s.wantFund && (!res.Refund.At.Equal(now) || res.Refund.Reason != "reason "+s.reqNo || res.Refund.Cancel) {
			t.Fatalf("step %d %s: refund %+v, want at %s", i, s.name, res.Refund, now)
		}
		if !s.wantFund && res.Refund.At.Equal(now) {
			t.Fatalf("step %d %s: repeat returned a new refund time", i, s.name)
		}
	}

	final := e.query(t, "rf1")
	if final.Status != Closed || final.Closed == nil || final.Refunded() != paid.Total {
		t.Fatalf("final: status %s closed %v refunded %s", final.Status, final.Closed, final.Refunded())
	}
	var refunded []amount.Amount
	for _, ev := range final.History {
		if ev.Type == EventRefunded {
			refunded = append(refunded, ev.Amount)
		}
	}
	if len(refunded) != 3 || refunded[0] != amt("3") || refunded[1] != amt("2.5") || refunded[2] != amt("4.5") {
		t.Fatalf("refunded events %v, want [3.00 2.50 4.50]", refunded)
	}
	if last := final.History[len(final.History)-1]; last.Status != Closed {
		t.Fatalf("last event status %s", last.Status)
	}

	// RefundQuery finds each refund by its out_request_no, by either reference.
	for _, r := range []Ref{{OutTradeNo: "rf1"}, {TradeNo: paid.TradeNo}} {
		tr, got, err := e.book.RefundQuery(app1, r, "r2")
		if err != nil || got == nil || got.Amount != amt("2.5") || got.OutRequestNo != "r2" || tr.TradeNo != paid.TradeNo {
			t.Fatalf("RefundQuery(%+v, r2) = %+v, %+v, %v", r, tr.TradeNo, got, err)
		}
	}
	tr, got, err := e.book.RefundQuery(app1, ref, "nope")
	if err != nil || got != nil || tr.TradeNo != paid.TradeNo {
		t.Fatalf("RefundQuery(unknown request) = %v, %v; want the trade and a nil refund", got, err)
	}
	_, _, err = e.book.RefundQuery(app1, ref, "")
	wantErr(t, err, errInvalidParameter)
	_, _, err = e.book.RefundQuery(app1, Ref{OutTradeNo: "nope"}, "r1")
	wantErr(t, err, ErrTradeNotExist)
	_, _, err = e.book.RefundQuery(app2, ref, "r1")
	wantErr(t, err, ErrTradeNotExist)
}

func TestRefundWithoutOutRequestNo(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	e.paid(t, "rf2", "10")
	ref := Ref{OutTradeNo: "rf2"}

	_, err := e.book.Refund(app1, RefundRequest{Ref: ref, RefundAmount: amt("9.99")})
	wantErr(t, err, ErrRefundNotTotal)
	res := must(e.book.Refund(app1, RefundRequest{Ref: ref, RefundAmount: amt("10")}))(t)
	if !res.FundChange || res.Refund.OutRequestNo != "rf2" || res.Trade.Status != Closed || res.Trade.Refunded() != amt("10") {
		t.Fatalf("full refund: %+v", res)
	}
	// The refund's request number is the out_trade_no.
	_, got, err := e.book.RefundQuery(app1, ref, "rf2")
	if err != nil || got == nil || got.Amount != amt("10") {
		t.Fatalf("RefundQuery(out_trade_no) = %+v, %v", got, err)
	}
	again := must(e.book.Refund(app1, RefundRequest{Ref: ref, RefundAmount: amt("10")}))(t)
	if again.FundChange || again.Trade.Refunded() != amt("10") || len(again.Trade.Refunds) != 1 {
		t.Fatalf("repeat: %+v", again)
	}
	_, err = e.book.Refund(app1, RefundRequest{Ref: ref, RefundAmount: amt("5")})
	wantErr(t, err, ErrDiscordantRepeat)
}

func TestRefundErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, e *env) Ref
		req     RefundRequest // Ref filled by setup unless set
		wantErr error
	}{
		{name: "unpaid", setup: func(t *testing.T, e *env) Ref { e.precreate(t, "x", "10"); return Ref{OutTradeNo: "x"} },
			req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: ErrTradeStatus},
		{name: "waiting for password", setup: func(t *testing.T, e *env) Ref {
			must(e.book.Pay(merchant1, barcode("x", "1000", authCodeA), ctx))(t)
			return Ref{OutTradeNo: "x"}
		}, req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: ErrTradeStatus},
		{name: "closed unpaid", setup: func(t *testing.T, e *env) Ref {
			e.precreate(t, "x", "10")
			must(e.book.Close(app1, Ref{OutTradeNo: "x"}, ""))(t)
			return Ref{OutTradeNo: "x"}
		}, req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: ErrTradeStatus},
		{name: "expired unpaid", setup: func(t *testing.T, e *env) Ref {
			e.precreate(t, "x", "10")
			e.clk.Advance(3 * time.Hour)
			return Ref{OutTradeNo: "x"}
		}, req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: ErrTradeStatus},
		{name: "finished", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "x", "10")
			e.clk.Advance(365 * 24 * time.Hour)
			return Ref{OutTradeNo: "x"}
		}, req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: ErrTradeHasFinished},
		{name: "unknown trade", setup: func(t *testing.T, e *env) Ref { return Ref{OutTradeNo: "nope"} },
			req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: ErrTradeNotExist},
		{name: "unknown trade_no", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "x", "10")
			return Ref{TradeNo: "2024030122000000000000000000", OutTradeNo: "x"}
		}, req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: ErrTradeNotExist},
		{name: "another app's trade_no", setup: func(t *testing.T, e *env) Ref {
			tr := must(e.book.Pay(merchant2, barcode("x", "10", authCodeA), ctx))(t).Trade
			return Ref{TradeNo: tr.TradeNo}
		}, req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: ErrTradeNotExist},
		{name: "no reference", setup: func(t *testing.T, e *env) Ref { e.paid(t, "x", "10"); return Ref{} },
			req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}, wantErr: errInvalidParameter},
		{name: "zero amount", setup: func(t *testing.T, e *env) Ref { e.paid(t, "x", "10"); return Ref{OutTradeNo: "x"} },
			req: RefundRequest{OutRequestNo: "r1"}, wantErr: errInvalidParameter},
		{name: "amount above the limit", setup: func(t *testing.T, e *env) Ref { e.paid(t, "x", "10"); return Ref{OutTradeNo: "x"} },
			req: RefundRequest{RefundAmount: amt("100000000.01"), OutRequestNo: "r1"}, wantErr: errInvalidParameter},
		{name: "out_request_no 65 chars", setup: func(t *testing.T, e *env) Ref { e.paid(t, "x", "10"); return Ref{OutTradeNo: "x"} },
			req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: strings.Repeat("r", 65)}, wantErr: errInvalidParameter},
		{name: "out_request_no 64 chars", setup: func(t *testing.T, e *env) Ref { e.paid(t, "x", "10"); return Ref{OutTradeNo: "x"} },
			req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: strings.Repeat("r", 64)}},
		{name: "more than the total at once", setup: func(t *testing.T, e *env) Ref { e.paid(t, "x", "10"); return Ref{OutTradeNo: "x"} },
			req: RefundRequest{RefundAmount: amt("10.01"), OutRequestNo: "r1"}, wantErr: ErrRefundFee},
		{name: "omitted out_request_no, more than total", setup: func(t *testing.T, e *env) Ref { e.paid(t, "x", "10"); return Ref{OutTradeNo: "x"} },
			req: RefundRequest{RefundAmount: amt("10.01")}, wantErr: ErrRefundNotTotal},
		{name: "by trade_no", setup: func(t *testing.T, e *env) Ref { return Ref{TradeNo: e.paid(t, "x", "10").TradeNo} },
			req: RefundRequest{RefundAmount: amt("10"), OutRequestNo: "r1"}},
		{name: "trade_no wins over out_trade_no", setup: func(t *testing.T, e *env) Ref {
			tr := e.paid(t, "x", "10")
			e.paid(t, "y", "10")
			return Ref{TradeNo: tr.TradeNo, OutTradeNo: "y"}
		}, req: RefundRequest{RefundAmount: amt("1"), OutRequestNo: "r1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{ShowUnscanned: true})
			req := tc.req
			req.Ref = tc.setup(t, e)
			res, err := e.book.Refund(app1, req)
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				return
			}
			if !res.FundChange || res.Refund.Amount != req.RefundAmount {
				t.Fatalf("refund: %+v", res)
			}
			if req.Ref.TradeNo != "" && res.Trade.TradeNo != req.Ref.TradeNo {
				t.Fatalf("refunded %s, want %s", res.Trade.TradeNo, req.Ref.TradeNo)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		setup      func(t *testing.T, e *env) Ref
		wantErr    error
		wantAction string
		wantTrade  bool
		wantStatus Status
		wantRefund string // Refunded() afterwards
	}{
		{name: "unpaid precreate", setup: func(t *testing.T, e *env) Ref { e.precreate(t, "c", "10"); return Ref{OutTradeNo: "c"} },
			wantAction: "close", wantTrade: true, wantStatus: Closed, wantRefund: "0"},
		{name: "barcode waiting for password", setup: func(t *testing.T, e *env) Ref {
			must(e.book.Pay(merchant1, barcode("c", "1000", authCodeA), ctx))(t)
			return Ref{OutTradeNo: "c"}
		}, wantAction: "close", wantTrade: true, wantStatus: Closed, wantRefund: "0"},
		{name: "paid", setup: func(t *testing.T, e *env) Ref {
			must(e.book.Pay(merchant1, barcode("c", "10", authCodeA), ctx))(t)
			e.clk.Advance(time.Minute)
			return Ref{OutTradeNo: "c"}
		}, wantAction: "refund", wantTrade: true, wantStatus: Closed, wantRefund: "10"},
		{name: "paid, by trade_no", setup: func(t *testing.T, e *env) Ref {
			return Ref{TradeNo: e.paid(t, "c", "10").TradeNo}
		}, wantAction: "refund", wantTrade: true, wantStatus: Closed, wantRefund: "10"},
		{name: "paid, exactly at the cancel window", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "c", "10")
			e.clk.Advance(24 * time.Hour)
			return Ref{OutTradeNo: "c"}
		}, wantAction: "refund", wantTrade: true, wantStatus: Closed, wantRefund: "10"},
		{name: "paid, past the cancel window", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "c", "10")
			e.clk.Advance(24*time.Hour + time.Second)
			return Ref{OutTradeNo: "c"}
		}, wantErr: ErrCancelTimeout},
		{name: "paid, past a custom cancel window", opts: Options{ShowUnscanned: true, CancelWindow: time.Hour}, setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "c", "10")
			e.clk.Advance(time.Hour + time.Second)
			return Ref{OutTradeNo: "c"}
		}, wantErr: ErrCancelTimeout},
		{name: "partially refunded", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "c", "10")
			must(e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "c"}, RefundAmount: amt("1"), OutRequestNo: "r1"}))(t)
			return Ref{OutTradeNo: "c"}
		}, wantErr: ErrRefundFee},
		{name: "fully refunded by refund", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "c", "10")
			must(e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "c"}, RefundAmount: amt("10"), OutRequestNo: "r1"}))(t)
			return Ref{OutTradeNo: "c"}
		}, wantErr: ErrRefundFee},
		{name: "finished", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "c", "10")
			e.clk.Advance(365 * 24 * time.Hour)
			return Ref{OutTradeNo: "c"}
		}, wantErr: ErrTradeHasFinished},
		{name: "closed by close", setup: func(t *testing.T, e *env) Ref {
			e.precreate(t, "c", "10")
			must(e.book.Close(app1, Ref{OutTradeNo: "c"}, ""))(t)
			return Ref{OutTradeNo: "c"}
		}, wantAction: "close", wantTrade: true, wantStatus: Closed, wantRefund: "0"},
		{name: "expired", setup: func(t *testing.T, e *env) Ref {
			e.precreate(t, "c", "10")
			e.clk.Advance(4 * time.Hour)
			return Ref{OutTradeNo: "c"}
		}, wantAction: "close", wantTrade: true, wantStatus: Closed, wantRefund: "0"},
		{name: "unknown out_trade_no", setup: func(t *testing.T, e *env) Ref { return Ref{OutTradeNo: "nope"} },
			wantAction: "", wantTrade: false},
		{name: "another app's trade", setup: func(t *testing.T, e *env) Ref {
			must(e.book.Precreate(merchant2, order("c", "10"), ctx))(t)
			return Ref{OutTradeNo: "c"}
		}, wantAction: "", wantTrade: false},
		{name: "no reference", setup: func(t *testing.T, e *env) Ref { return Ref{} }, wantErr: errInvalidParameter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.ShowUnscanned = true // cancel of a hidden trade: open_test.go
			e := newEnv(t, opts)
			ref := tc.setup(t, e)
			before, _ := e.book.Get(app1, "c")
			res, err := e.book.Cancel(app1, ref)
			wantErr(t, err, tc.wantErr)
			if res.RetryFlag != "N" {
				t.Fatalf("retry_flag %q, want N", res.RetryFlag)
			}
			if tc.wantErr != nil {
				if res.Trade != nil || res.Action != "" {
					t.Fatalf("failed cancel reported %+v", res)
				}
				if after, _ := e.book.Get(app1, "c"); after.Status != before.Status || after.Refunded() != before.Refunded() {
					t.Fatalf("failed cancel changed the trade: %s/%s -> %s/%s", before.Status, before.Refunded(), after.Status, after.Refunded())
				}
				return
			}
			if (res.Trade != nil) != tc.wantTrade || res.Action != tc.wantAction {
				t.Fatalf("cancel = trade %v action %q, want trade %v action %q", res.Trade != nil, res.Action, tc.wantTrade, tc.wantAction)
			}
			if !tc.wantTrade {
				return
			}
			now := e.clk.Now()
			tr := res.Trade
			if tr.Status != tc.wantStatus || tr.Refunded() != amt(tc.wantRefund) || tr.CancelAction != tc.wantAction || tr.Closed == nil {
				t.Fatalf("cancelled trade: status %s refunded %s action %q closed %v", tr.Status, tr.Refunded(), tr.CancelAction, tr.Closed)
			}
			if tc.wantAction == "refund" {
				r := tr.Refunds[len(tr.Refunds)-1]
				if !r.Cancel || r.Amount != tr.Total || r.OutRequestNo != tr.OutTradeNo || !r.At.Equal(now) || !tr.Closed.Equal(now) {
					t.Fatalf("cancel refund %+v closed %v", r, tr.Closed)
				}
				if last := tr.History[len(tr.History)-1]; last.Type != EventRefunded || last.Amount != tr.Total || last.Status != Closed {
					t.Fatalf("last event %+v", last)
				}
			}
			// Cancelling again answers the same action and changes nothing.
			again := must(e.book.Cancel(app1, ref))(t)
			if again.Action != tc.wantAction || again.Trade == nil || again.Trade.Refunded() != tr.Refunded() ||
				len(again.Trade.History) != len(tr.History) || len(again.Trade.Refunds) != len(tr.Refunds) {
				t.Fatalf("repeat cancel = %+v, first %+v", again, res)
			}
			// A cancelled barcode trade cannot be paid.
			_, err = e.book.Act(app1, tr.TradeNo, ActPay, nil)
			wantErr(t, err, ErrTradeStatus)
		})
	}
}

func TestClose(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, e *env) Ref
		wantErr error
	}{
		{name: "waiting, by out_trade_no", setup: func(t *testing.T, e *env) Ref { e.precreate(t, "cl", "10"); return Ref{OutTradeNo: "cl"} }},
		{name: "waiting, by trade_no", setup: func(t *testing.T, e *env) Ref { return Ref{TradeNo: e.precreate(t, "cl", "10").TradeNo} }},
		{name: "barcode waiting for password", setup: func(t *testing.T, e *env) Ref {
			must(e.book.Pay(merchant1, barcode("cl", "1000", authCodeA), ctx))(t)
			return Ref{OutTradeNo: "cl"}
		}},
		{name: "paid", setup: func(t *testing.T, e *env) Ref { e.paid(t, "cl", "10"); return Ref{OutTradeNo: "cl"} }, wantErr: ErrTradeStatus},
		{name: "already closed", setup: func(t *testing.T, e *env) Ref {
			e.precreate(t, "cl", "10")
			must(e.book.Close(app1, Ref{OutTradeNo: "cl"}, ""))(t)
			return Ref{OutTradeNo: "cl"}
		}, wantErr: ErrTradeStatus},
		{name: "expired", setup: func(t *testing.T, e *env) Ref {
			e.precreate(t, "cl", "10")
			e.clk.Advance(3 * time.Hour)
			return Ref{OutTradeNo: "cl"}
		}, wantErr: ErrTradeStatus},
		{name: "fully refunded", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "cl", "10")
			must(e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "cl"}, RefundAmount: amt("10")}))(t)
			return Ref{OutTradeNo: "cl"}
		}, wantErr: ErrTradeStatus},
		{name: "finished", setup: func(t *testing.T, e *env) Ref {
			e.paid(t, "cl", "10")
			e.clk.Advance(365 * 24 * time.Hour)
			return Ref{OutTradeNo: "cl"}
		}, wantErr: ErrTradeStatus},
		{name: "unknown", setup: func(t *testing.T, e *env) Ref { return Ref{OutTradeNo: "nope"} }, wantErr: ErrTradeNotExist},
		{name: "another app", setup: func(t *testing.T, e *env) Ref {
			must(e.book.Precreate(merchant2, order("cl", "10"), ctx))(t)
			return Ref{OutTradeNo: "cl"}
		}, wantErr: ErrTradeNotExist},
		{name: "no reference", setup: func(t *testing.T, e *env) Ref { return Ref{} }, wantErr: errInvalidParameter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{ShowUnscanned: true})
			ref := tc.setup(t, e)
			e.clk.Advance(time.Minute)
			now := e.clk.Now()
			before, _ := e.book.Get(app1, "cl")
			tr, err := e.book.Close(app1, ref, "op7")
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				if after, _ := e.book.Get(app1, "cl"); after.Status != before.Status || len(after.History) != len(before.History) {
					t.Fatalf("failed close changed the trade")
				}
				return
			}
			if tr.Status != Closed || tr.Closed == nil || !tr.Closed.Equal(now) || tr.CancelAction != "" {
				t.Fatalf("closed trade: %+v", tr)
			}
			last := tr.History[len(tr.History)-1]
			if last.Type != EventClosed || last.Status != Closed || !strings.Contains(last.Detail, "op7") {
				t.Fatalf("close event %+v", last)
			}
		})
	}
}

func TestAct(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	a := e.precreate(t, "act1", "10")
	b := must(e.book.Precreate(merchant2, order("act1", "20"), ctx))(t)
	c := e.precreate(t, "act2", "30")

	found := []struct {
		name, app, ref string
		want           string // trade_no
		wantErr        error
	}{
		{"out_trade_no with app", app1, "act1", a.TradeNo, nil},
		{"out_trade_no other app", app2, "act1", b.TradeNo, nil},
		{"out_trade_no any app, unique", "", "act2", c.TradeNo, nil},
		{"out_trade_no any app, shared", "", "act1", "", ErrAmbiguous},
		{"trade_no with app", app1, a.TradeNo, a.TradeNo, nil},
		{"trade_no any app", "", b.TradeNo, b.TradeNo, nil},
		{"trade_no of another app", app1, b.TradeNo, "", ErrNotFound},
		{"QR token any app", "", b.QRToken, b.TradeNo, nil},
		{"QR token with app", app1, a.QRToken, a.TradeNo, nil},
		{"QR token of another app", app2, a.QRToken, "", ErrNotFound},
		{"unknown", "", "nope", "", ErrNotFound},
		{"unknown with app", app1, "nope", "", ErrNotFound},
		{"unknown app", "2021000000000009", "act2", "", ErrNotFound},
	}
	for _, tc := range found {
		t.Run("find "+tc.name, func(t *testing.T) {
			tr, err := e.book.Act(tc.app, tc.ref, ActScan, nil)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || tr.TradeNo != tc.want || !tr.Scanned {
				t.Fatalf("Act = %s scanned=%v, %v; want %s", tr.TradeNo, tr.Scanned, err, tc.want)
			}
		})
	}

	t.Run("actions", func(t *testing.T) {
		e := newEnv(t, Options{ShowUnscanned: true})
		given := &fixtures.Buyer{UserID: "2088300000000003", LogonID: "hfjtest@sandbox.com"}
		tests := []struct {
			act        BuyerAction
			buyer      *fixtures.Buyer
			wantStatus Status
			wantEvent  EventType
			wantPaid   bool
			wantClosed bool
			unscanned  bool // a cancel before any scan leaves it unscanned (hidden)
		}{
			{ActScan, nil, WaitBuyerPay, EventScanned, false, false, false},
			{ActFail, nil, WaitBuyerPay, EventFailed, false, false, false},
			{ActPay, nil, Success, EventPaid, true, false, false},
			{ActPay, given, Success, EventPaid, true, false, false},
			{ActClose, nil, Closed, EventClosed, false, true, true},
		}
		for i, tc := range tests {
			out := "a" + string(rune('0'+i))
			e.precreate(t, out, "10")
			tr := must(e.book.Act(app1, out, tc.act, tc.buyer))(t)
			last := tr.History[len(tr.History)-1]
			if tr.Status != tc.wantStatus || last.Type != tc.wantEvent || last.Status != tc.wantStatus || tr.Scanned == tc.unscanned ||
				(tr.Paid != nil) != tc.wantPaid || (tr.Closed != nil) != tc.wantClosed {
				t.Fatalf("%s: status %s event %s scanned %v paid %v closed %v", tc.act, tr.Status, last.Type, tr.Scanned, tr.Paid, tr.Closed)
			}
			if !userIDPattern.MatchString(tr.Buyer.UserID) || tr.Buyer.LogonID == "" {
				t.Fatalf("%s: buyer %+v", tc.act, tr.Buyer)
			}
			if tc.buyer != nil && (tr.Buyer.UserID != "2088300000000003" || tr.Buyer.Account != "hfjtest@sandbox.com" || tr.Buyer.LogonID != "hfj***@sandbox.com") {
				t.Fatalf("%s: given buyer not used: %+v", tc.act, tr.Buyer)
			}
		}
		// The buyer who scanned is the one who pays.
		e.precreate(t, "same", "10")
		s := must(e.book.Act(app1, "same", ActScan, nil))(t)
		p := must(e.book.Act(app1, "same", ActPay, nil))(t)
		if s.Buyer != p.Buyer {
			t.Fatalf("buyer changed between scan and pay: %+v / %+v", s.Buyer, p.Buyer)
		}
	})

	t.Run("not waiting", func(t *testing.T) {
		e := newEnv(t, Options{ShowUnscanned: true})
		paid := e.paid(t, "p", "10")
		for _, act := range []BuyerAction{ActScan, ActPay, ActFail, ActClose} {
			tr, err := e.book.Act(app1, "p", act, nil)
			wantErr(t, err, ErrTradeStatus)
			if tr.Status != Success || len(tr.History) != len(paid.History) || !tr.Paid.Equal(*paid.Paid) {
				t.Fatalf("%s on a paid trade changed it: %+v", act, tr)
			}
		}
		e.precreate(t, "x", "10")
		must(e.book.Act(app1, "x", ActClose, nil))(t)
		_, err := e.book.Act(app1, "x", ActPay, nil)
		wantErr(t, err, ErrTradeStatus)
	})

	// An unknown action is refused and must leave the trade as it was.
	t.Run("unknown action", func(t *testing.T) {
		e := newEnv(t, Options{ShowUnscanned: true})
		rec := &recorder{}
		e.book.Observe(rec.observe)
		before := e.precreate(t, "u", "10")
		_, err := e.book.Act(app1, "u", BuyerAction("dance"), nil)
		if err == nil {
			t.Fatalf("unknown action accepted")
		}
		after := must(e.book.Get(app1, "u"))(t)
		if after.Status != WaitBuyerPay || after.Scanned || len(after.History) != 1 {
			t.Fatalf("unknown action changed the trade: %+v", after)
		}
		if after.Buyer != before.Buyer {
			t.Errorf("unknown action assigned a buyer to an unscanned trade: %+v", after.Buyer)
		}
		if len(rec.types()) != 1 {
			t.Fatalf("observer saw %v", rec.types())
		}
	})
}

func TestObserve(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	var got []Event
	var snaps []Trade
	var queried []Status
	e.book.Observe(func(tr Trade, ev Event) {
		got = append(got, ev)
		snaps = append(snaps, tr)
		// Calling back into the book must not deadlock: the observer runs
		// outside the lock.
		q, err := e.book.Query(tr.AppID, Ref{TradeNo: tr.TradeNo})
		if err != nil {
			t.Errorf("Query from the observer: %v", err)
		}
		queried = append(queried, q.Status)
	})

	done := make(chan struct{})
	go func() {
		defer close(done)
		e.precreate(t, "ob1", "10")
		e.clk.Advance(time.Second)
		must(e.book.Act(app1, "ob1", ActScan, nil))(t)
		e.clk.Advance(time.Second)
		must(e.book.Act(app1, "ob1", ActPay, nil))(t)
		e.clk.Advance(time.Second)
		must(e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "ob1"}, RefundAmount: amt("4"), OutRequestNo: "r1"}))(t)
		// Neither a repeated refund nor a plain query is a state change.
		must(e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "ob1"}, RefundAmount: amt("4"), OutRequestNo: "r1"}))(t)
		e.query(t, "ob1")
		// Nor is a refused call.
		_, _ = e.book.Close(app1, Ref{OutTradeNo: "ob1"}, "")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock: calling the book from the observer blocked")
	}

	want := []struct {
		typ    EventType
		status Status
		amount string
		off    time.Duration
	}{
		{EventCreated, WaitBuyerPay, "10", 0},
		{EventScanned, WaitBuyerPay, "0", time.Second},
		{EventPaid, Success, "10", 2 * time.Second},
		{EventRefunded, Success, "4", 3 * time.Second},
	}
	if len(got) != len(want) {
		t.Fatalf("observer saw %v, want %d events", eventTypes(got), len(want))
	}
	for i, w := range want {
		ev := got[i]
		if ev.Type != w.typ || ev.Status != w.status || ev.Amount != amt(w.amount) || !ev.At.Equal(t0.Add(w.off)) {
			t.Errorf("event %d = %+v, want %s %s %s at +%s", i, ev, w.typ, w.status, w.amount, w.off)
		}
		// The trade handed over is the state after the event.
		if snaps[i].Status != w.status || len(snaps[i].History) != i+1 || snaps[i].History[i].Type != w.typ {
			t.Errorf("snapshot %d: status %s history %v", i, snaps[i].Status, eventTypes(snaps[i].History))
		}
		if queried[i] != w.status {
			t.Errorf("query from observer %d saw %s, want %s", i, queried[i], w.status)
		}
	}

	// Replacing the observer, and removing it, works.
	var second []EventType
	e.book.Observe(func(_ Trade, ev Event) { second = append(second, ev.Type) })
	e.precreate(t, "ob2", "1")
	e.book.Observe(nil)
	e.precreate(t, "ob3", "1")
	if len(got) != 4 || !sameTypes(second, []EventType{EventCreated}) {
		t.Fatalf("after replacing: first %d events, second %v", len(got), second)
	}
}

// Events a call fires while it fails (an expiry found on the way) still
// reach the observer.
func TestObserveEventsOfFailingCall(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	rec := &recorder{}
	e.book.Observe(rec.observe)
	e.precreate(t, "of1", "10")
	e.clk.Advance(3 * time.Hour)
	_, err := e.book.Precreate(merchant1, order("of1", "10"), ctx)
	wantErr(t, err, ErrTradeHasClose)
	if want := []EventType{EventCreated, EventExpired}; !sameTypes(rec.types(), want) {
		t.Fatalf("observer saw %v, want %v", rec.types(), want)
	}
}

func TestReset(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	a := e.paid(t, "rs1", "10")
	b := must(e.book.Precreate(merchant2, order("rs1", "20"), ctx))(t)
	c := must(e.book.Precreate(merchant2, order("rs2", "30"), ctx))(t)

	e.book.Reset(app1)
	_, err := e.book.Query(app1, Ref{OutTradeNo: "rs1"})
	wantErr(t, err, ErrTradeNotExist)
	_, err = e.book.Query(app1, Ref{TradeNo: a.TradeNo})
	wantErr(t, err, ErrTradeNotExist)
	if _, err := e.book.Act("", a.TradeNo, ActScan, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Act on a reset trade_no: %v", err)
	}
	// app2 keeps its trades, reachable every way.
	if q := must(e.book.Query(app2, Ref{OutTradeNo: "rs1"}))(t); q.TradeNo != b.TradeNo || q.Total != amt("20") {
		t.Fatalf("app2 rs1 = %+v", q)
	}
	if q := must(e.book.Query(app2, Ref{TradeNo: c.TradeNo}))(t); q.OutTradeNo != "rs2" {
		t.Fatalf("app2 rs2 = %+v", q)
	}
	// With app1's copy gone the out_trade_no is no longer ambiguous.
	if tr := must(e.book.Act("", "rs1", ActScan, nil))(t); tr.TradeNo != b.TradeNo {
		t.Fatalf("Act(rs1) = %s", tr.TradeNo)
	}
	if tr := must(e.book.Act("", c.QRToken, ActScan, nil))(t); tr.TradeNo != c.TradeNo {
		t.Fatalf("Act(QR) = %s", tr.TradeNo)
	}
	if got := must(e.book.List(Filter{}))(t); len(got) != 2 {
		t.Fatalf("List after Reset(app1) = %d trades", len(got))
	}
	// app1 may reuse the out_trade_no with another order.
	n := e.precreate(t, "rs1", "99")
	if n.TradeNo == a.TradeNo || n.Total != amt("99") {
		t.Fatalf("new rs1 = %+v", n)
	}

	e.book.Reset("")
	if got := must(e.book.List(Filter{}))(t); len(got) != 0 {
		t.Fatalf("List after Reset(\"\") = %d trades", len(got))
	}
	_, err = e.book.Query(app2, Ref{OutTradeNo: "rs2"})
	wantErr(t, err, ErrTradeNotExist)
}

// The buyer pages find a trade by its page token only: out_trade_no and
// trade_no, which merchants and notifications show, open nothing, and a
// QR token does not open the cashier nor the other way round.
func TestActOnPage(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	a := e.precreate(t, "pg1", "10")
	b := e.precreate(t, "pg2", "20")
	if a.CashierToken == "" || a.CashierToken == b.CashierToken || a.QRToken == a.CashierToken {
		t.Fatalf("tokens: %q %q %q", a.QRToken, a.CashierToken, b.CashierToken)
	}
	for _, tc := range []struct {
		name  string
		page  Page
		token string
		want  string // trade_no, "" for not found
	}{
		{"QR token on the QR page", PageQR, a.QRToken, a.TradeNo},
		{"cashier token on the cashier", PageCashier, b.CashierToken, b.TradeNo},
		{"out_trade_no on the QR page", PageQR, "pg1", ""},
		{"out_trade_no on the cashier", PageCashier, "pg1", ""},
		{"trade_no on the QR page", PageQR, a.TradeNo, ""},
		{"trade_no on the cashier", PageCashier, a.TradeNo, ""},
		{"QR token on the cashier", PageCashier, a.QRToken, ""},
		{"cashier token on the QR page", PageQR, a.CashierToken, ""},
		{"empty", PageCashier, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.book.OnPage(tc.page, tc.token)
			if tc.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("OnPage = %s, %v; want ErrNotFound", got.TradeNo, err)
				}
				if _, err := e.book.ActOnPage(tc.page, tc.token, ActPay, nil); !errors.Is(err, ErrNotFound) {
					t.Fatalf("ActOnPage pay: %v, want ErrNotFound", err)
				}
				return
			}
			if err != nil || got.TradeNo != tc.want {
				t.Fatalf("OnPage = %s, %v; want %s", got.TradeNo, err, tc.want)
			}
		})
	}
	for _, out := range []string{"pg1", "pg2"} {
		if q := e.query(t, out); q.Status != WaitBuyerPay {
			t.Fatalf("%s is %s after refused page actions", out, q.Status)
		}
	}
	paid := must(e.book.ActOnPage(PageCashier, a.CashierToken, ActPay, nil))(t)
	if paid.TradeNo != a.TradeNo || paid.Status != Success {
		t.Fatalf("pay on the cashier: %+v", paid)
	}
	e.book.Reset("")
	if _, err := e.book.OnPage(PageCashier, a.CashierToken); !errors.Is(err, ErrNotFound) {
		t.Fatalf("token still opens the page after reset: %v", err)
	}
}
