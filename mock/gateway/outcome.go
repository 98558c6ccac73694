package gateway

import (
	"errors"
	"net/url"
	"strings"

	"github.com/alipay-mock/alipay-mock/client/apierr"
)

// OutcomeHeader forces the answer of one request, for tests that cannot
// load a scenario: a URL-encoded list such as
//
//	code=20000
//	code=40004&sub_code=ACQ.SYSTEM_ERROR&execute=true
//
// code picks the answer; sub_code and sub_msg default from the code;
// execute=true runs the method first, so the operation happens and only
// its answer is lost (what a 20000 means in production).
const OutcomeHeader = "X-Alipay-Mock"

var defaultSub = map[string][2]string{
	apierr.CodeUnknown:      {"isp.unknow-error", "系统繁忙"},
	apierr.CodeTokenInvalid: {"aop.invalid-auth-token", "无效的访问令牌"},
	apierr.CodeBusiness:     {"ACQ.SYSTEM_ERROR", "系统异常"},
	apierr.CodeCallLimited:  {"isv.app-call-limited", "应用调用次数超限"},
	apierr.CodePermission:   {"isv.insufficient-isv-permissions", "ISV权限不足"},
}

var subMsgs = map[string]string{
	"ACQ.SYSTEM_ERROR":              "系统异常",
	"ACQ.TRADE_NOT_EXIST":           "交易不存在",
	"ACQ.BUYER_BALANCE_NOT_ENOUGH":  "买家余额不足",
	"ACQ.PAYMENT_FAIL":              "支付失败",
	"ACQ.SELLER_BALANCE_NOT_ENOUGH": "卖家余额不足",
	"isp.unknow-error":              "系统繁忙",
	"aop.unknow-error":              "服务暂不可用（网关自身的未知错误）",
}

func forcedOutcome(h string) (*apierr.Error, bool, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return nil, false, nil
	}
	v, err := url.ParseQuery(h)
	if err != nil {
		return nil, false, err
	}
	code := v.Get("code")
	if apierr.Msg(code) == "" || code == apierr.CodeSuccess {
		return nil, false, errors.New("code must be one of 10003, 20000, 20001, 40001-40006")
	}
	e := apierr.New(code, v.Get("sub_code"), v.Get("sub_msg"))
	if d, ok := defaultSub[code]; ok && e.SubCode == "" {
		e.SubCode = d[0]
	}
	if e.SubMsg == "" {
		e.SubMsg = subMsgs[e.SubCode]
		if e.SubMsg == "" {
			e.SubMsg = defaultSub[code][1]
		}
	}
	if code == apierr.CodeProcessing {
		e.SubCode, e.SubMsg = "", ""
	}
	return e, v.Get("execute") == "true", nil
}
