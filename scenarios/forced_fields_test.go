package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A forced answer is one production could give: the same error forced
// (X-Alipay-Mock, a scenario's respond, POST /_mock/faults) carries the
// fields the real one does: a query's out_trade_no and zero amounts
// (docs/gateway.md), a refund's out_trade_no, refund_fee and send_back_fee.
func TestForcedErrorCarriesTheFieldsOfTheRealOne(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, c := range [][2]string{
		{"alipay.trade.query", `{"out_trade_no":"ECHO-1"}`},
		{"alipay.trade.refund", `{"out_trade_no":"ECHO-1","refund_amount":"1.00"}`}, // out_trade_no, refund_fee, send_back_fee
	} {
		method, biz := c[0], c[1]
		real := e.m.Call(method, biz)
		req, err := http.NewRequest(http.MethodPost, e.http.URL+"/gateway.do",
			strings.NewReader(mocktest.Form(e.m.Params(method, biz, nil)).Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Alipay-Mock", "code=40004&sub_code=ACQ.TRADE_NOT_EXIST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		forced := e.m.Verify(method, e.m.Read(resp), true)
		if real["sub_code"] != "ACQ.TRADE_NOT_EXIST" || forced["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
			t.Fatalf("%s: real %v, forced %v", method, real, forced)
		}
		var lacks []string
		for k := range real {
			if _, ok := forced[k]; !ok {
				lacks = append(lacks, k)
			}
		}
		if len(lacks) > 0 {
			t.Errorf("%s: forced ACQ.TRADE_NOT_EXIST lacks %v, which the real one carries: real %v, forced %v", method, lacks, real, forced)
		}
	}
}
