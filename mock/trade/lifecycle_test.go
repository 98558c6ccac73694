package trade

import (
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

func TestOptionsDefaults(t *testing.T) {
	e := newEnv(t, Options{})
	got := e.book.Options()
	want := Options{PasswordThreshold: amt("1000"), CancelWindow: 24 * time.Hour, RefundWindow: 365 * 24 * time.Hour, SettleMaxPercent: 30}
	if got != want {
		t.Fatalf("defaults = %+v, want %+v", got, want)
	}
	custom := Options{ShowUnscanned: true, PasswordThreshold: amt("2000"), CancelWindow: time.Hour, RefundWindow: 90 * 24 * time.Hour, SettleMaxPercent: 100}
	e2 := newEnv(t, custom)
	if got := e2.book.Options(); got != custom {
		t.Fatalf("custom options = %+v, want %+v", got, custom)
	}
}

type recorder struct {
	mu     sync.Mutex
	events []Event
	trades []Trade
}

func (r *recorder) observe(tr Trade, e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	r.trades = append(r.trades, tr)
}

func (r *recorder) types() []EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	return eventTypes(r.events)
}

func TestUnpaidTradeExpiresLazilyOnQuery(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	rec := &recorder{}
	e.book.Observe(rec.observe)
	tr := e.precreate(t, "lazy1", "10")
	wantExp := t0.Add(FaceToFaceTimeout)
	if !tr.Expires.Equal(wantExp) {
		t.Fatalf("Expires = %s, want %s", tr.Expires, wantExp)
	}

	e.clk.Advance(FaceToFaceTimeout - time.Second)
	if got := e.query(t, "lazy1"); got.Status != WaitBuyerPay || got.Closed != nil {
		t.Fatalf("1s before expiry: status %s closed %v, want WAIT_BUYER_PAY and no gmt_close", got.Status, got.Closed)
	}

	e.clk.Advance(time.Hour) // well past expiry: the event is still dated at expiry
	got := e.query(t, "lazy1")
	if got.Status != Closed {
		t.Fatalf("after expiry: status %s, want TRADE_CLOSED", got.Status)
	}
	if got.Closed == nil || !got.Closed.Equal(wantExp) {
		t.Fatalf("gmt_close = %v, want %s", got.Closed, wantExp)
	}
	last := got.History[len(got.History)-1]
	if last.Type != EventExpired || last.Status != Closed || !last.At.Equal(wantExp) || last.Amount != 0 {
		t.Fatalf("last event = %+v, want expired/TRADE_CLOSED at %s", last, wantExp)
	}
	if want := []EventType{EventCreated, EventExpired}; !sameTypes(rec.types(), want) {
		t.Fatalf("observer saw %v, want %v", rec.types(), want)
	}
	// Settling is done once: another query fires nothing more.
	again := e.query(t, "lazy1")
	if len(again.History) != 2 || len(rec.types()) != 2 {
		t.Fatalf("second query: history %v, observer %v", eventTypes(again.History), rec.types())
	}
	// Settling afterwards has nothing left to fire.
	if fired := e.settleAll(); len(fired) != 0 {
		t.Fatalf("settling after lazy expiry fired %v", fired)
	}
	// An expired trade cannot be paid any more.
	_, err := e.book.Act(app1, "lazy1", ActPay, nil)
	wantErr(t, err, ErrTradeStatus)
}

func TestSettleExpiresUnpaidTrades(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	rec := &recorder{}
	e.book.Observe(rec.observe)

	short := order("sweep-short", "10")
	short.TimeoutExpress = "1m"
	must(e.book.Precreate(merchant1, short, ctx))(t)
	e.precreate(t, "sweep-default", "10")
	e.paid(t, "sweep-paid", "10")
	cashier := must(e.book.Cashier(merchant2, order("sweep-cashier", "10"), ctx, "alipay.trade.wap.pay"))(t)

	if fired := e.settleAll(); len(fired) != 0 {
		t.Fatalf("settling at t0 fired %v", fired)
	}

	e.clk.Advance(2 * time.Minute)
	fired := e.settleAll()
	if len(fired) != 1 || fired[0].Type != EventExpired || fired[0].Status != Closed || !fired[0].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("settling after 2m fired %+v, want one expired event at %s", fired, t0.Add(time.Minute))
	}
	if got := e.query(t, "sweep-short"); got.Status != Closed {
		t.Fatalf("sweep-short status %s", got.Status)
	}
	if got := e.query(t, "sweep-default"); got.Status != WaitBuyerPay {
		t.Fatalf("sweep-default status %s", got.Status)
	}
	if fired := e.settleAll(); len(fired) != 0 {
		t.Fatalf("second Sweep fired %v", fired)
	}

	e.clk.Advance(3 * time.Hour)
	fired = e.settleAll()
	if len(fired) != 1 || fired[0].Type != EventExpired || !fired[0].At.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("settling after 3h fired %+v, want the default-timeout trade", fired)
	}
	// The paid trade and the 15-day cashier trade are untouched.
	if got := e.query(t, "sweep-paid"); got.Status != Success {
		t.Fatalf("paid trade status %s", got.Status)
	}
	if got := must(e.book.Query(app2, Ref{TradeNo: cashier.TradeNo}))(t); got.Status != WaitBuyerPay {
		t.Fatalf("cashier trade status %s", got.Status)
	}

	e.clk.Set(t0.Add(CashierTimeout))
	fired = e.settleAll()
	if len(fired) != 1 || fired[0].Type != EventExpired || !fired[0].At.Equal(t0.Add(CashierTimeout)) {
		t.Fatalf("settling at 15d fired %+v, want the cashier trade", fired)
	}
	// The observer saw every expiry too.
	n := 0
	for _, ty := range rec.types() {
		if ty == EventExpired {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("observer saw %d expired events (%v), want 3", n, rec.types())
	}
}

