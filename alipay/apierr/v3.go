package apierr

import "strings"

// v3Codes is the one table between v1 and v3 errors: each gateway-level
// v3 code (and the business codes v3 renames) with the v1 code and
// sub_code it stands for. The mock answers v3 by it (V3Code) and the
// client reads v3 by it (FromV3). A v3 code is the v1 sub_code without
// its isv., aop. or isp. prefixes, except where v3 renames it.
var v3Codes = []struct{ v3, code, sub string }{
	{"unknow-error", CodeUnknown, SubSystemBusy},

	{"invalid-auth-token", CodeTokenInvalid, "aop.invalid-auth-token"},
	{"auth-token-time-out", CodeTokenInvalid, "aop.auth-token-time-out"},
	{"invalid-app-auth-token", CodeTokenInvalid, "aop.invalid-app-auth-token"},
	{"invalid-app-auth-token-no-api", CodeTokenInvalid, "aop.invalid-app-auth-token-no-api"},
	{"app-auth-token-time-out", CodeTokenInvalid, "aop.app-auth-token-time-out"},
	{"no-product-reg-by-partner", CodeTokenInvalid, "aop.no-product-reg-by-partner"},

	{"missing-method", CodeMissing, "isv.missing-method"},
	{"missing-app-id", CodeMissing, "isv.missing-app-id"},
	{"missing-signature-type", CodeMissing, "isv.missing-signature-type"},
	{"missing-signature", CodeMissing, "isv.missing-signature"},
	{"missing-timestamp", CodeMissing, "isv.missing-timestamp"},
	{"missing-version", CodeMissing, "isv.missing-version"},
	{"decryption-error-missing-encrypt-type", CodeMissing, "isv.decryption-error-missing-encrypt-type"},

	// missing-* but 40002 in v1.
	{"missing-app-cert-sn", CodeInvalid, "isv.missing-app-cert-sn"},
	{"missing-alipay-root-cert-sn", CodeInvalid, "isv.missing-alipay-root-cert-sn"},
	{"missing-encypt-key", CodeInvalid, "isv.missing-encypt-key"},
	{"app-cert-not-exist", CodeInvalid, "isv.app-cert-not-exist"},
	{"app-cert-expired", CodeInvalid, "isv.app-cert-expired"},
	{"invalid-alipay-root-cert-sn", CodeInvalid, "isv.invalid-alipay-root-cert-sn"},
	{"invalid-parameter", CodeInvalid, "isv.invalid-parameter"},
	{"invalid-method", CodeInvalid, "isv.invalid-method"},
	{"invalid-http-method", CodeInvalid, "isv.invalid-http-method"},
	{"invalid-app-id", CodeInvalid, "isv.invalid-app-id"},
	{"invalid-charset", CodeInvalid, "isv.invalid-charset"},
	{"invalid-format", CodeInvalid, "isv.invalid-format"},
	{"invalid-content-type", CodeInvalid, "isv.invalid-content-type"},
	{"illegal-json", CodeInvalid, "isv.illegal-json"},
	{"invalid-signature-type", CodeInvalid, "isv.invalid-signature-type"},
	{"invalid-signature", CodeInvalid, "isv.invalid-signature"},
	{"invalid-timestamp", CodeInvalid, "isv.invalid-timestamp"},
	{"invalid-encrypt-type", CodeInvalid, "isv.invalid-encrypt-type"},
	{"invalid-encrypt", CodeInvalid, "isv.invalid-encrypt"},
	{"decryption-error-not-valid-encrypt-key", CodeInvalid, "isv.decryption-error-not-valid-encrypt-key"},
	{"grant-type-invalid", CodeInvalid, "isv.isv.grant-type-invalid"}, // v1's doubled prefix is production's
	{"code-invalid", CodeInvalid, "isv.code-invalid"},
	{"refresh-token-invalid", CodeInvalid, "isv.refresh-token-invalid"},
	{"refresh-token-time-out", CodeInvalid, "isv.refresh-token-time-out"},
	{"unmatched-app-id", CodeInvalid, "isv.unmatched-app-id"},

	{"missing-signature-config", CodeConditions, "isv.missing-signature-config"},

	{"app-call-limited", CodeCallLimited, "isv.app-call-limited"},
	{"method-call-limited", CodeCallLimited, "isv.method-call-limited"},

	{"insufficient-isv-permissions", CodePermission, "isv.insufficient-isv-permissions"},
	{"insufficient-user-permissions", CodePermission, "isv.insufficient-user-permissions"},
	{"self-invoke-forbidden", CodePermission, "isv.self-invoke-forbidden"},
	{"cross-site-request-refused", CodePermission, "isv.cross-site-request-refused"},

	// The bill's business codes under their v3 names (INVAILID_ARGUMENTS
	// is how Alipay's v3 error list spells it).
	{"INVAILID_ARGUMENTS", CodeBusiness, "isv.invalid_arguments"},
	{"BILL_NOT_EXIST", CodeBusiness, "isp.bill_not_exist"},
}

