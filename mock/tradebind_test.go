package mock_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// TestQRCodeCannotBeScannedAfterTwoHours: production's QR code of a
// precreate lives at most 2 hours whatever the timeouts say
// (AlipayTradePrecreateModel, qr_code_timeout_express and timeout_express:
// "二维码最长有效期是2小时，不管该参数传递的值是多少，超过2小时后二维码都将失效不能再进行扫码支付").
// The mock's QR code is scannable until the trade's timeout (3 h by default,
// up to 15 d), so a merchant's "QR expired" handling is never exercised and a
// buyer scans at 2h30 what production refuses.
func TestQRCodeCannotBeScannedAfterTwoHours(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RVA-Q1","total_amount":"5.00","subject":"s","timeout_express":"1d"}`), "code", "10000")
	m.Advance("2h1m")
	m.Control("POST", "/trades/RVA-Q1/scan", "", http.StatusConflict)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"RVA-Q1"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
}

// TestQRCodeScannedInTimeStaysPayable: the QR code's 2 hours bound the
// scan, not the trade: one scanned at 1h59 is paid at 2h30, and the QR
// page of an unscanned one past 2 hours says the code is dead (its image
// still draws) and takes no action.
func TestQRCodeScannedInTimeStaysPayable(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"QL1","total_amount":"5.00","subject":"s","timeout_express":"1d"}`), "code", "10000")
	qr := h.call("alipay.trade.precreate", `{"out_trade_no":"QL2","total_amount":"5.00","subject":"s","timeout_express":"1d"}`)["qr_code"].(string)
	m.Advance("1h59m")
	m.Control("POST", "/trades/QL1/scan", "", http.StatusOK)
	m.Advance("31m")
	m.Control("POST", "/trades/QL1/pay", "", http.StatusOK)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"QL1"}`), "trade_status", "TRADE_SUCCESS")

	for _, r := range []struct {
		method, url string
		want        int
	}{{"GET", qr, http.StatusGone}, {"POST", qr, http.StatusGone}, {"GET", qr + ".png", http.StatusOK}} {
		var resp *http.Response
		var err error
		if r.method == "GET" {
			resp, err = http.Get(r.url)
		} else {
			resp, err = http.PostForm(r.url, url.Values{"action": {"pay"}})
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != r.want || (r.want == http.StatusGone && !strings.Contains(string(b), "二维码已失效")) {
			t.Errorf("%s %s at 2h30: HTTP %d, want %d: %.200s", r.method, r.url, resp.StatusCode, r.want, b)
		}
	}
	m.Control("POST", "/trades/QL2/pay", "", http.StatusConflict)
	var tr map[string]any
	m.ControlJSON("GET", "/trades/QL2", nil, http.StatusOK, &tr)
	if tr["trade_status"] != "WAIT_BUYER_PAY" || tr["scanned"] == true {
		t.Errorf("the unscanned trade after its QR code died: %v %v", tr["trade_status"], tr["scanned"])
	}
}

// TestCancelOfUnknownTradeByTradeNoCarriesNoTradeNo: docs/gateway.md
// says a cancel of an unknown trade (or of a QR trade no buyer scanned)
// succeeds "with retry_flag=N and no trade_no or action", as the SDK's
// AlipayTradeCancelResponse says trade_no is returned "当发生交易关闭或交易退款时".
// Named by trade_no, the answer echoes the trade_no sent, which for a hidden
// trade is the real trade's number: the answer looks like a trade was found.
func TestCancelOfUnknownTradeByTradeNoCarriesNoTradeNo(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	c := h.call("alipay.trade.cancel", `{"trade_no":"2026112322000000000000000001"}`)
	expect(t, c, "code", "10000", "retry_flag", "N")
	if _, ok := c["trade_no"]; ok {
		t.Errorf("cancel of an unknown trade carries trade_no: %v", c)
	}
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RVA-U1","total_amount":"5.00","subject":"s"}`), "code", "10000")
	var tr map[string]any
	m.ControlJSON("GET", "/trades/RVA-U1", nil, http.StatusOK, &tr)
	c = h.call("alipay.trade.cancel", `{"trade_no":"`+tr["trade_no"].(string)+`"}`)
	expect(t, c, "code", "10000", "retry_flag", "N")
	if _, ok := c["trade_no"]; ok {
		t.Errorf("cancel of an unscanned trade by trade_no carries trade_no: %v", c)
	}
}

