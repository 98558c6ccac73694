package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// GET /_mock/journal?failed= has three states: true lists the requests
// whose signature failed, false those whose signature verified, absent
// every request. false used to mean "no filter", so a test asking for
// the requests that verified got the failed ones as well.
func TestJournalFailedFalseListsOnlyVerifiedRequests(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Call("alipay.trade.query", `{"out_trade_no":"good"}`)
	p := m.Params("alipay.trade.query", `{"out_trade_no":"bad"}`, nil)
	p["sign"] = "AAAA" + p["sign"][4:]
	m.Post(p)
	count := func(query string) (verified, failed int) {
		var list []journal.Entry
		m.ControlJSON("GET", "/journal"+query, nil, http.StatusOK, &list)
		for _, e := range list {
			if e.Verified {
				verified++
			} else {
				failed++
			}
		}
		return verified, failed
	}
	if v, f := count("?failed=false"); v != 1 || f != 0 {
		t.Errorf("failed=false lists %d verified and %d failed requests, want 1 and 0", v, f)
	}
	if v, f := count("?failed=true"); v != 0 || f != 1 {
		t.Errorf("failed=true lists %d verified and %d failed requests, want 0 and 1", v, f)
	}
	if v, f := count(""); v != 1 || f != 1 {
		t.Errorf("no filter lists %d verified and %d failed requests, want 1 and 1", v, f)
	}
}