var v3ByCode, v3BySub = func() (map[string]int, map[string]int) {
	byCode, bySub := map[string]int{}, map[string]int{}
	for i, c := range v3Codes {
		byCode[c.v3], bySub[c.sub] = i, i
	}
	return byCode, bySub
}()

// V3Code is e's code in v3: the table's when its code matches too (the
// bill's renames go by sub_code alone), a business sub_code as it is,
// else the sub_code without its isv., aop. or isp. prefixes.
func V3Code(e *Error) string {
	if i, ok := v3BySub[e.SubCode]; ok && (v3Codes[i].code == e.Code || V3Renamed(e)) {
		return v3Codes[i].v3
	}
	code := e.SubCode
	if e.Code != CodeBusiness {
		code = stripGatewayPrefixes(code)
	}
	if code == "" {
		return "unknow-error"
	}
	return code
}

// V3Renamed says e's sub_code is a business code v3 renames (the bill's),
// answered HTTP 400 whatever e's code.
func V3Renamed(e *Error) bool {
	i, ok := v3BySub[e.SubCode]
	return ok && v3Codes[i].code == CodeBusiness
}

// FromV3 is the v1 error a v3 error (its HTTP status, code and message)
// stands for. A 5xx is always 20000: the table's sub_code, a business
// code as it is (ACQ.SYSTEM_ERROR), else isp.<code>. Below 500: the
// table's; a business code (ACQ.*, BILL_NOT_EXIST) 40004; else guessed
// from its shape: 40001 isv.missing-*, else 40002. unknow-error is
// 20000 isp.unknow-error, or aop.unknow-error when the message is that
// one's, for a 5xx, and for a 4xx the error without sub_code whose msg
// the message is (v3 sends the msg when there is no sub_msg), else 40002.
func FromV3(status int, code, message string) *Error {
	if code == "unknow-error" {
		return unknownFromV3(status, message)
	}
	i, inTable := v3ByCode[code]
	if status >= 500 {
		if inTable {
			return Unknown(v3Codes[i].sub, message)
		}
		if businessShaped(code) {
			return Unknown(code, message)
		}
		return Unknown("isp."+code, message)
	}
	switch {
	case inTable:
		return New(v3Codes[i].code, v3Codes[i].sub, message)
	case businessShaped(code):
		return Business(code, message)
	case strings.HasPrefix(code, "missing-"):
		return Missing("isv."+code, message)
	}
	return Invalid("isv."+code, message)
}

// unknownFromV3 reads v3's unknow-error, which stands for both 20000
// unknow-errors and for any error without sub_code.
func unknownFromV3(status int, message string) *Error {
	if status >= 500 {
		if message == SubMsgGatewayUnknown {
			return Unknown(SubGatewayUnknown, message)
		}
		return Unknown(SubSystemBusy, message)
	}
	for _, c := range []string{CodeTokenInvalid, CodeMissing, CodeInvalid, CodeConditions, CodeBusiness, CodeCallLimited, CodePermission} {
		if Msg(c) == message {
			return New(c, "", "")
		}
	}
	return Invalid("", message)
}

// businessShaped says code is a business code (ACQ.*, upper case);
// gateway-level ones are kebab case.
func businessShaped(code string) bool {
	return code != strings.ToLower(code) || strings.ContainsAny(code, "._")
}

// stripGatewayPrefixes drops every leading isv., aop. or isp.
func stripGatewayPrefixes(code string) string {
	for {
		trimmed := code
		for _, p := range []string{"isv.", "aop.", "isp."} {
			trimmed = strings.TrimPrefix(trimmed, p)
		}
		if trimmed == code {
			return code
		}
		code = trimmed
	}
}
