package mock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// postTrade makes the simulated buyer act on a trade through the control
// API and returns the trade as the answer shows it, as made in the call.
func postTrade(t *testing.T, s *mock.Server, ref, action string) []byte {
	t.Helper()
	resp, err := http.Post(s.URL()+"/_mock/trades/"+ref+"/"+action, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", ref, action, resp.StatusCode, b)
	}
	return b
}

func getTrade(t *testing.T, s *mock.Server, ref string) []byte {
	t.Helper()
	code, _, b := fetch(t, s.URL()+"/_mock/trades/"+ref)
	if code != http.StatusOK {
		t.Fatalf("trade %s: HTTP %d %s", ref, code, b)
	}
	return b
}

func sameJSON(t *testing.T, what string, a, b []byte) {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	xj, _ := json.Marshal(x)
	yj, _ := json.Marshal(y)
	if !bytes.Equal(xj, yj) {
		t.Errorf("%s differs:\n  made %s\n  read %s", what, xj, yj)
	}
}

// Between calls the book holds a trade as a compact record (mock/trade
// codec.go). A trade read back from it answers exactly as the call that
// made it said: the control API's view, with every field the trade has
// (goods, vouchers-free amounts, refunds, history, the buyer), and the
// gateway's query, asked twice around other trades' traffic.
func TestTradeReadBackFromItsRecordAnswersTheSame(t *testing.T) {
	ctx := context.Background()
	s, c := startKept(t, mock.Options{})
	_, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "C1",
		TotalAmount: amount.MustParse("120.50"), Subject: "compact 紧凑", Body: "body text",
		DiscountableAmount: amount.MustParse("20.00"), StoreID: "S01", OperatorID: "op7", TerminalID: "T9",
		GoodsDetail:    []client.Goods{{GoodsID: "g1", GoodsName: "杯子", Quantity: 2, Price: amount.MustParse("60.25")}},
		PassbackParams: "pass%20back", TimeoutExpress: "90m"}})
	if err != nil {
		t.Fatal(err)
	}
	scanned := postTrade(t, s, "C1", "scan")
	no := tradeNoOf(t, scanned)
	sameJSON(t, "scanned trade", scanned, getTrade(t, s, no))
	paid := postTrade(t, s, no, "pay")
	sameJSON(t, "paid trade", paid, getTrade(t, s, no))
	if _, err := c.Refund(ctx, client.RefundRequest{TradeNo: no, RefundAmount: amount.MustParse("10.05"),
		OutRequestNo: "R1", RefundReason: "部分退款"}); err != nil {
		t.Fatal(err)
	}
	q1, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "C1", QueryOptions: []string{"fund_bill_list", "voucher_detail_list"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ { // other trades come and go between the reads
		precreate(t, c, "other"+string(rune('a'+i)))
	}
	q2, err := c.Query(ctx, client.QueryRequest{TradeNo: no, QueryOptions: []string{"fund_bill_list", "voucher_detail_list"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(q1)
	b, _ := json.Marshal(q2)
	if !bytes.Equal(a, b) {
		t.Errorf("query differs:\n %s\n %s", a, b)
	}
	var tr struct {
		Status  string `json:"trade_status"`
		Subject string `json:"subject"`
		Goods   []any  `json:"goods_detail"`
		Refunds []any  `json:"refunds"`
		History []any  `json:"history"`
		Paid    string `json:"gmt_payment"`
	}
	if err := json.Unmarshal(getTrade(t, s, "C1"), &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Status != "TRADE_SUCCESS" || tr.Subject != "compact 紧凑" || len(tr.Goods) != 1 || len(tr.Refunds) != 1 ||
		len(tr.History) != 4 || tr.Paid == "" || q2.TradeNo != no {
		t.Errorf("trade read back: %+v, query %+v", tr, q2)
	}
}

// Every trade's deadline runs from one queue in the trade book behind one
// scheduler job; each still fires at its own virtual time, in time order,
// as the clock is advanced through the control API, and the clock still
// counts one pending deadline per trade.
func TestTradeDeadlinesFireAtTheirOwnTimes(t *testing.T) {
	ctx := context.Background()
	s, c := startKept(t, mock.Options{})
	open := func(out, timeout string) string {
		if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: out,
			TotalAmount: amount.MustParse("1.00"), Subject: "deadlines", TimeoutExpress: timeout}}); err != nil {
			t.Fatal(err)
		}
		return tradeNoOf(t, postTrade(t, s, out, "scan"))
	}
	var clk struct {
		Pending int    `json:"pending_jobs"`
		Next    string `json:"next_due"`
	}
	// A paid trade's expiry no longer stands: the clock's next job is the
	// end of its refund window.
	paid := open("DP", "5m")
	postTrade(t, s, paid, "pay")
	getJSON(t, s.URL()+"/_mock/clock", &clk)
	if clk.Pending != 1 || clk.Next != timestamp.Format(epoch.Add(365*24*time.Hour)) {
		t.Errorf("after paying: %d pending, next due %v, want 1 at the end of the refund window", clk.Pending, clk.Next)
	}
	// Made in an order that is not their deadlines' order.
	late := open("D30", "30m")
	early := open("D5", "5m")
	mid := open("D10", "10m")
	getJSON(t, s.URL()+"/_mock/clock", &clk)
	if clk.Pending != 4 || clk.Next != timestamp.Format(epoch.Add(5*time.Minute)) {
		t.Errorf("%d jobs pending, next due %v: want the 4 trades' deadlines, the first in 5m", clk.Pending, clk.Next)
	}

	fired, _ := advance(t, s, "12m")
	want := []clock.Fired{
		{At: epoch.Add(5 * time.Minute), Kind: "trade.expired", Ref: early, Detail: "TRADE_CLOSED"},
		{At: epoch.Add(10 * time.Minute), Kind: "trade.expired", Ref: mid, Detail: "TRADE_CLOSED"},
	}
	if got := tradeFired(fired); !sameFired(got, want) {
		t.Errorf("first advance fired %+v, want %+v", got, want)
	}
	for no, status := range map[string]string{early: "TRADE_CLOSED", mid: "TRADE_CLOSED", late: "WAIT_BUYER_PAY", paid: "TRADE_SUCCESS"} {
		q, err := c.Query(ctx, client.QueryRequest{TradeNo: no})
		if err != nil || string(q.TradeStatus) != status {
			t.Errorf("%s: %v %v, want %s", no, q, err, status)
		}
	}
	var closed struct {
		Close string `json:"gmt_close"`
	}
	if err := json.Unmarshal(getTrade(t, s, early), &closed); err != nil {
		t.Fatal(err)
	}
	if want := timestamp.Format(epoch.Add(5 * time.Minute)); closed.Close != want {
		t.Errorf("gmt_close %q, want the expiry %s", closed.Close, want)
	}

	fired, _ = advance(t, s, "8784h")
	want = []clock.Fired{
		{At: epoch.Add(30 * time.Minute), Kind: "trade.expired", Ref: late, Detail: "TRADE_CLOSED"},
		{At: epoch.Add(365 * 24 * time.Hour), Kind: "trade.finished", Ref: paid, Detail: "TRADE_FINISHED"},
	}
	if got := tradeFired(fired); !sameFired(got, want) {
		t.Errorf("second advance fired %+v, want %+v", got, want)
	}
	clk.Next = ""
	getJSON(t, s.URL()+"/_mock/clock", &clk)
	if clk.Pending != 0 || clk.Next != "" {
		t.Errorf("%d jobs pending after every deadline ran", clk.Pending)
	}
}

func tradeNoOf(t *testing.T, b []byte) string {
	t.Helper()
	var tr struct {
		TradeNo string `json:"trade_no"`
	}
	if err := json.Unmarshal(b, &tr); err != nil || tr.TradeNo == "" {
		t.Fatalf("no trade_no in %s (%v)", b, err)
	}
	return tr.TradeNo
}

func tradeFired(fs []clock.Fired) []clock.Fired {
	var out []clock.Fired
	for _, f := range fs {
		if strings.HasPrefix(f.Kind, "trade.") {
			out = append(out, f)
		}
	}
	return out
}

func sameFired(a, b []clock.Fired) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].At.Equal(b[i].At) || a[i].Kind != b[i].Kind || a[i].Ref != b[i].Ref || a[i].Detail != b[i].Detail {
			return false
		}
	}
	return true
}
