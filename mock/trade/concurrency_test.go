package trade

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
)

func TestConcurrentRefunds(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	e.paid(t, "cc1", "10")
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		succeeded int
		subCodes  = map[string]int{}
	)
	start := make(chan struct{})
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			res, err := e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "cc1"}, RefundAmount: amt("1"), OutRequestNo: fmt.Sprintf("req-%02d", i)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				var ae *apierr.Error
				if errors.As(err, &ae) {
					subCodes[ae.SubCode]++
				} else {
					subCodes[err.Error()]++
				}
				return
			}
			if !res.FundChange || res.Refund.Amount != amt("1") {
				t.Errorf("refund %d: %+v", i, res)
			}
			succeeded++
		}(i)
	}
	close(start)
	wg.Wait()
	if succeeded != 10 {
		t.Fatalf("%d refunds succeeded, want 10 (failures %v)", succeeded, subCodes)
	}
	for code, n := range subCodes {
		if code != "ACQ.TRADE_STATUS_ERROR" && code != "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" {
			t.Fatalf("unexpected failure %s x%d", code, n)
		}
	}
	got := e.query(t, "cc1")
	if got.Refunded() != amt("10") || len(got.Refunds) != 10 || got.Status != Closed {
		t.Fatalf("after the race: refunded %s, %d refunds, status %s", got.Refunded(), len(got.Refunds), got.Status)
	}
}

func TestConcurrentPrecreate(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	rec := &recorder{}
	e.book.Observe(rec.observe)
	var wg sync.WaitGroup
	results := make([]Trade, 20)
	errs := make([]error, 20)
	start := make(chan struct{})
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			results[i], errs[i] = e.book.Precreate(merchant1, order("cp1", "10"), ctx)
		}(i)
	}
	close(start)
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("precreate %d: %v", i, errs[i])
		}
		if results[i].TradeNo != results[0].TradeNo || results[i].QRToken != results[0].QRToken {
			t.Fatalf("precreate %d: %s/%s, want %s/%s", i, results[i].TradeNo, results[i].QRToken, results[0].TradeNo, results[0].QRToken)
		}
	}
	if n := len(must(e.book.List(Filter{}))(t)); n != 1 {
		t.Fatalf("%d trades, want 1", n)
	}
	if want := []EventType{EventCreated}; !sameTypes(rec.types(), want) {
		t.Fatalf("observer saw %v, want one created", rec.types())
	}
}

// A mix of every operation at once, for the race detector.
func TestConcurrentMixedOperations(t *testing.T) {
	e := newEnv(t, Options{})
	var events sync.Map
	e.book.Observe(func(tr Trade, ev Event) {
		events.Store(fmt.Sprintf("%s/%d", tr.TradeNo, len(tr.History)), ev.Type)
		_, _ = e.book.Query(tr.AppID, Ref{TradeNo: tr.TradeNo})
	})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out := fmt.Sprintf("mix-%d", i)
			for j := 0; j < 20; j++ {
				_, _ = e.book.Precreate(merchant1, order(out, "10"), ctx)
				_, _ = e.book.Act(app1, out, ActScan, nil)
				_, _ = e.book.Query(app1, Ref{OutTradeNo: out})
				_, _ = e.book.Act(app1, out, ActPay, nil)
				_, _ = e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: out}, RefundAmount: amt("0.5"), OutRequestNo: fmt.Sprintf("r%d", j)})
				_, _, _ = e.book.RefundQuery(app1, Ref{OutTradeNo: out}, "r0")
				_, _ = e.book.List(Filter{AppID: app1})
				_ = e.settleAll()
			}
			_, _ = e.book.Cancel(app1, Ref{OutTradeNo: out})
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := 0; j < 50; j++ {
			e.clk.Advance(time.Minute)
			_, _ = e.book.Pay(merchant2, barcode(fmt.Sprintf("bar-%d", j), "1", authCodeA), ctx)
			_ = e.book.Options()
		}
	}()
	wg.Wait()
	for i := 0; i < 8; i++ {
		tr := must(e.book.Query(app1, Ref{OutTradeNo: fmt.Sprintf("mix-%d", i)}))(t)
		if tr.Refunded() != amt("10") || tr.Status != Closed {
			t.Fatalf("mix-%d: refunded %s status %s", i, tr.Refunded(), tr.Status)
		}
	}
}
