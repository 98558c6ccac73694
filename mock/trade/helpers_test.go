package trade

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
)

// gmt8 is built here rather than taken from fixtures so the tests pin the
// zone themselves; nothing depends on the machine's zone.
var gmt8 = time.FixedZone("GMT+8", 8*3600)

// t0 is the fixed start of every test: 2024-03-01 10:00:00 GMT+8.
var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, gmt8)

const (
	app1 = "2021000000000001"
	app2 = "2021000000000002"

	sellerID = "2088100000000001"

	authCodeA = "281234567890123456" // 18 digits, prefix 28
	authCodeB = "251111222233334444"
)

var (
	merchant1 = domain.Merchant{AppID: app1, Seller: fixtures.Seller{UserID: sellerID, Email: "shop@alitest.com", Name: "Shop One"}}
	merchant2 = domain.Merchant{AppID: app2, Seller: fixtures.Seller{UserID: "2088100000000002", Email: "two@alitest.com", Name: "Shop Two"}}
	ctx       = domain.Context{NotifyURL: "https://merchant.example/notify", Charset: "utf-8", SignType: "RSA2"}
)

// Sentinels for errors.Is: a target's Code and SubCode must match.
var errInvalidParameter = apierr.Business("ACQ.INVALID_PARAMETER", "")

var (
	tradeNoPattern = regexp.MustCompile(`^20240301` + `22` + `[0-9]{18}$`)
	userIDPattern  = regexp.MustCompile(`^2088[0-9]{12}$`)
	qrTokenPattern = regexp.MustCompile(`^bax0[a-z2-7]{26}$`)
)

func amt(s string) amount.Amount { return amount.MustParse(s) }

// manualClock is what the tests need of clock.NewManual's result, whatever
// its concrete type.
type manualClock interface {
	clock.Clock
	Advance(d time.Duration) time.Time
	Set(t time.Time) error
}

type env struct {
	clk  manualClock
	book *Book
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clk := clock.NewManual(t0)
	return &env{clk: clk, book: NewBook(clk, fixtures.New(1), opts)}
}

func order(out, total string) Order {
	o := Order{OutTradeNo: out, Subject: "Iphone6 16G", ProductCode: "FACE_TO_FACE_PAYMENT"}
	if total != "" {
		o.TotalAmount = amt(total)
	}
	return o
}

func barcode(out, total, code string) Order {
	o := order(out, total)
	o.Scene = "bar_code"
	o.AuthCode = code
	return o
}

// wantErr checks err against a sentinel *apierr.Error (or a plain error)
// both with errors.Is and, for apierr targets, by comparing the SubCode.
func wantErr(t *testing.T, err error, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
	var w *apierr.Error
	if errors.As(want, &w) {
		var g *apierr.Error
		if !errors.As(err, &g) {
			t.Fatalf("got %T %v, want *apierr.Error", err, err)
		}
		if g.Code != apierr.CodeBusiness || g.SubCode != w.SubCode {
			t.Fatalf("got code=%s sub_code=%s, want code=%s sub_code=%s", g.Code, g.SubCode, apierr.CodeBusiness, w.SubCode)
		}
	}
}

// must(f(...))(t) returns f's value, failing the test on f's error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func (e *env) precreate(t *testing.T, out, total string) Trade {
	t.Helper()
	return must(e.book.Precreate(merchant1, order(out, total), ctx))(t)
}

// paid makes a paid trade of app1: precreate, scan, pay.
func (e *env) paid(t *testing.T, out, total string) Trade {
	t.Helper()
	e.precreate(t, out, total)
	must(e.book.Act(app1, out, ActScan, nil))(t)
	tr := must(e.book.Act(app1, out, ActPay, nil))(t)
	if tr.Status != Success {
		t.Fatalf("setup: status %s, want TRADE_SUCCESS", tr.Status)
	}
	return tr
}

func (e *env) query(t *testing.T, out string) Trade {
	t.Helper()
	return must(e.book.Query(app1, Ref{OutTradeNo: out}))(t)
}

func eventTypes(h []Event) []EventType {
	var out []EventType
	for _, e := range h {
		out = append(out, e.Type)
	}
	return out
}

func sameTypes(a, b []EventType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// settleAll settles every trade as the scheduler does at each one's
// deadline, and returns the events that fired.
func (e *env) settleAll() []Event {
	e.book.mu.Lock()
	var ts [][2]string // read without settling, as List would
	for _, c := range e.book.byOut {
		t := e.book.view(c)
		ts = append(ts, [2]string{t.AppID, t.TradeNo})
	}
	e.book.mu.Unlock()
	var fired []Event
	for _, t := range ts {
		fired = append(fired, e.book.Settle(t[0], t[1])...)
	}
	return fired
}
