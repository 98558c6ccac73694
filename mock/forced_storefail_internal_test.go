package mock

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/client"
)

// forcing adds an X-Alipay-Mock header to every request.
type forcing struct{ header string }

func (f forcing) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Alipay-Mock", f.header)
	return http.DefaultTransport.RoundTrip(r)
}

// A forced answer that runs the method first (execute=true) never stands
// in for the store's failure: the gateway answers 20000, in v1, v3 and on
// a page method's error page, not the forced verdict, which says the
// trade was made. The data file fails before the calls.
func TestForcedAnswerDoesNotHideAStoreFailure(t *testing.T) {
	s, base := resetMock(t, t.TempDir())
	cfg := s.DevClientConfig()
	cfg.GatewayURL = base + GatewayPath
	cfg.HTTPClient = &http.Client{Transport: forcing{"code=40004&sub_code=ACQ.TRADE_HAS_CLOSE&execute=true"}}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "FSF-1", TotalAmount: amount.MustParse("1.00"), Subject: "s"},
		Scene: "bar_code", AuthCode: "283912345678901234"})
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Code != apierr.CodeUnknown {
		t.Errorf("v1 pay the store failed, under a forced 40004 with execute: %v, want 20000", err)
	}
	err = c.V3(ctx, "alipay.trade.pay", map[string]any{"out_trade_no": "FSF-2", "scene": "bar_code", "auth_code": "283912345678901234",
		"total_amount": "1.00", "subject": "s"}, nil)
	if !errors.As(err, &ae) || ae.Code != apierr.CodeUnknown {
		t.Errorf("v3 pay the store failed, under a forced 40004 with execute: %v, want 20000", err)
	}
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "FSF-3", TotalAmount: amount.MustParse("1.00"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	st, page := resetCall(t, http.MethodGet, u, map[string]string{"X-Alipay-Mock": "code=40004&sub_code=ACQ.TRADE_HAS_CLOSE&execute=true"})
	if st != http.StatusOK || strings.Contains(string(page), "TRADE_HAS_CLOSE") || !strings.Contains(string(page), "20000") && !strings.Contains(string(page), "unknow-error") {
		t.Errorf("page pay the store failed, under a forced 40004 with execute: HTTP %d %.400s, want the store's failure", st, page)
	}
}
