package bill_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/bill"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// gmt8 is built here so the tests pin the zone themselves.
var gmt8 = time.FixedZone("GMT+8", 8*3600)

const (
	pid    = "2088722682748354"
	userID = "20887226827483540156"
)

func amt(s string) amount.Amount { return amount.MustParse(s) }

func at(day, h, m, s int) time.Time { return time.Date(2026, 6, day, h, m, s, 0, gmt8) }

func ptr(t time.Time) *time.Time { return &t }

var (
	buyerPhone = fixtures.Buyer{UserID: "2088102177846880", Name: "李小博", Account: "15612345689", LogonID: "156****5689"}
	buyerMail  = fixtures.Buyer{UserID: "2088102177846881", Name: "王佳", Account: "yanzi@163.com", LogonID: "yan***@163.com"}
	buyerBare  = fixtures.Buyer{UserID: "2088102177846882", LogonID: "hfj***@sandbox.com"}
)

// dayTrades is the representative set for 2026-06-05 (GMT+8).
func dayTrades() []trade.Trade {
	return []trade.Trade{
		{ // paid in a store
			TradeNo: "2026060522001419931441931972", OutTradeNo: "USR1NOZM644N1780646479",
			Status: trade.Success, Subject: "TUC1", Body: "月卡", Total: amt("100.00"),
			Buyer: buyerPhone, StoreID: "S001", OperatorID: "op01", TerminalID: "T01",
			Created: at(5, 16, 1, 34), Paid: ptr(at(5, 16, 1, 38)),
		},
		{ // partly refunded
			TradeNo: "2026060522001419931441931973", OutTradeNo: "ORDER-2",
			Status: trade.Success, Subject: "咖啡", Total: amt("50.00"), Buyer: buyerMail,
			Created: at(5, 9, 0, 0), Paid: ptr(at(5, 9, 0, 10)),
			Refunds: []trade.Refund{{OutRequestNo: "R2-1", Amount: amt("20.00"), Reason: "少做一杯", At: at(5, 12, 30, 0)}},
		},
		{ // fully refunded
			TradeNo: "2026060522001419931441931974", OutTradeNo: "ORDER-3",
			Status: trade.Closed, Subject: "矿泉水", Total: amt("1.00"), Buyer: buyerBare,
			Created: at(5, 9, 59, 50), Paid: ptr(at(5, 10, 0, 0)),
			Refunds: []trade.Refund{{OutRequestNo: "R3-1", Amount: amt("1.00"), At: at(5, 10, 5, 0)}},
		},
		{ // unpaid
			TradeNo: "2026060522001419931441931975", OutTradeNo: "ORDER-4",
			Status: trade.WaitBuyerPay, Subject: "未付", Total: amt("3.00"), Created: at(5, 11, 0, 0),
		},
		{ // closed unpaid
			TradeNo: "2026060522001419931441931976", OutTradeNo: "ORDER-5",
			Status: trade.Closed, Subject: "关闭", Total: amt("4.00"),
			Created: at(5, 11, 10, 0), Closed: ptr(at(5, 11, 30, 0)),
		},
		{ // paid the day before, refunded at the first instant of the day
			TradeNo: "2026060422001419931441931977", OutTradeNo: "ORDER-6",
			Status: trade.Success, Subject: "昨天", Total: amt("10.00"), Buyer: buyerPhone,
			Created: at(4, 23, 59, 50), Paid: ptr(at(4, 23, 59, 59)),
			Refunds: []trade.Refund{{OutRequestNo: "R6-1", Amount: amt("5.00"), At: at(5, 0, 0, 0)}},
		},
		{ // paid at the first instant of the next day
			TradeNo: "2026060622001419931441931978", OutTradeNo: "ORDER-7",
			Status: trade.Success, Subject: "明天", Total: amt("7.00"), Buyer: buyerPhone,
			Created: at(5, 23, 59, 58), Paid: ptr(at(6, 0, 0, 0)),
		},
		{ // times held in UTC: 2026-06-05 00:30 in GMT+8
			TradeNo: "2026060522001419931441931979", OutTradeNo: "ORDER-8",
			Status: trade.Success, Subject: "夜宵", Total: amt("8.88"), Buyer: buyerMail,
			Created: time.Date(2026, 6, 4, 16, 29, 50, 0, time.UTC),
			Paid:    ptr(time.Date(2026, 6, 4, 16, 30, 0, 0, time.UTC)),
		},
	}
}

func dayInput(t bill.Type) bill.Input {
	return bill.Input{
		Type: t, Period: bill.Day(2026, 6, 5), UserID: bill.UserID(pid),
		Trades: dayTrades(), FeeRate: 60, ExportedAt: at(6, 9, 12, 3),
		OpeningBalance: amt("1000.00"),
	}
}

// entry is one file of a bill zip, name and text decoded from GBK.
type entry struct{ name, text string }

// unzip opens a bill, checking what every entry must be: a GBK name that is
// not flagged UTF-8, GBK content.
func unzip(t *testing.T, data []byte) []entry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	var out []entry
	for _, f := range zr.File {
		if f.Flags&0x800 != 0 {
			t.Errorf("%q: UTF-8 flag set", f.Name)
		}
		if utf8.ValidString(f.Name) {
			t.Errorf("%q: name is UTF-8, want GBK", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{decode(t, []byte(f.Name)), decode(t, raw)})
	}
	return out
}

func decode(t *testing.T, b []byte) string {
	t.Helper()
	s, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatalf("GBK decode: %v", err)
	}
	return string(s)
}

// build builds and unzips a bill, expecting a detail and a summary file.
func build(t *testing.T, in bill.Input) (detail, summary string) {
	t.Helper()
	data, err := bill.Build(in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	es := unzip(t, data)
	if len(es) != 2 {
		t.Fatalf("%d entries, want 2", len(es))
	}
	return es[0].text, es[1].text
}

// lines splits a file at CRLF, failing on any bare LF or CR.
func lines(t *testing.T, text string) []string {
	t.Helper()
	if !strings.HasSuffix(text, "\r\n") {
		t.Fatalf("file does not end with CRLF: %q", text[max(0, len(text)-20):])
	}
	ls := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	for i, l := range ls {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, l)
		}
	}
	return ls
}

// dataRows are the lines between the column header and the end marker.
func dataRows(t *testing.T, ls []string) []string {
	t.Helper()
	end := -1
	for i, l := range ls {
		if strings.HasPrefix(l, "#") && strings.Contains(l, "列表结束") {
			end = i
			break
		}
	}
	if end < 5 {
		t.Fatalf("no end marker after the header in %q", ls)
	}
	return ls[5:end]
}
