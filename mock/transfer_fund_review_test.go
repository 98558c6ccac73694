package mock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

const selfTransferBase = `"trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER","transfer_scene_name":"佣金报酬"`

// A transfer to the merchant's own account named by its logon id
// (seller_email) answers PAYER_PAYEE_CANNOT_SAME (docs/transfers.md), as
// one to its user id does; in one process and with --store.
func TestTransferToMerchantsOwnLogonIDAnswersPayerPayeeSame(t *testing.T) {
	t.Run("one process", func(t *testing.T) { selfByLogonID(t, mock.Options{}) })
	t.Run("store", func(t *testing.T) { selfByLogonID(t, mock.Options{Store: pgtest.URL(t)}) })
}

func selfByLogonID(t *testing.T, o mock.Options) {
	m := mocktest.New(t, o).CertApp()
	a, _ := m.Srv.Apps.Get(keys.DevCertAppID)
	if a.Seller.Email == "" {
		t.Fatal("the dev app has no seller email")
	}
	for i, identity := range []string{a.Seller.Email, strings.ToUpper(a.Seller.Email)} {
		r := m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"self-`+string(rune('a'+i))+`",`+selfTransferBase+
			`,"payee_info":{"identity":"`+identity+`","identity_type":"ALIPAY_LOGON_ID","name":"某商户"}}`)
		if r["sub_code"] != "PAYER_PAYEE_CANNOT_SAME" {
			t.Errorf("a transfer to the merchant's own logon id %s answered %v, want 40004 PAYER_PAYEE_CANNOT_SAME", identity, r)
		}
	}
	if ts := m.Control("GET", "/transfers", nil, http.StatusOK); strings.Contains(string(ts), "self-") {
		t.Errorf("a refused transfer was kept: %s", ts)
	}
}

// An ISV's transfer for a merchant an authorisation made up (no apps file
// holds it) is kept under auth_app_id, and the control API reaches that
// account: GET and POST /_mock/apps/{auth_app_id}/balance and
// POST /_mock/reset?app_id={auth_app_id}. An id no authorisation made is
// still 404.
func TestAuthorisedMerchantsBalanceIsReachableThroughControlAPI(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	var code struct {
		Code string `json:"app_auth_code"`
	}
	if err := json.Unmarshal(m.Control("POST", "/app-auth-codes", `{"app_id":"`+keys.DevCertAppID+`"}`, http.StatusCreated), &code); err != nil {
		t.Fatal(err)
	}
	tok, err := c.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	as := client.WithAppAuthToken(tok.AppAuthToken)
	transfer := func(out, amt string) error {
		_, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: out, TransAmount: amount.MustParse(amt),
			PayeeInfo: client.Participant{Identity: "2088000000000777", IdentityType: client.PayeeUserID}}, as)
		return err
	}
	if err := transfer("isv-1", "1.00"); err != nil {
		t.Fatal(err)
	}
	if ts := m.Control("GET", "/transfers?app_id="+tok.AuthAppID, nil, http.StatusOK); !strings.Contains(string(ts), `"isv-1"`) {
		t.Fatalf("the transfer is not listed under auth_app_id: %s", ts)
	}
	var b struct {
		AppID     string        `json:"app_id"`
		Available amount.Amount `json:"available_amount"`
	}
	m.ControlJSON("POST", "/apps/"+tok.AuthAppID+"/balance", `{"available_amount":"0.50"}`, http.StatusOK, &b)
	if b.AppID != tok.AuthAppID || b.Available != amount.MustParse("0.50") {
		t.Fatalf("set balance: %+v", b)
	}
	// The gateway sees the balance the control API set.
	if err := transfer("isv-2", "1.00"); err == nil || !strings.Contains(err.Error(), "PAYER_BALANCE_NOT_ENOUGH") {
		t.Fatalf("a transfer over the balance set: %v, want PAYER_BALANCE_NOT_ENOUGH", err)
	}
	m.ControlJSON("GET", "/apps/"+tok.AuthAppID+"/balance", nil, http.StatusOK, &b)
	if b.Available != amount.MustParse("0.50") {
		t.Fatalf("get balance: %+v", b)
	}
	m.Control("POST", "/reset?app_id="+tok.AuthAppID, nil, http.StatusOK)
	if ts := m.Control("GET", "/transfers?app_id="+tok.AuthAppID, nil, http.StatusOK); strings.Contains(string(ts), `"isv-1"`) {
		t.Fatalf("the reset kept the merchant's transfers: %s", ts)
	}
	for _, path := range []string{"/_mock/apps/2021000000000000/balance", "/_mock/reset?app_id=2021000000000000"} {
		method := "GET"
		if strings.Contains(path, "reset") {
			method = "POST"
		}
		req, _ := http.NewRequest(method, m.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s (no such app): %d %s, want 404", method, path, resp.StatusCode, body)
		}
	}
}

// --keep-transfers bounds DEALING transfers too, as --keep-trades bounds
// trades that are not final: past it the oldest goes when no final one is
// left, its end taken off the clock (GET /_mock/memory's pending_jobs), its
// money counted as it was planned to end (SUCCESS keeps it taken, REFUND
// gives it back). With --data the data file holds no more than the bound.
func TestDealingTransfersAreBoundedByKeepTransfers(t *testing.T) {
	const keep, made = 10, 30
	for _, c := range []struct {
		magic string
		// available is the balance once the kept ones end, from 1,000,000.00.
		available string
	}{
		{"30001.00", "99970.00"},   // every transfer paid
		{"30003.00", "1000000.00"}, // every transfer refunded
	} {
		t.Run(c.magic, func(t *testing.T) {
			o := mock.Options{DataDir: t.TempDir(), Fund: fund.Options{Keep: keep}}
			m := mocktest.New(t, o).CertApp()
			for i := range made {
				r := m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"deal-`+strconv.Itoa(i)+`","trans_amount":"`+c.magic+
					`","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER","transfer_scene_name":"佣金报酬","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`)
				if r["status"] != "DEALING" {
					t.Fatalf("transfer %d: %v", i, r)
				}
			}
			var mem struct {
				Transfers struct {
					Count int `json:"count"`
					Keep  int `json:"keep"`
				} `json:"transfers"`
				PendingJobs int `json:"pending_jobs"`
			}
			m.ControlJSON("GET", "/memory", nil, http.StatusOK, &mem)
			if mem.Transfers.Count != keep || mem.Transfers.Keep != keep {
				t.Errorf("GET /_mock/memory: %d transfers kept, keep %d, want %d", mem.Transfers.Count, mem.Transfers.Keep, keep)
			}
			if mem.PendingJobs > keep {
				t.Errorf("GET /_mock/memory: %d jobs on the clock for %d DEALING transfers kept", mem.PendingJobs, keep)
			}
			if ts := m.Control("GET", "/transfers", nil, http.StatusOK); strings.Contains(string(ts), `"deal-19"`) || !strings.Contains(string(ts), `"deal-20"`) {
				t.Errorf("not the newest %d kept: %s", keep, ts)
			}
			m.Advance("5m")
			var b struct {
				Available amount.Amount `json:"available_amount"`
				Freeze    amount.Amount `json:"freeze_amount"`
			}
			m.ControlJSON("GET", "/apps/"+keys.DevCertAppID+"/balance", nil, http.StatusOK, &b)
			if b.Available != amount.MustParse(c.available) || b.Freeze != 0 {
				t.Errorf("balance after the kept ones ended: %+v, want available %s, nothing frozen", b, c.available)
			}
			// The data file holds the transfers kept, not those evicted.
			o.Fund.Keep = -1
			m = restart(t, m, o)
			m.ControlJSON("GET", "/memory", nil, http.StatusOK, &mem)
			if mem.Transfers.Count != keep {
				t.Errorf("after a restart keeping all: %d transfers in the data file, want %d", mem.Transfers.Count, keep)
			}
		})
	}
}
