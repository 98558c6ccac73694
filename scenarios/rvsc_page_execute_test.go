package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
)

// A forced answer with execute answers its request whatever the method's
// own result (dispatch: the operation ran, only its answer is lost), and
// page methods "follow the same rules" (docs/scenarios.md). On page pay a
// queued 20000 execute whose trade does not open (the out_trade_no is
// paid already) is used up, yet the page shows the real error instead.
func TestRvscForcedExecuteOnAPagePayThatFailsShowsTheRealError(t *testing.T) {
	e := newEnv(t, mock.Options{})
	// The gateway API: the forced answer, though precreate fails.
	if _, err := e.pay("PEX-1", "1.00"); err != nil {
		t.Fatal(err)
	}
	e.control("POST", "/faults", `{"method":"alipay.trade.precreate","code":"20000","execute":true}`, http.StatusCreated)
	_, err := e.c.Precreate(e.ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "PEX-1", TotalAmount: amount.MustParse("1.00"), Subject: "x"}})
	api := code(err)
	// The page: the same queued answer.
	e.control("POST", "/faults", `{"method":"alipay.trade.page.pay","code":"20000","execute":true}`, http.StatusCreated)
	st, b, _ := e.pagePay("PEX-1", "")
	left := string(e.control("GET", "/faults", "", http.StatusOK))
	if !strings.Contains(b, "20000") && !strings.Contains(b, "unknow-error") {
		i := strings.Index(b, "错误代码")
		t.Errorf("precreate of a paid trade under a queued 20000 execute answers %q; page pay under the same answer: HTTP %d %q, not the forced 20000; queue after it: %s",
			api, st, b[max(i, 0):min(len(b), max(i, 0)+120)], left)
	}
}
