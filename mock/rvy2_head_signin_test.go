package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// HEAD now answers every GET route "as its GET, without the body"
// (CHANGELOG; docs/control-api.md), for uptime monitors and link checkers.
// The sign-in page's GET opens a consent form and draws a user id from the
// mock's generator, so a link checker's HEAD of an app's sign-in URL does
// too: HEAD is a safe method (RFC 9110 §9.2.1), and a --seed run numbers
// its next trade differently after a HEAD nobody acted on (before this
// range HEAD was 404 there, which changed nothing).
func TestRvy2HeadOfTheSignInPageLeavesTheSeededNumbering(t *testing.T) {
	next := func(head bool) string {
		m := mocktest.New(t, mock.Options{})
		if head {
			q := "app_id=" + keys.DevAppID + "&scope=auth_user&redirect_uri=https%3A%2F%2Fshop.example%2Fcb"
			resp, err := http.Head(m.URL + "/oauth2/publicAppAuthorize.htm?" + q)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("HEAD of the sign-in page: HTTP %d", resp.StatusCode)
			}
		}
		m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"H-1","total_amount":"8.00","subject":"s"}`, nil))
		m.Control("POST", "/trades/H-1/scan", "", http.StatusOK)
		var tr struct {
			TradeNo string `json:"trade_no"`
		}
		m.ControlJSON("GET", "/trades/H-1", "", http.StatusOK, &tr)
		return tr.TradeNo
	}
	if without, with := next(false), next(true); without != with {
		t.Errorf("the next trade after a HEAD of the sign-in page is %q, without it %q: a HEAD drew from the seeded generator", with, without)
	}
}
