package coupon

import (
	"errors"
	"testing"

	"github.com/alipay-mock/alipay-mock/fixtures"
)

// The cashier page finds a red packet by its token only: auth_no and
// out_order_no, which the merchant and notifications show, open nothing.
func TestSenderOnPage(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.appPay(t, "pg1", "10").Order
	b := e.appPay(t, "pg2", "20").Order
	if a.CashierToken == "" || a.CashierToken == b.CashierToken {
		t.Fatalf("tokens %q %q", a.CashierToken, b.CashierToken)
	}
	for _, ref := range []string{"pg1", a.AuthNo, "", "nope"} {
		if _, err := e.book.OnPage(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("OnPage(%q): %v, want ErrNotFound", ref, err)
		}
		if _, err := e.book.SenderPayOnPage(ref, nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("SenderPayOnPage(%q): %v, want ErrNotFound", ref, err)
		}
		if _, err := e.book.SenderCloseOnPage(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("SenderCloseOnPage(%q): %v, want ErrNotFound", ref, err)
		}
	}
	if got := e.get(t, "pg1"); got.Status != OrderInit {
		t.Fatalf("pg1 is %s after refused page actions", got.Status)
	}
	if o := must(e.book.OnPage(b.CashierToken))(t); o.AuthNo != b.AuthNo {
		t.Fatalf("OnPage gave %s, want %s", o.AuthNo, b.AuthNo)
	}
	if o := must(e.book.SenderPayOnPage(a.CashierToken, nil))(t); o.AuthNo != a.AuthNo || o.Status != OrderAuthorized {
		t.Fatalf("pay on page: %+v", o)
	}
	if o := must(e.book.SenderCloseOnPage(b.CashierToken))(t); o.AuthNo != b.AuthNo || o.Status != OrderClosed {
		t.Fatalf("close on page: %+v", o)
	}
	e.book.Reset(app1)
	if _, err := e.book.OnPage(a.CashierToken); !errors.Is(err, ErrNotFound) {
		t.Fatalf("token still opens the page after reset: %v", err)
	}
}

// A sender who gives only an account on the cashier keeps it: the mock
// makes up the user id around it, as it does for a trade's buyer.
func TestSenderAccountKeptOnPage(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.appPay(t, "acct1", "10").Order
	o := must(e.book.SenderPayOnPage(a.CashierToken, &fixtures.Buyer{LogonID: "sender@example.com"}))(t)
	if o.Payer.Account != "sender@example.com" || o.Payer.LogonID != fixtures.MaskLogon("sender@example.com") || o.Payer.UserID == "" {
		t.Fatalf("payer after paying with an account only: %+v", o.Payer)
	}
}
