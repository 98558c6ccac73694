// Package apierr is Alipay's error value: the code, msg, sub_code and
// sub_msg every v1 response carries. The mock returns these; the client
// hands them to callers.
package apierr

import "fmt"

// Public (gateway-level) codes.
const (
	CodeSuccess      = "10000"
	CodeProcessing   = "10003"
	CodeUnknown      = "20000"
	CodeTokenInvalid = "20001"
	CodeMissing      = "40001"
	CodeInvalid      = "40002"
	CodeConditions   = "40003"
	CodeBusiness     = "40004"
	CodeCallLimited  = "40005"
	CodePermission   = "40006"
)

var msgs = map[string]string{
	CodeSuccess:      "Success",
	CodeProcessing:   " order success pay inprocess", // the leading space is production's
	CodeUnknown:      "Service Currently Unavailable",
	CodeTokenInvalid: "Insufficient Token Permissions",
	CodeMissing:      "Missing Required Arguments",
	CodeInvalid:      "Invalid Arguments",
	CodeConditions:   "Insufficient Conditions",
	CodeBusiness:     "Business Failed",
	CodeCallLimited:  "Call Limited",
	CodePermission:   "Insufficient Permissions",
}

// Msg is the fixed msg that goes with a code.
func Msg(code string) string { return msgs[code] }

// Error is one Alipay error.
type Error struct {
	Code    string `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code,omitempty"`
	SubMsg  string `json:"sub_msg,omitempty"`
}

func (e *Error) Error() string {
	if e.SubCode == "" {
		return fmt.Sprintf("alipay: %s %s", e.Code, e.Msg)
	}
	return fmt.Sprintf("alipay: %s %s: %s %s", e.Code, e.Msg, e.SubCode, e.SubMsg)
}

// Is lets errors.Is match on code and sub_code: a target with an empty
// SubCode matches any error of its code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.SubCode == "" || t.SubCode == e.SubCode)
}

// New builds an error with the code's standard msg.
func New(code, subCode, subMsg string) *Error {
	return &Error{Code: code, Msg: Msg(code), SubCode: subCode, SubMsg: subMsg}
}

// Missing is a 40001 error.
func Missing(subCode, subMsg string) *Error { return New(CodeMissing, subCode, subMsg) }

// Invalid is a 40002 error.
func Invalid(subCode, subMsg string) *Error { return New(CodeInvalid, subCode, subMsg) }

// Business is a 40004 error, with an ACQ.* (or other business) sub_code.
func Business(subCode, subMsg string) *Error { return New(CodeBusiness, subCode, subMsg) }

// Unknown is a 20000 error: the outcome is unknown, query or retry.
func Unknown(subCode, subMsg string) *Error { return New(CodeUnknown, subCode, subMsg) }

// The sub_code and sub_msg of Alipay's "system busy" 20000.
const (
	SubSystemBusy    = "isp.unknow-error" // production's spelling
	SubMsgSystemBusy = "系统繁忙"
)

// The gateway's own unknown error, as production words it.
const (
	SubGatewayUnknown    = "aop.unknow-error"
	SubMsgGatewayUnknown = "服务暂不可用（网关自身的未知错误）"
)

// SystemBusy is Alipay's "system busy" 20000, a fresh value each call.
func SystemBusy() *Error { return Unknown(SubSystemBusy, SubMsgSystemBusy) }
