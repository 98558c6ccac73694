package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// startWithData starts a mock on dir with a frozen clock reading at.
func startWithData(t *testing.T, dir string, at time.Time) (*mock.Server, *client.Client) {
	t.Helper()
	// FundPublicKey: the dev app's red packets are what persists, not the subject.
	s, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", DataDir: dir, Seed: 1, Clock: clock.NewManual(at), TimestampTolerance: -1, FundPublicKey: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c, err := client.New(s.DevClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v: %s", url, err, b)
	}
}

func TestDataDirCarriesStateAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	start := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	merchant := newMerchant(t, "fail", "fail", "success")

	s1, c1 := startWithData(t, dir, start)
	// An app registered through the control API, with its own seller.
	pair, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"app_id":"2021000000000077","public_key":"` + keys.PublicBase64(&pair.Private.PublicKey) + `"}`
	resp, err := http.Post(s1.URL()+"/_mock/apps", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add app: %v %v", err, resp)
	}
	var added struct {
		SellerID string `json:"seller_id"`
	}
	json.NewDecoder(resp.Body).Decode(&added)
	resp.Body.Close()

	pay, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "P1", TotalAmount: amount.MustParse("100.00"), Subject: "persisted"},
		Scene: "bar_code", AuthCode: "283912345678901234"}, client.WithNotifyURL(merchant.URL+"/notify"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Refund(ctx, client.RefundRequest{OutTradeNo: "P1", RefundAmount: amount.MustParse("30.00"), OutRequestNo: "R1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "Q1", TotalAmount: amount.MustParse("8.00"), Subject: "unpaid"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Trades.Act(keys.DevAppID, "Q1", trade.ActScan, nil); err != nil { // scanned, so query sees it
		t.Fatal(err)
	}
	rp, err := c1.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{OutOrderNo: "RP1", OutRequestNo: "RPQ1",
		OrderTitle: "红包", Amount: amount.MustParse("50.00")}, PayerUserID: "2088102000000001"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := s1.Auth.Authorise(keys.DevAppID, s1.Auth.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c1.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	s1.Sched.Advance(time.Minute) // the first attempt happened and failed
	before := s1.Clock.Now()
	if list := s1.Notifier.Outbox().List(notify.Filter{OutTradeNo: "P1", State: notify.Pending}); len(list) == 0 {
		t.Fatal("want P1's notifications pending before the restart")
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process on the same directory, told another time: the stored
	// clock wins.
	s2, c2 := startWithData(t, dir, start.Add(-48*time.Hour))
	if got := s2.Clock.Now(); !got.Equal(before) {
		t.Fatalf("clock after restart %v, want %v", got, before)
	}
	q, err := c2.Query(ctx, client.QueryRequest{OutTradeNo: "P1"})
	if err != nil {
		t.Fatal(err)
	}
	if q.TradeNo != pay.TradeNo || q.TradeStatus != client.TradeSuccess || q.TotalAmount.String() != "100.00" {
		t.Errorf("P1 after restart: %+v", q)
	}
	rq, err := c2.RefundQuery(ctx, client.RefundQueryRequest{OutTradeNo: "P1", OutRequestNo: "R1"})
	if err != nil || rq.RefundAmount.String() != "30.00" {
		t.Errorf("refund R1 after restart: %+v %v", rq, err)
	}
	// The stored request fingerprint still tells a repeat from a conflict.
	if r, err := c2.Refund(ctx, client.RefundRequest{OutTradeNo: "P1", RefundAmount: amount.MustParse("30.00"), OutRequestNo: "R1"}); err != nil || r.RefundFee.String() != "30.00" {
		t.Errorf("repeated refund R1: %+v %v", r, err)
	}
	if _, err := c2.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "P1", TotalAmount: amount.MustParse("99.00"), Subject: "persisted"},
		Scene: "bar_code", AuthCode: "283912345678901234"}); err == nil {
		t.Error("paying P1 again with another amount was accepted")
	}
	if q, err := c2.Query(ctx, client.QueryRequest{OutTradeNo: "Q1"}); err != nil || q.TradeStatus != client.TradeWaitBuyerPay {
		t.Errorf("Q1 after restart: %+v %v", q, err)
	}
	if r, err := c2.CouponOperationQuery(ctx, client.CouponOperationQueryRequest{AuthNo: rp.AuthNo, OperationID: rp.OperationID}); err != nil || r.Status != "SUCCESS" {
		t.Errorf("red packet after restart: %+v %v", r, err)
	}
	if _, err := c2.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "ISV1", TotalAmount: amount.MustParse("1.00"), Subject: "for the merchant"}},
		client.WithAppAuthToken(tok.AppAuthToken)); err != nil {
		t.Errorf("app_auth_token after restart: %v", err)
	}
	_, err = c2.ExchangeAppAuthCode(ctx, code.Code)
	wantAPIError(t, err, "40004", "AUTH_CODE_NOT_VALID")
	var appsList []struct {
		AppID    string `json:"app_id"`
		SellerID string `json:"seller_id"`
	}
	getJSON(t, s2.URL()+"/_mock/apps", &appsList)
	found := false
	for _, a := range appsList {
		found = found || (a.AppID == "2021000000000077" && a.SellerID == added.SellerID)
	}
	if !found {
		t.Errorf("app 2021000000000077 with seller %s not restored: %+v", added.SellerID, appsList)
	}

	// The pending retry carries on from where it was: the merchant now
	// answers, and every notification of P1 ends delivered.
	s2.Sched.Advance(30 * time.Minute)
	after := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "P1"})
	if len(after) == 0 {
		t.Error("P1's notifications were not restored")
	}
	for _, n := range after {
		if n.State != notify.Delivered || len(n.Attempts) < 2 {
			t.Errorf("notification %s after restart: %s after %d attempts", n.ID, n.State, len(n.Attempts))
		}
		// Attempts from before and after the restart each keep the form
		// they sent: their own notify_time, the same notify_id.
		for i, a := range n.Attempts {
			if want := timestamp.Format(a.At); a.NotifyTime != want || !strings.Contains(a.Body, "notify_time="+url.QueryEscape(want)) ||
				!strings.Contains(a.Body, "notify_id="+n.NotifyID) {
				t.Errorf("notification %s attempt %d: notify_time %q, body %s", n.ID, i+1, a.NotifyTime, a.Body)
			}
		}
	}
	// New trades get new numbers, not the stored ones again.
	p2, err := c2.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "Q2", TotalAmount: amount.MustParse("1.00"), Subject: "new"}})
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := c2.Query(ctx, client.QueryRequest{TradeNo: pay.TradeNo}); q == nil || q.OutTradeNo != "P1" {
		t.Errorf("P1's trade_no names another trade after new trade %s: %+v", p2.OutTradeNo, q)
	}
	seen := map[string]string{}
	for _, tr := range must(s2.Trades.List(trade.Filter{}))(t) {
		if other, dup := seen[tr.TradeNo]; dup {
			t.Errorf("trade_no %s given to %s and %s", tr.TradeNo, other, tr.OutTradeNo)
		}
		seen[tr.TradeNo] = tr.OutTradeNo
	}

	// A reset is stored too.
	resp, err = http.Post(s2.URL()+"/_mock/reset", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("reset: %v %v", err, resp)
	}
	resp.Body.Close()
	s2.Close()
	_, c3 := startWithData(t, dir, start)
	_, err = c3.Query(ctx, client.QueryRequest{OutTradeNo: "P1"})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("P1 after reset and restart: %v", err)
	}
}

func TestDataDirInUseIsRefused(t *testing.T) {
	dir := t.TempDir()
	startWithData(t, dir, time.Now())
	_, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second mock on one directory: %v", err)
	}
}

func TestFailedStartLetsGoOfTheDataDir(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	if _, err := mock.Start(mock.Options{Addr: busy.Addr().String(), DataDir: dir}); err == nil {
		t.Fatal("started on a busy port")
	}
	s, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatalf("after a failed start the directory is still held: %v", err)
	}
	s.Close()
}

// must(f(...))(t) returns f's value, failing the test on f's error.
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
