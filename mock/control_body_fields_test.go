package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// rvPostJSON posts a JSON body to the control API and returns the status and
// body, whatever the status.
func rvPostJSON(t *testing.T, base, path, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(base+"/_mock"+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRVDocsBuyerBodyRefusesAFieldItDoesNotTake: docs/control-api.md says a
// body "names the buyer" of POST /_mock/trades/{ref}/pay and that the
// control API refuses a body field an endpoint does not take, naming it
// (`POST /clock` with {"sped":0} is 400 and changes nothing; `POST
// /_mock/faults` "refuses a field it does not take the same way", because
// {"time":3} for "times" queued an answer for one request). The buyer's
// action and the sign-in code do not: a misspelt buyer field
// ({"buyer_idd":…}) is ignored and the trade is paid, for good, by a new
// made-up buyer, answering 200; {"user_idd":…} on /user-auth-codes hands
// out a code for a made-up user (201). A test that scripted a known buyer
// then sees another buyer_id in the notification and cannot undo the
// payment. Either should be 400 naming the field, and change nothing.
func TestRVDocsBuyerBodyRefusesAFieldItDoesNotTake(t *testing.T) {
	h := newHarness(t, mock.Options{})
	if r := h.call("alipay.trade.precreate", `{"out_trade_no":"rv-typo-1","total_amount":"1.00","subject":"Tea"}`); r["code"] != "10000" {
		t.Fatalf("precreate: %v", r)
	}
	code, body := rvPostJSON(t, h.http.URL, "/trades/rv-typo-1/pay", `{"buyer_idd":"2088000000000001"}`)
	if code != http.StatusBadRequest || !strings.Contains(body, "buyer_idd") {
		t.Errorf("POST /_mock/trades/rv-typo-1/pay {\"buyer_idd\":…}: HTTP %d %.300s\nwant 400 naming buyer_idd, as /clock and /faults refuse a field they do not take", code, body)
	}
	if st := h.control(http.MethodGet, "/trades/rv-typo-1", "", http.StatusOK)["trade_status"]; st != "WAIT_BUYER_PAY" {
		t.Errorf("after the refused pay the trade is %v, want WAIT_BUYER_PAY (the misspelt body paid it as a made-up buyer)", st)
	}

	code, body = rvPostJSON(t, h.http.URL, "/user-auth-codes", `{"app_id":"`+keys.DevAppID+`","scope":"auth_user","user_idd":"2088000000000001"}`)
	if code != http.StatusBadRequest || !strings.Contains(body, "user_idd") {
		t.Errorf("POST /_mock/user-auth-codes {\"user_idd\":…}: HTTP %d %.300s\nwant 400 naming user_idd", code, body)
	}

	// An app registered with a misspelt "methods" is allowed every method,
	// the opposite of what was asked.
	code, body = rvPostJSON(t, h.http.URL, "/apps", `{"app_id":"2021004100000077","public_key":"`+strings.TrimSpace(string(keys.DevFile("app_public_key.txt")))+`","mehtods":["alipay.trade.query"]}`)
	if code != http.StatusBadRequest || !strings.Contains(body, "mehtods") {
		t.Errorf("POST /_mock/apps {\"mehtods\":…}: HTTP %d %.300s\nwant 400 naming mehtods", code, body)
	}
}
