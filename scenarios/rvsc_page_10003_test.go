package scenarios_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// 10003 is not a failure (the operation is in progress) and no page pay
// answers it. A respond 10003 (execute) on page pay, which loads (unlike
// fields, delay and fault, refused on page methods), opens the trade and
// then shows the cashier's error page "错误代码 10003" with an empty 错误原因:
// the buyer never reaches the cashier of the trade that opened. It should
// be a problem of the file, or leave the page to the cashier.
func TestRvscRespond10003OnPagePayShowsAnEmptyErrorPage(t *testing.T) {
	e := newEnv(t, mock.Options{})
	r, err := http.Post(e.m.URL+"/_mock/scenarios?app_id="+keys.DevAppID, "application/yaml",
		strings.NewReader("name: p\nrules:\n  - when: {method: alipay.trade.page.pay}\n    then: {respond: {code: \"10003\", execute: true}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if r.StatusCode == http.StatusBadRequest {
		return // a problem of the file
	}
	st, b, loc := e.pagePay("P10003", "")
	if st != http.StatusFound || !strings.Contains(loc, "/cashier/") {
		i := max(strings.Index(b, "错误代码"), 0)
		t.Errorf("page pay under respond 10003 execute (loaded, HTTP %d): HTTP %d %q; want the cashier of the trade it opened, or the file refused",
			r.StatusCode, st, b[i:min(len(b), i+60)])
	}
}