func TestPaidTradeFinishesAfterRefundWindow(t *testing.T) {
	const window = 30 * 24 * time.Hour
	for _, via := range []string{"query", "sweep"} {
		t.Run(via, func(t *testing.T) {
			e := newEnv(t, Options{ShowUnscanned: true, RefundWindow: window})
			paid := e.paid(t, "fin1", "10")
			wantAt := paid.Paid.Add(window)

			e.clk.Advance(window - time.Second)
			if fired := e.settleAll(); len(fired) != 0 {
				t.Fatalf("settling 1s before the window ends fired %v", fired)
			}
			if got := e.query(t, "fin1"); got.Status != Success {
				t.Fatalf("1s before: status %s", got.Status)
			}
			e.clk.Advance(time.Second)
			var got Trade
			if via == "sweep" {
				fired := e.settleAll()
				if len(fired) != 1 || fired[0].Type != EventFinished || fired[0].Status != Finished || !fired[0].At.Equal(wantAt) {
					t.Fatalf("settling fired %+v, want one finished event at %s", fired, wantAt)
				}
			}
			got = e.query(t, "fin1")
			if got.Status != Finished {
				t.Fatalf("status %s, want TRADE_FINISHED", got.Status)
			}
			last := got.History[len(got.History)-1]
			if last.Type != EventFinished || !last.At.Equal(wantAt) {
				t.Fatalf("last event %+v, want finished at %s", last, wantAt)
			}
			if got.Closed != nil {
				t.Fatalf("finished trade has gmt_close %v", got.Closed)
			}
			_, err := e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "fin1"}, RefundAmount: amt("1"), OutRequestNo: "r1"})
			wantErr(t, err, ErrTradeHasFinished)
		})
	}
}

// A partly refunded trade still finishes; a fully refunded (closed) one does not.
func TestRefundWindowAfterRefunds(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	e.paid(t, "part", "10")
	e.paid(t, "full", "10")
	must(e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "part"}, RefundAmount: amt("4"), OutRequestNo: "r1"}))(t)
	must(e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "full"}, RefundAmount: amt("10")}))(t)
	e.clk.Advance(365 * 24 * time.Hour)
	fired := e.settleAll()
	if len(fired) != 1 || fired[0].Type != EventFinished {
		t.Fatalf("settling fired %+v, want one finished", fired)
	}
	if got := e.query(t, "part"); got.Status != Finished || got.Refunded() != amt("4") {
		t.Fatalf("part: %s refunded %s", got.Status, got.Refunded())
	}
	if got := e.query(t, "full"); got.Status != Closed {
		t.Fatalf("full: %s", got.Status)
	}
}

func TestListAndGet(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	a := e.precreate(t, "l1", "1")
	e.clk.Advance(time.Second)
	b := e.paid(t, "l2", "2")
	e.clk.Advance(time.Second)
	c := must(e.book.Precreate(merchant2, order("l3", "3"), ctx))(t)

	all := must(e.book.List(Filter{}))(t)
	if len(all) != 3 || all[0].TradeNo != a.TradeNo || all[1].TradeNo != b.TradeNo || all[2].TradeNo != c.TradeNo {
		t.Fatalf("List() order wrong: %v", all)
	}
	if got := must(e.book.List(Filter{AppID: app1}))(t); len(got) != 2 {
		t.Fatalf("List(app1) = %d trades", len(got))
	}
	if got := must(e.book.List(Filter{Status: Success}))(t); len(got) != 1 || got[0].OutTradeNo != "l2" {
		t.Fatalf("List(success) = %v", got)
	}
	if got := must(e.book.List(Filter{AppID: app2, Status: Success}))(t); len(got) != 0 {
		t.Fatalf("List(app2, success) = %v", got)
	}
	g := must(e.book.Get("", c.QRToken))(t)
	if g.TradeNo != c.TradeNo {
		t.Fatalf("Get by QR token = %s", g.TradeNo)
	}
	if _, err := e.book.Get(app2, "l1"); err != ErrNotFound {
		t.Fatalf("Get(app2, l1) err = %v, want ErrNotFound", err)
	}
	// List settles too.
	e.clk.Advance(4 * time.Hour)
	if got := must(e.book.List(Filter{Status: Closed}))(t); len(got) != 2 {
		t.Fatalf("List(closed) after expiry = %d trades, want 2", len(got))
	}
}

// Returned trades are copies: changing them does not change the book.
func TestReturnedTradesAreCopies(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	tr := e.paid(t, "copy1", "10")
	tr.Status = Closed
	tr.History[0].Type = EventFailed
	tr.Refunds = append(tr.Refunds, Refund{OutRequestNo: "x", Amount: amt("10")})
	got := e.query(t, "copy1")
	if got.Status != Success || got.History[0].Type != EventCreated || got.Refunded() != amount.Amount(0) {
		t.Fatalf("book changed through a returned copy: %+v", got)
	}
}
