package control

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
)

// Error is the body of every control API error: English text, the valid
// values when an enumeration was given something else, and Alipay's own
// code and text when the refusal is one Alipay has.
type Error struct {
	Error string   `json:"error"`
	Valid []string `json:"valid,omitempty"`
	// Code, SubCode and SubMsg are Alipay's, as the gateway would answer.
	Code    string `json:"code,omitempty"`
	SubCode string `json:"sub_code,omitempty"`
	SubMsg  string `json:"sub_msg,omitempty"`
}

func fail(c echo.Context, status int, err error) error {
	out := Error{Error: err.Error()}
	var inv *invalidValue
	var ae *apierr.Error
	switch {
	case errors.As(err, &inv):
		out.Valid = inv.valid
	case errors.As(err, &ae):
		out = alipayError(ae, "")
	}
	return c.JSON(status, out)
}

// unavailable answers 503 naming the store's failure: what a list, a
// count or a lookup the store could not answer gets, never an empty list,
// "no such trade" or 409 in its place.
func unavailable(c echo.Context, err error) error {
	return c.JSON(http.StatusServiceUnavailable, Error{Error: err.Error()})
}

// invalidValue is an enumeration given a value it does not have.
type invalidValue struct {
	name, got string
	valid     []string
}

func (e *invalidValue) Error() string {
	return fmt.Sprintf("%s must be one of %s, not %q", e.name, strings.Join(e.valid, ", "), e.got)
}

// oneOf checks that got, a query parameter or body member called name, is
// empty or one of valid.
func oneOf(name, got string, valid ...string) error {
	if got == "" {
		return nil
	}
	for _, v := range valid {
		if got == v {
			return nil
		}
	}
	return &invalidValue{name: name, got: got, valid: valid}
}

// flag reads a boolean query parameter: absent or "false" is false,
// "true" true, anything else an error.
func flag(c echo.Context, name string) (bool, error) {
	v := c.QueryParam(name)
	if err := oneOf(name, v, "true", "false"); err != nil {
		return false, err
	}
	return v == "true", nil
}

// english says in English what Alipay's business sub_codes that reach
// the control API mean; the Alipay text goes alongside.
var english = map[string]string{
	"ACQ.TRADE_NOT_EXIST":              "no such trade",
	"ACQ.TRADE_HAS_SUCCESS":            "the trade is already paid",
	"ACQ.TRADE_HAS_CLOSE":              "the trade is closed",
	"ACQ.TRADE_HAS_FINISHED":           "the trade is finished",
	"ACQ.TRADE_STATUS_ERROR":           "the trade's status does not allow this",
	"ACQ.CONTEXT_INCONSISTENT":         "the request does not match the trade it names",
	"ACQ.TOTAL_FEE_EXCEED":             "the order total is out of range: over 0, at most 100,000,000 yuan",
	"ACQ.PAYMENT_AUTH_CODE_INVALID":    "the payment auth code is not valid",
	"ACQ.REFUND_AMT_NOT_EQUAL_TOTAL":   "the refund is more than is left, or not the total without out_request_no",
	"ACQ.DISCORDANT_REPEAT_REQUEST":    "a repeated request number with different content",
	"ACQ.REASON_TRADE_REFUND_FEE_ERR":  "the refund amount is not valid",
	"ACQ.TRADE_CANCEL_TIME_OUT":        "too late to cancel",
	"ACQ.BUYER_SELLER_EQUAL":           "the buyer and the seller are the same",
	"ACQ.PAYMENT_FAIL":                 "the payment failed",
	"ACQ.BUYER_BALANCE_NOT_ENOUGH":     "the buyer's balance is not enough",
	"ACQ.INVALID_PARAMETER":            "a parameter is not valid",
	"ORDER_NOT_EXIST":                  "no such red packet",
	"OPERATION_NOT_EXIST":              "no such red-packet operation",
	"ORDER_STATUS_INVALID":             "the red packet's status does not allow this",
	"REST_AMOUNT_NOT_ENOUGH":           "not enough is left in the red packet",
	"DISCORDANT_REPEAT_REQUEST":        "a repeated request number with different content",
	"PAYER_PAYEE_CANNOT_SAME":          "the payer and the payee are the same",
	"OUT_ORDER_NO_USED":                "out_order_no is already used by another request",
	"INVALID_PARAMETER":                "a parameter is not valid",
	"isv.invalid-signature":            "the signature does not verify",
	"isv.invalid-app-id":               "no such app_id",
	"isv.insufficient-isv-permissions": "the app may not call this method",
	"isv.missing-signature":            "the sign parameter is missing",
	"isv.invalid-method":               "no such method",
	"isv.invalid-timestamp":            "the timestamp is not valid",
	apierr.SubSystemBusy:               "Alipay's system is busy",
	"aop.invalid-auth-token":           "the app_auth_token is not valid",
	"isv.invalid-encrypt":              "the content could not be decrypted",
	"isv.missing-method":               "the method parameter is missing",
	"isv.missing-app-id":               "the app_id parameter is missing",
	"isv.missing-signature-type":       "the sign_type parameter is missing",
	"isv.invalid-signature-type":       "the sign_type is not valid",
	"isv.invalid-charset":              "the charset is not valid",
}

// alipayError is the control API's answer to a refusal Alipay has:
// English first (prefix, if any, says about what), Alipay's code and
// text with it.
func alipayError(ae *apierr.Error, prefix string) Error {
	text, ok := english[ae.SubCode]
	if !ok {
		text = "Alipay refuses this"
		if ae.SubCode != "" {
			text += " (" + ae.SubCode + ")"
		}
	}
	if prefix != "" {
		text = prefix + ": " + text
	}
	return Error{Error: text, Code: ae.Code, SubCode: ae.SubCode, SubMsg: ae.SubMsg}
}
