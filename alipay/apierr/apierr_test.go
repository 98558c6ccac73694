package apierr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
)

func TestMsg(t *testing.T) {
	tests := []struct{ code, want string }{
		{"10000", "Success"},
		{"10003", " order success pay inprocess"},
		{"20000", "Service Currently Unavailable"},
		{"20001", "Insufficient Token Permissions"},
		{"40001", "Missing Required Arguments"},
		{"40002", "Invalid Arguments"},
		{"40003", "Insufficient Conditions"},
		{"40004", "Business Failed"},
		{"40005", "Call Limited"},
		{"40006", "Insufficient Permissions"},
		{"", ""},
		{"99999", ""},
		{"40004 ", ""},
	}
	for _, tt := range tests {
		if got := apierr.Msg(tt.code); got != tt.want {
			t.Errorf("Msg(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestCodes(t *testing.T) {
	got := []string{
		apierr.CodeSuccess, apierr.CodeProcessing, apierr.CodeUnknown, apierr.CodeTokenInvalid,
		apierr.CodeMissing, apierr.CodeInvalid, apierr.CodeConditions, apierr.CodeBusiness,
		apierr.CodeCallLimited, apierr.CodePermission,
	}
	want := []string{"10000", "10003", "20000", "20001", "40001", "40002", "40003", "40004", "40005", "40006"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("code %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		name string
		err  *apierr.Error
		want apierr.Error
	}{
		{"New", apierr.New("40003", "isv.x", "y"), apierr.Error{Code: "40003", Msg: "Insufficient Conditions", SubCode: "isv.x", SubMsg: "y"}},
		{"New processing", apierr.New(apierr.CodeProcessing, "", ""), apierr.Error{Code: "10003", Msg: " order success pay inprocess"}},
		{"New unknown code", apierr.New("12345", "a", "b"), apierr.Error{Code: "12345", Msg: "", SubCode: "a", SubMsg: "b"}},
		{"Missing", apierr.Missing("isv.missing-signature", "缺少签名参数"), apierr.Error{Code: "40001", Msg: "Missing Required Arguments", SubCode: "isv.missing-signature", SubMsg: "缺少签名参数"}},
		{"Invalid", apierr.Invalid("isv.invalid-signature", "验签出错"), apierr.Error{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.invalid-signature", SubMsg: "验签出错"}},
		{"Business", apierr.Business("ACQ.TRADE_NOT_EXIST", "交易不存在"), apierr.Error{Code: "40004", Msg: "Business Failed", SubCode: "ACQ.TRADE_NOT_EXIST", SubMsg: "交易不存在"}},
		{"Unknown", apierr.Unknown("ACQ.SYSTEM_ERROR", "系统错误"), apierr.Error{Code: "20000", Msg: "Service Currently Unavailable", SubCode: "ACQ.SYSTEM_ERROR", SubMsg: "系统错误"}},
		{"SystemBusy", apierr.SystemBusy(), apierr.Error{Code: "20000", Msg: "Service Currently Unavailable", SubCode: "isp.unknow-error", SubMsg: "系统繁忙"}},
	}
	for _, tt := range tests {
		if *tt.err != tt.want {
			t.Errorf("%s = %+v, want %+v", tt.name, *tt.err, tt.want)
		}
	}
	if apierr.Business("A", "b") == apierr.Business("A", "b") || apierr.SystemBusy() == apierr.SystemBusy() {
		t.Error("constructors return a shared pointer")
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *apierr.Error
		want string
	}{
		{&apierr.Error{Code: "10000", Msg: "Success"}, "alipay: 10000 Success"},
		{apierr.New(apierr.CodeProcessing, "", ""), "alipay: 10003  order success pay inprocess"},
		{apierr.Business("ACQ.TRADE_NOT_EXIST", "交易不存在"), "alipay: 40004 Business Failed: ACQ.TRADE_NOT_EXIST 交易不存在"},
		{apierr.Invalid("isv.invalid-signature", ""), "alipay: 40002 Invalid Arguments: isv.invalid-signature "},
		{&apierr.Error{Code: "40004", Msg: "Business Failed", SubMsg: "only a sub_msg"}, "alipay: 40004 Business Failed"},
		{&apierr.Error{}, "alipay:  "},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestIs(t *testing.T) {
	notExist := apierr.Business("ACQ.TRADE_NOT_EXIST", "交易不存在")
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"same code, any sub_code", notExist, &apierr.Error{Code: "40004"}, true},
		{"same code and sub_code", notExist, &apierr.Error{Code: "40004", SubCode: "ACQ.TRADE_NOT_EXIST"}, true},
		{"msg and sub_msg ignored", notExist, &apierr.Error{Code: "40004", Msg: "x", SubCode: "ACQ.TRADE_NOT_EXIST", SubMsg: "y"}, true},
		{"constructor as target", notExist, apierr.Business("ACQ.TRADE_NOT_EXIST", ""), true},
		{"other sub_code", notExist, &apierr.Error{Code: "40004", SubCode: "ACQ.TRADE_HAS_SUCCESS"}, false},
		{"other code same sub_code", notExist, &apierr.Error{Code: "40002", SubCode: "ACQ.TRADE_NOT_EXIST"}, false},
		{"other code", notExist, &apierr.Error{Code: "20000"}, false},
		{"sub_code case matters", notExist, &apierr.Error{Code: "40004", SubCode: "acq.trade_not_exist"}, false},
		{"target needs a code", notExist, &apierr.Error{}, false},
		{"no sub_code vs target sub_code", apierr.New("40004", "", ""), &apierr.Error{Code: "40004", SubCode: "ACQ.X"}, false},
		{"wrapped", fmt.Errorf("query T1: %w", notExist), &apierr.Error{Code: "40004", SubCode: "ACQ.TRADE_NOT_EXIST"}, true},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", notExist)), &apierr.Error{Code: "40004"}, true},
		{"wrapped other", fmt.Errorf("a: %w", notExist), &apierr.Error{Code: "40001"}, false},
		{"non-apierr target", notExist, io.EOF, false},
		{"non-apierr error", io.EOF, &apierr.Error{Code: "40004"}, false},
		{"value target is not *Error", notExist, error(valueErr{}), false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is = %v, want %v", tt.name, got, tt.want)
		}
	}
}

type valueErr struct{}

func (valueErr) Error() string { return "40004" }

func TestAs(t *testing.T) {
	err := fmt.Errorf("alipay.trade.query: %w", apierr.Unknown("ACQ.SYSTEM_ERROR", "系统错误"))
	var e *apierr.Error
	if !errors.As(err, &e) {
		t.Fatal("errors.As failed")
	}
	if e.Code != "20000" || e.SubCode != "ACQ.SYSTEM_ERROR" {
		t.Errorf("errors.As = %+v", e)
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		err  *apierr.Error
		want string
	}{
		{&apierr.Error{Code: "10000", Msg: "Success"}, `{"code":"10000","msg":"Success"}`},
		{apierr.New(apierr.CodeProcessing, "", ""), `{"code":"10003","msg":" order success pay inprocess"}`},
		{apierr.Business("ACQ.TRADE_NOT_EXIST", "交易不存在"), `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.err)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("json.Marshal = %s, want %s", b, tt.want)
		}
		var back apierr.Error
		if err := json.Unmarshal(b, &back); err != nil || back != *tt.err {
			t.Errorf("json round trip = %+v, %v; want %+v", back, err, *tt.err)
		}
	}
}
