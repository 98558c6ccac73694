package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A queued (forced) answer is the same refusal through Do and V3, as the
// client's docs and CHANGELOG promise ("V3 reports the code Do gets for
// the same refusal"): 20000 ACQ.SYSTEM_ERROR (a sub_code the mock takes)
// must not come back from V3 as aop.ACQ.SYSTEM_ERROR, and a 40004 whose
// sub_code happens to be a gateway-level one must stay a 40004; a 40002
// without sub_code must not become a 20000.
func TestV3ForcedAnswerIsTheCodeDoGets(t *testing.T) {
	for _, f := range []map[string]any{
		{"method": "alipay.trade.query", "code": "20000", "sub_code": "ACQ.SYSTEM_ERROR", "times": 2},
		{"method": "alipay.trade.query", "code": "40004", "sub_code": "isv.invalid-parameter", "times": 2},
		// No sub_code: v3 answers HTTP 400 unknow-error, which V3 reads as
		// 20000 (outcome unknown: retry) for what Do sees refused (40002).
		{"method": "alipay.trade.query", "code": "40002", "times": 2},
		{"method": "alipay.trade.query", "code": "20000", "sub_code": "aop.unknow-error", "times": 2},
	} {
		m := mocktest.New(t, mock.Options{})
		c := m.Client(nil)
		ctx := context.Background()
		m.Control("POST", "/faults", f, http.StatusCreated)
		biz := map[string]string{"out_trade_no": "V3-FORCED"}
		var v1, v3 *client.Error
		if err := c.Do(ctx, "alipay.trade.query", biz, nil); !errors.As(err, &v1) {
			t.Fatalf("Do: %v", err)
		}
		if err := c.V3(ctx, "alipay.trade.query", biz, nil); !errors.As(err, &v3) {
			t.Fatalf("V3: %v", err)
		}
		if v3.Code != v1.Code || v3.SubCode != v1.SubCode {
			t.Errorf("forced %v: V3 gives %s %s, Do gets %s %s", f, v3.Code, v3.SubCode, v1.Code, v1.SubCode)
		}
	}
}