// TestCreateRefusesABuyerIDOfTheWrongShape: a user id is 2088 and 12
// digits (ARCHITECTURE.md: "the shape of any user id the mock is given",
// fixtures.IsUserID; the pages, the control API and scenarios refuse any
// other buyer_id). alipay.trade.create takes any buyer_id up to 28 bytes,
// and the trade then names "hello" as its buyer_user_id in query,
// notifications and bills, which production never does.
func TestCreateRefusesABuyerIDOfTheWrongShape(t *testing.T) {
	h := newHarness(t, mock.Options{})
	got := h.call("alipay.trade.create", `{"out_trade_no":"RVA-B1","total_amount":"5.00","subject":"s","buyer_id":"hello"}`)
	expect(t, got, "code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
}

// TestTimeExpireBeyondFifteenDaysIsRefused: the page and wap pay models
// give time_expire the range timeout_express has ("订单绝对超时时间。
// 格式为yyyy-MM-dd HH:mm:ss。超时时间范围：1m~15d", AlipayTradePagePayModel).
// The mock refuses timeout_express "16d" but takes a time_expire 30 days (or
// decades) away, and the trade then stays payable past what production
// allows.
func TestTimeExpireBeyondFifteenDaysIsRefused(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	far := timestamp.Format(m.Clock.Now().Add(30 * 24 * time.Hour))
	p := m.Params("alipay.trade.page.pay", `{"out_trade_no":"RVA-T1","total_amount":"5.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY","time_expire":"`+far+`"}`, nil)
	resp, err := cashierNoRedirect.PostForm(m.URL+"/gateway.do", form(p))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusFound || !strings.Contains(string(b), "INVALID_PARAMETER") {
		t.Errorf("page pay with time_expire 30 days away: HTTP %d, Location %q; want the cashier's error page (ACQ.INVALID_PARAMETER), as for timeout_express 16d",
			resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestBarcodePayOfARestrictedPrecreateKeepsItsBuyer: docs/gateway.md says
// of buyer_logon_id on a precreate "only that buyer may pay the QR trade",
// with ACQ.TRADE_BUYER_NOT_MATCH for another. A barcode alipay.trade.pay of
// the same order (which the mock lets settle a precreated trade) ignores the
// restriction: a made-up buyer of the auth_code pays it, and the answer
// names that buyer.
func TestBarcodePayOfARestrictedPrecreateKeepsItsBuyer(t *testing.T) {
	h := newHarness(t, mock.Options{})
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RVA-R1","total_amount":"5.00","subject":"s","buyer_logon_id":"buyer@example.com"}`), "code", "10000")
	got := h.call("alipay.trade.pay", `{"out_trade_no":"RVA-R1","total_amount":"5.00","subject":"s","scene":"bar_code","auth_code":"283912345678901234"}`)
	switch got["code"] {
	case "10000", "10003":
		expect(t, got, "buyer_logon_id", "buy***@example.com")
	default:
		expect(t, got, "sub_code", "ACQ.TRADE_BUYER_NOT_MATCH")
	}
}

// TestAnotherBuyerCannotPayATradeBoundToItsBuyer: once a trade has its
// buyer (alipay.trade.create names one; a QR trade gets one when scanned),
// production lets only that account pay it: "只能是之前交易创建时候登录或者扫码的账号
// 才能进行付款，因为交易创建已经绑定了支付宝账号的，所以其他账号不能支付"
// (Alipay support's out_trade_no 参数解读, https://developer.aliyun.com/article/707511).
// The simulated buyer of the control API (POST /_mock/trades/<ref>/pay with
// another buyer_id) pays it and replaces the buyer, so the notification and
// query name a buyer the order never had; the mock answers 409
// ACQ.TRADE_BUYER_NOT_MATCH (交易买家不匹配) for the precreate buyer_logon_id
// restriction, and should here too.
func TestAnotherBuyerCannotPayATradeBoundToItsBuyer(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	expect(t, h.call("alipay.trade.create", `{"out_trade_no":"RVA-BB1","total_amount":"5.00","subject":"s","buyer_id":"2088000000000001"}`), "code", "10000")
	m.Control("POST", "/trades/RVA-BB1/pay", map[string]string{"buyer_id": "2088000000000002"}, http.StatusConflict)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"RVA-BB1"}`), "trade_status", "WAIT_BUYER_PAY", "buyer_user_id", "2088000000000001")
}

// TestAnotherBuyerCannotPayAScannedQRTrade: as above, for the buyer who
// scanned a precreate's QR code.
func TestAnotherBuyerCannotPayAScannedQRTrade(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RVA-BB2","total_amount":"5.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/RVA-BB2/scan", map[string]string{"buyer_id": "2088000000000003"}, http.StatusOK)
	m.Control("POST", "/trades/RVA-BB2/pay", map[string]string{"buyer_id": "2088000000000004"}, http.StatusConflict)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"RVA-BB2"}`), "trade_status", "WAIT_BUYER_PAY", "buyer_user_id", "2088000000000003")
}

// TestBarcodePayOfAScannedPrecreateKeepsItsBuyer: the buyer who scanned a
// precreate's QR code is its buyer; a barcode of another buyer is refused,
// a barcode of that buyer pays.
func TestBarcodePayOfAScannedPrecreateKeepsItsBuyer(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	const code = "283912345678901234"
	paid := h.call("alipay.trade.pay", `{"out_trade_no":"BS0","total_amount":"1.00","subject":"s","scene":"bar_code","auth_code":"`+code+`"}`)
	expect(t, paid, "code", "10000")
	known := paid["buyer_user_id"].(string)

	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"BS1","total_amount":"5.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/BS1/scan", map[string]string{"buyer_id": "2088000000000005"}, http.StatusOK)
	expect(t, h.call("alipay.trade.pay", `{"out_trade_no":"BS1","total_amount":"5.00","subject":"s","scene":"bar_code","auth_code":"`+code+`"}`),
		"sub_code", "ACQ.TRADE_BUYER_NOT_MATCH")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"BS1"}`), "trade_status", "WAIT_BUYER_PAY", "buyer_user_id", "2088000000000005")

	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"BS2","total_amount":"5.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/BS2/scan", map[string]string{"buyer_id": known}, http.StatusOK)
	expect(t, h.call("alipay.trade.pay", `{"out_trade_no":"BS2","total_amount":"5.00","subject":"s","scene":"bar_code","auth_code":"`+code+`"}`),
		"code", "10000", "buyer_user_id", known)
}

// TestTheBuyerOfAnOpenIDMayPayItsTrade: a trade created for a
// buyer_open_id is bound to the user of that open id, who pays it by user
// id; another user is refused.
func TestTheBuyerOfAnOpenIDMayPayItsTrade(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	const user = "2088000000000006"
	open := fixtures.OpenID(keys.DevAppID, user)
	expect(t, h.call("alipay.trade.create", `{"out_trade_no":"BO1","total_amount":"5.00","subject":"s","buyer_open_id":"`+open+`"}`), "code", "10000")
	m.Control("POST", "/trades/BO1/pay", map[string]string{"buyer_id": "2088000000000007"}, http.StatusConflict)
	m.Control("POST", "/trades/BO1/pay", map[string]string{"buyer_id": user}, http.StatusOK)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"BO1"}`), "trade_status", "TRADE_SUCCESS", "buyer_user_id", user)
}
