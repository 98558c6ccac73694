package coupon

import (
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// gmt8 is built here rather than taken from fixtures so the tests pin the
// zone themselves; nothing depends on the machine's zone.
var gmt8 = time.FixedZone("GMT+8", 8*3600)

// t0 is the fixed start of every test: 2024-03-01 10:00:00 GMT+8.
var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, gmt8)

const (
	app1 = "2021000000000001"
	app2 = "2021000000000002"

	methodApp       = "alipay.fund.coupon.order.app.pay"
	methodPage      = "alipay.fund.coupon.order.page.pay"
	methodAgreement = "alipay.fund.coupon.order.agreement.pay"
	methodDisburse  = "alipay.fund.coupon.order.disburse"

	payerID  = "2088102000000001" // the sender of agreement-paid packets
	payeeID  = "2088102000000002" // the usual claimant
	payeeID2 = "2088102000000003"

	title = "新年红包"
)

var (
	merchant1 = domain.Merchant{AppID: app1, Seller: fixtures.Seller{UserID: "2088100000000001", Email: "shop@alitest.com", Name: "Shop One"}}
	merchant2 = domain.Merchant{AppID: app2, Seller: fixtures.Seller{UserID: "2088100000000002", Email: "two@alitest.com", Name: "Shop Two"}}
	ctx       = domain.Context{NotifyURL: "https://merchant.example/notify", ReturnURL: "https://merchant.example/return", Charset: "utf-8", SignType: "RSA2"}
)

// Sentinel for errors.Is: INVALID_PARAMETER with any detail.
var errInvalidParameter = apierr.Business("INVALID_PARAMETER", "")

var (
	// auth_no: the GMT+8 date, "11", 18 digits.
	authNoPattern = regexp.MustCompile(`^20240301` + `11` + `[0-9]{18}$`)
	// operation_id: the GMT+8 date (of the operation), "20", 18 digits.
	opIDPattern   = regexp.MustCompile(`^202403[0-9]{2}` + `20` + `[0-9]{18}$`)
	userIDPattern = regexp.MustCompile(`^2088[0-9]{12}$`)
)

func amt(s string) amount.Amount { return amount.MustParse(s) }

// manualClock is what the tests need of clock.NewManual's result.
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

// subCode is the sub_code of an *apierr.Error, or the text of another error.
func subCode(err error) string {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.SubCode
	}
	if err == nil {
		return ""
	}
	return err.Error()
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

func payReq(out, amount string) PayRequest {
	return PayRequest{OutOrderNo: out, OutRequestNo: out + "-pay", OrderTitle: title, Amount: amt(amount), ExtraParam: `{"memo":"` + out + `"}`}
}

func agreementReq(out, amount string) PayRequest {
	r := payReq(out, amount)
	r.PayerUserID = payerID
	return r
}

// appPay opens an app-pay packet of app1, waiting for the sender (INIT).
func (e *env) appPay(t *testing.T, out, amount string) Result {
	t.Helper()
	res := must(e.book.Pay(merchant1, payReq(out, amount), ctx, methodApp, false))(t)
	if res.Order.Status != OrderInit {
		t.Fatalf("setup: app pay status %s, want INIT", res.Order.Status)
	}
	return res
}

// packet is an agreement-paid red packet of app1 (AUTHORIZED, rest=amount).
func (e *env) packet(t *testing.T, out, amount string) Order {
	t.Helper()
	res := must(e.book.Pay(merchant1, agreementReq(out, amount), ctx, methodAgreement, false))(t)
	if res.Order.Status != OrderAuthorized || res.Order.Rest != amt(amount) {
		t.Fatalf("setup: agreement pay status %s rest %s", res.Order.Status, res.Order.Rest)
	}
	return res.Order
}

func claimReq(packetAuthNo, out, amount string) DisburseRequest {
	return DisburseRequest{OutOrderNo: out, OutRequestNo: out + "-req", DeductAuthNo: packetAuthNo, Amount: amt(amount), PayeeUserID: payeeID}
}

// claim disburses amount from a packet to payeeID.
func (e *env) claim(t *testing.T, packetAuthNo, out, amount string, processing bool) Result {
	t.Helper()
	return must(e.book.Disburse(merchant1, claimReq(packetAuthNo, out, amount), ctx, processing))(t)
}

func (e *env) get(t *testing.T, ref string) Order {
	t.Helper()
	return must(e.book.Get(app1, ref))(t)
}

func eventTypes(h []Event) []string {
	var out []string
	for _, e := range h {
		out = append(out, e.Type)
	}
	return out
}

func sameStrings(a, b []string) bool {
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

func opsOfType(o Order, typ OpType) []Operation {
	var out []Operation
	for _, op := range o.Operations {
		if op.Type == typ {
			out = append(out, op)
		}
	}
	return out
}

func timeEq(p *time.Time, want time.Time) bool { return p != nil && p.Equal(want) }

// recorder is an observer that keeps what it heard.
type recorder struct {
	mu     sync.Mutex
	events []Event
	orders []Order
}

func (r *recorder) observe(o Order, e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	r.orders = append(r.orders, o)
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return eventTypes(r.events)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events, r.orders = nil, nil
}

var errAmbiguous = trade.ErrAmbiguous

func asAPIErr(t *testing.T, err error) *apierr.Error {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%T %v is not an *apierr.Error", err, err)
	}
	return ae
}
