package mock_test

import (
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// TestCloseRefusesAnOverLongOperatorID: alipay.trade.close keeps
// operator_id in the trade's history, so it is bounded as an order's is
// (28 characters, docs/limits.md): longer is ACQ.INVALID_PARAMETER naming
// the field, as the order methods answer, and nothing is kept.
func TestCloseRefusesAnOverLongOperatorID(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	expect(t, h.call("alipay.trade.create", `{"out_trade_no":"RVA-C1","total_amount":"5.00","subject":"s","buyer_id":"2088000000000001"}`), "code", "10000")
	long := strings.Repeat("x", 100_000)
	expect(t, h.call("alipay.trade.close", `{"out_trade_no":"RVA-C1","operator_id":"`+long+`"}`),
		"code", "40004", "sub_code", "ACQ.INVALID_PARAMETER", "sub_msg", "参数无效：operator_id长度不能超过28")
	body := m.Control("GET", "/trades/RVA-C1", nil, http.StatusOK)
	if len(body) > 16<<10 {
		t.Errorf("the trade keeps %d bytes after one close: operator_id is kept whole in its history", len(body))
	}
	expect(t, h.call("alipay.trade.close", `{"out_trade_no":"RVA-C1","operator_id":"`+strings.Repeat("收", 28)+`"}`), "code", "10000")
}

// tradeMemory is GET /_mock/memory's account of the kept trades.
func tradeMemory(m *mocktest.Mock) (count int, bytes, max int64) {
	var mem struct {
		Trades struct {
			Count    int   `json:"count"`
			Bytes    int64 `json:"bytes"`
			MaxBytes int64 `json:"max_bytes"`
		} `json:"trades"`
	}
	m.ControlJSON("GET", "/memory", nil, http.StatusOK, &mem)
	return mem.Trades.Count, mem.Trades.Bytes, mem.Trades.MaxBytes
}

// heavyTrade pays out and refunds it in full in 99 refunds, each with a
// 256-character refund_reason (768 bytes), and syncs it syncs times with
// about 1 KB of order_biz_info: all of it kept, as production keeps it.
func heavyTrade(t *testing.T, m *mocktest.Mock, out string, syncs int) {
	t.Helper()
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","total_amount":"0.99","subject":"s","scene":"bar_code","auth_code":"283912345678901234"}`)
	expect(t, paid, "code", "10000")
	no, _ := paid["trade_no"].(string)
	reason := strings.Repeat("退", 256)
	info := strings.ReplaceAll(`{"status":"COMPLETE","x":"`+strings.Repeat("y", 990)+`"}`, `"`, `\"`)
	for i := 0; i < syncs; i++ {
		expect(t, m.Call("alipay.trade.orderinfo.sync", `{"trade_no":"`+no+`","out_request_no":"S`+strconv.Itoa(i)+`","biz_type":"CREDIT_AUTH","order_biz_info":"`+info+`"}`), "code", "10000")
	}
	for i := 0; i < trade.MaxRefunds; i++ {
		expect(t, m.Call("alipay.trade.refund", `{"out_trade_no":"`+out+`","refund_amount":"0.01","out_request_no":"R`+strconv.Itoa(i)+`","refund_reason":"`+reason+`"}`), "code", "10000")
	}
}

// TestKeptTradesAreBoundedByBytes: one trade can keep a few hundred KB of
// text (refund reasons, syncs, settlements: docs/limits.md), all of which
// production keeps and answers, so the kept trades are bounded by the
// bytes they hold (Trades.KeepBytes, --keep-trades-bytes) as well as by
// count. GET /_mock/memory counts the text; past the bound the trade that
// became final longest ago goes first, as past --keep-trades, and an older
// trade still open stays.
func TestKeptTradesAreBoundedByBytes(t *testing.T) {
	const max = 150 << 10
	h := newHarness(t, mock.Options{Trades: trade.Options{KeepBytes: max}})
	m := h.m()
	expect(t, h.call("alipay.trade.create", `{"out_trade_no":"OPEN","total_amount":"5.00","subject":"s","buyer_id":"2088000000000001"}`), "code", "10000")
	_, before, got := tradeMemory(m)
	if got != max {
		t.Fatalf("max_bytes = %d, want %d", got, max)
	}

	heavyTrade(t, m, "HEAVY-1", trade.MaxSyncs)
	_, one, _ := tradeMemory(m)
	if text := int64(trade.MaxRefunds*768 + trade.MaxSyncs*1000); one-before < text {
		t.Errorf("a trade with %d bytes of refund reasons and syncs counts %d bytes", text, one-before)
	}
	q := h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"HEAVY-1","out_request_no":"R98"}`)
	expect(t, q, "code", "10000", "refund_reason", strings.Repeat("退", 256))

	heavyTrade(t, m, "HEAVY-2", 0)
	n, bytes, _ := tradeMemory(m)
	if bytes > max || n != 2 {
		t.Errorf("after a second heavy trade: %d trades in %d bytes, want 2 within %d", n, bytes, max)
	}
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"HEAVY-1"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"OPEN"}`), "code", "10000", "trade_status", "WAIT_BUYER_PAY")
	expect(t, h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"HEAVY-2","out_request_no":"R98"}`),
		"code", "10000", "refund_reason", strings.Repeat("退", 256))
}

// TestAStartTrimsTheDataFileToTheByteBound: with --data, a start with a
// lower --keep-trades-bytes evicts past it from memory and from the file,
// as a lower --keep-trades does: a later start does not bring them back.
func TestAStartTrimsTheDataFileToTheByteBound(t *testing.T) {
	o := mock.Options{DataDir: t.TempDir()}
	m1 := mocktest.New(t, o)
	expect(t, m1.Call("alipay.trade.create", `{"out_trade_no":"OPEN","total_amount":"5.00","subject":"s","buyer_id":"2088000000000001"}`), "code", "10000")
	heavyTrade(t, m1, "HEAVY-1", 0)
	heavyTrade(t, m1, "HEAVY-2", 0)
	if n, _, _ := tradeMemory(m1); n != 3 {
		t.Fatalf("%d trades kept under the default bound, want 3", n)
	}
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	o.Trades.KeepBytes = 150 << 10
	m2 := mocktest.New(t, o)
	if n, bytes, _ := tradeMemory(m2); n != 2 || bytes > o.Trades.KeepBytes {
		t.Errorf("a start with a bound of %d kept %d trades in %d bytes, want 2 within it", o.Trades.KeepBytes, n, bytes)
	}
	if err := m2.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	o.Trades.KeepBytes = 0
	m3 := mocktest.New(t, o)
	expect(t, m3.Call("alipay.trade.query", `{"out_trade_no":"HEAVY-1"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
	expect(t, m3.Call("alipay.trade.query", `{"out_trade_no":"OPEN"}`), "code", "10000")
	expect(t, m3.Call("alipay.trade.query", `{"out_trade_no":"HEAVY-2"}`), "code", "10000", "trade_status", "TRADE_CLOSED")
}
