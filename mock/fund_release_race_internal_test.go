package mock

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/fund"
)

// forgetOnIncomeRead makes every made-up merchant unknown, as if its last
// code and token went (Restore with nothing), the first time the book
// reads app's income: inside a transfer or a balance set, after the
// gateway or the control API found the merchant known, before the book
// writes the account.
func forgetOnIncomeRead(s *Server, app string) {
	var once sync.Once
	s.Fund.IncomeFrom(func(a string) (amount.Amount, amount.Amount) {
		if a == app {
			once.Do(func() { s.Auth.Restore(nil, nil) })
		}
		return s.Trades.Income(a), 0
	})
}

// A made-up merchant's last token going while a transfer from its account
// (or a balance set) is under way released the account before the write
// opened it again, and nothing released it after: it stayed, its transfer
// evicted, for as long as the mock ran. The write now asks again whether
// the account is kept, once it is made, and releases it.
func TestAccountOpenedAsItsMerchantIsForgottenGoes(t *testing.T) {
	s, err := New(Options{Fund: fund.Options{Keep: 1}, FundPublicKey: true}) // the test is about the release, not certificate mode
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); _ = s.Close() })
	cfg := s.DevClientConfig()
	cfg.GatewayURL = hs.URL + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	transfer := func(out string, opts ...client.CallOption) {
		t.Helper()
		if _, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: out, TransAmount: amount.MustParse("1.00"),
			PayeeInfo: client.Participant{Identity: "2088000000000777", IdentityType: client.PayeeUserID}}, opts...); err != nil {
			t.Fatalf("transfer %s: %v", out, err)
		}
	}

	code, err := s.Auth.Authorise(keys.DevAppID, s.Auth.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	forgetOnIncomeRead(s, tok.AuthAppID)
	transfer("RACE-1", client.WithAppAuthToken(tok.AppAuthToken))
	if s.Auth.Knows(tok.AuthAppID) {
		t.Fatal("the merchant is still known: the hook did not run")
	}
	transfer("RACE-2") // the dev app's: evicts RACE-1 (Keep 1)
	if a, err := s.Fund.Balance(tok.AuthAppID); err != nil || a.Available != fund.DefaultOpening {
		t.Errorf("the forgotten merchant's account after its transfer went: %+v (%v); want it gone, the opening %v read", a, err, fund.DefaultOpening)
	}

	code, err = s.Auth.Authorise(keys.DevAppID, s.Auth.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	app := code.Merchant.AuthAppID
	forgetOnIncomeRead(s, app)
	req, err := http.NewRequest(http.MethodPost, hs.URL+"/_mock/apps/"+app+"/balance", strings.NewReader(`{"available_amount":"5.00"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("balance set: HTTP %d", resp.StatusCode)
	}
	if base, err := s.Fund.Base(app); err != nil || base != fund.DefaultOpening {
		t.Errorf("the forgotten merchant's account after a balance set: base %v (%v); want it gone, the opening %v read", base, err, fund.DefaultOpening)
	}
}
