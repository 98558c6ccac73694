// Package audittest holds sample merchant notification handlers for the
// audit's tests: one correct, and ones with the defects the audit must
// find. They are written the way a merchant writes one, from Alipay's
// documentation, not with the mock's client.
package audittest

import (
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// Defect is what a sample handler gets wrong.
type Defect string

// The sample handlers.
const (
	Correct        Defect = ""
	SkipsSignature Defect = "skips-signature" // never verifies sign
	NotIdempotent  Defect = "not-idempotent"  // credits every TRADE_SUCCESS it gets

	// More defects, one check each missing or wrong.
	SkipsAmount       Defect = "skips-amount"        // does not compare total_amount with the order
	SkipsAppID        Defect = "skips-app-id"        // does not check app_id
	SkipsSeller       Defect = "skips-seller"        // does not check seller_id
	AppKey            Defect = "app-key"             // verifies with the app's own public key (the dev app's)
	AnyAlgorithm      Defect = "any-algorithm"       // tries RSA2, then RSA, whatever sign_type says
	IgnoresCharset    Defect = "ignores-charset"     // reads every form as UTF-8
	LooseAnswer       Defect = "loose-answer"        // answers "\uFEFFsuccess" (a page saved with a byte order mark)
	RefusesAfterClose Defect = "refuses-after-close" // a TRADE_CLOSED order answers fail to TRADE_SUCCESS

	// LineBreaks is no defect: it answers "\r\n\r\nsuccess\r\n", as
	// Alipay's JSP demos do.
	LineBreaks Defect = "line-breaks"
)

// Order is what the shop holds of one order.
type Order struct {
	Amount   amount.Amount
	Credits  int           // payments credited; right is 1 once paid
	Refunded amount.Amount // refund_fee last seen
	Closed   bool
}

// Shop is a merchant with one notification handler.
type Shop struct {
	*httptest.Server
	AppID, SellerID string
	Alipay          *rsa.PublicKey
	Defect          Defect
	// OnRequest, when set, runs at the start of every request (a test's
	// synchronisation point).
	OnRequest func(*http.Request)
	// Ledger, when set, is a file the shop writes each order's credit
	// count to ("out_trade_no credits" lines), for a check command to read.
	Ledger string

	mu     sync.Mutex
	orders map[string]*Order
}

// NewShop starts a shop for app (selling as seller) that verifies with
// Alipay's public key alipay, with one order, closed when the test ends.
func NewShop(t testing.TB, d Defect, app, seller string, alipay *rsa.PublicKey, outTradeNo string, amt amount.Amount) *Shop {
	s := &Shop{AppID: app, SellerID: seller, Alipay: alipay, Defect: d, orders: map[string]*Order{outTradeNo: {Amount: amt}}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.notify))
	t.Cleanup(s.Close)
	return s
}

// Order is a copy of an order.
func (s *Shop) Order(outTradeNo string) Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[outTradeNo]; o != nil {
		return *o
	}
	return Order{}
}

// SetCredits sets an order's credit count (a test putting state back).
func (s *Shop) SetCredits(outTradeNo string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[outTradeNo]; o != nil {
		o.Credits = n
	}
	s.writeLedger()
}

// verified checks the signature with Alipay's public key (or the key the
// defect uses), in the algorithm sign_type names.
func (s *Shop) verified(p map[string]string, cs sign.Charset) bool {
	key := s.Alipay
	if s.Defect == AppKey {
		key = &keys.DevAppPrivateKey().PublicKey
	}
	content := sign.NotifyContent(p)
	if s.Defect == AnyAlgorithm {
		return sign.VerifyString(key, sign.RSA2, cs, content, p["sign"]) == nil ||
			sign.VerifyString(key, sign.RSA, cs, content, p["sign"]) == nil
	}
	st, err := sign.ParseType(p["sign_type"])
	return err == nil && sign.VerifyString(key, st, cs, content, p["sign"]) == nil
}

// writeLedger writes the credit counts to Ledger; s.mu is held.
func (s *Shop) writeLedger() {
	if s.Ledger == "" {
		return
	}
	var b strings.Builder
	for no, o := range s.orders {
		fmt.Fprintf(&b, "%s %d\n", no, o.Credits)
	}
	_ = os.WriteFile(s.Ledger, []byte(b.String()), 0o644)
}

// notify is the handler: read the form in its charset, verify the
// signature with Alipay's public key, check app_id, seller_id, the order
// and its amount, then act once per order, and answer exactly success.
func (s *Shop) notify(w http.ResponseWriter, r *http.Request) {
	if s.OnRequest != nil {
		s.OnRequest(r)
	}
	// GET /orders/{out_trade_no}/credits: what a check command reads.
	if no, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/orders/"), "/credits"); ok && r.Method == http.MethodGet {
		fmt.Fprintf(w, "%d", s.Order(no).Credits)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "fail", http.StatusBadRequest)
		return
	}
	cs, err := sign.ParseCharset(r.PostForm.Get("charset"))
	if err != nil {
		io.WriteString(w, "fail")
		return
	}
	if s.Defect == IgnoresCharset {
		cs = sign.UTF8
	}
	p := map[string]string{}
	for k, vs := range r.PostForm {
		if len(vs) != 1 {
			io.WriteString(w, "fail")
			return
		}
		if s.Defect == IgnoresCharset { // as a framework set to UTF-8 decodes it
			p[k] = strings.ToValidUTF8(vs[0], "\uFFFD")
			continue
		}
		if p[k], err = cs.Decode([]byte(vs[0])); err != nil {
			io.WriteString(w, "fail")
			return
		}
	}
	if s.Defect != SkipsSignature && !s.verified(p, cs) {
		io.WriteString(w, "fail")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.writeLedger()
	o := s.orders[p["out_trade_no"]]
	total, err := amount.Parse(p["total_amount"])
	if o == nil || err != nil ||
		(total != o.Amount && s.Defect != SkipsAmount) ||
		(p["app_id"] != s.AppID && s.Defect != SkipsAppID) ||
		(p["seller_id"] != s.SellerID && s.Defect != SkipsSeller) {
		io.WriteString(w, "fail")
		return
	}
	switch p["trade_status"] {
	case "TRADE_SUCCESS", "TRADE_FINISHED":
		if o.Closed && s.Defect == RefusesAfterClose {
			io.WriteString(w, "fail")
			return
		}
		if p["gmt_refund"] != "" && s.Defect != NotIdempotent {
			// A refund: cumulative refund_fee, no new payment (TRADE_FINISHED
			// carries refund_fee too, without gmt_refund).
			o.Refunded, _ = amount.Parse(p["refund_fee"])
			break
		}
		if o.Credits == 0 || s.Defect == NotIdempotent {
			o.Credits++
		}
	case "TRADE_CLOSED":
		// Closed unpaid, or fully refunded: never takes back a payment
		// (a late TRADE_SUCCESS may still come, and must be credited).
		o.Closed = true
		if fee, ok := p["refund_fee"]; ok {
			o.Refunded, _ = amount.Parse(fee)
		}
	}
	switch s.Defect {
	case LooseAnswer:
		io.WriteString(w, "\uFEFFsuccess")
		return
	case LineBreaks:
		io.WriteString(w, "\r\n\r\nsuccess\r\n")
		return
	}
	io.WriteString(w, "success")
}
