package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The bill method is not an acquiring (ACQ.) method: it answers every bad
// argument 40004 isv.invalid_arguments 入参不合法 (v3 INVAILID_ARGUMENTS),
// a biz_content field of the wrong JSON type too, not the trade family's
// ACQ.INVALID_PARAMETER "参数无效：bill_type类型错误", a sub_code the
// method never answers, which a client's invalid_arguments branch misses.
func TestBillFieldOfTheWrongTypeIsInvalidArguments(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for _, biz := range []string{
		`{"bill_type":["trade"],"bill_date":"2026-11-22"}`,
		`{"bill_type":"trade","bill_date":["2026-11-22"]}`,
	} {
		r := m.Call("alipay.data.dataservice.bill.downloadurl.query", biz)
		expect(t, r, "code", "40004", "sub_code", "isv.invalid_arguments", "sub_msg", "入参不合法")
	}
}
