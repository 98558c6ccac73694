package mock_test

import (
	"net/http"
	"runtime"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Every authorisation through the app authorisation page (or
// POST /_mock/app-auth-codes without merchant_app_id) makes up a new
// merchant, and the mock keeps at most 4,096 codes and 16,384 tokens naming
// them. A balance read (alipay.fund.account.query with the merchant's
// app_auth_token, or GET /_mock/apps/{auth_app_id}/balance) must not keep an
// account per merchant for ever: past the code bound, 12,000 more merchants
// whose balance was read must not grow the heap by more than the codes they
// replace. The control API stands in for the gateway (no RSA per round);
// each account kept was about 170 bytes (12,000: 2 MB; the heap's noise
// here, well past the bound, is about 150 KB).
func TestMadeUpMerchantsAccountsAreBounded(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	round := func(n int) {
		for i := 0; i < n; i++ {
			var ac struct {
				AuthAppID string `json:"auth_app_id"`
			}
			m.ControlJSON(http.MethodPost, "/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &ac)
			m.Control(http.MethodGet, "/apps/"+ac.AuthAppID+"/balance", nil, http.StatusOK)
		}
	}
	heap := func() float64 {
		runtime.GC()
		var mem struct {
			Heap struct {
				Objects float64 `json:"objects_bytes"`
			} `json:"heap"`
		}
		m.ControlJSON(http.MethodGet, "/memory", nil, http.StatusOK, &mem)
		return mem.Heap.Objects
	}
	round(appauth.MaxCodes + 2000) // well past the codes' bound
	before := heap()
	round(12000)
	after := heap()
	t.Logf("the heap grew by %.0f KB", (after-before)/1024)
	if grew := after - before; grew > 600<<10 {
		t.Errorf("12,000 more made-up merchants past the code bound grew the heap by %.0f KB: their accounts are never let go", grew/1024)
	}
}
