package bill_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/bill"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	tradeHeader = "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户," +
		"订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称," +
		"商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
	tradeSummaryHeader = "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）," +
		"支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）"
	accountHeader = "账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号," +
		"收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注"
	accountSummaryHeader = "类型,收入笔数,收入金额（+元）,支出笔数,支出金额（-元）,总金额（元）"

	detailStart  = "#-----------------------------------------业务明细列表----------------------------------------"
	detailEnd    = "#-----------------------------------------业务明细列表结束------------------------------------"
	summaryStart = "#-----------------------------------------业务汇总列表----------------------------------------"
	summaryEnd   = "#----------------------------------------业务汇总列表结束-------------------------------------"
	ledgerStart  = "#-----------------------------------------账务明细列表----------------------------------------"
	ledgerEnd    = "#----------------------------------------账务明细列表结束-------------------------------------"
)

func TestZipLayout(t *testing.T) {
	tests := []struct {
		name   string
		typ    bill.Type
		period bill.Period
		zip    string
		files  []string
	}{
		{"trade day", bill.Trade, bill.Day(2026, 6, 5), userID + "_20260605.csv.zip",
			[]string{userID + "_20260605_业务明细.csv", userID + "_20260605_业务明细(汇总).csv"}},
		{"trade month", bill.Trade, bill.Month(2026, 6), userID + "_202606.csv.zip",
			[]string{userID + "_202606_业务明细_1.csv", userID + "_202606_业务明细(汇总)_1.csv"}},
		{"signcustomer day", bill.SignCustomer, bill.Day(2026, 6, 5), userID + "_20260605.csv.zip",
			[]string{userID + "_20260605_账务明细.csv", userID + "_20260605_账务明细(汇总).csv"}},
		{"signcustomer month", bill.SignCustomer, bill.Month(2026, 6), userID + "_202606.csv.zip",
			[]string{userID + "_202606_账务明细_1.csv", userID + "_202606_账务明细(汇总)_1.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bill.FileName(userID, tt.period); got != tt.zip {
				t.Errorf("FileName = %q, want %q", got, tt.zip)
			}
			d, s := bill.EntryNames(tt.typ, userID, tt.period)
			if d != tt.files[0] || s != tt.files[1] {
				t.Errorf("EntryNames = %q, %q, want %q", d, s, tt.files)
			}
			in := dayInput(tt.typ)
			in.Period = tt.period
			data, err := bill.Build(in)
			if err != nil {
				t.Fatal(err)
			}
			es := unzip(t, data)
			var names []string
			for _, e := range es {
				names = append(names, e.name)
				lines(t, e.text) // CRLF throughout
			}
			if strings.Join(names, "|") != strings.Join(tt.files, "|") {
				t.Errorf("entries = %q, want %q", names, tt.files)
			}
		})
	}
}

func TestTradeDetail(t *testing.T) {
	detail, _ := build(t, dayInput(bill.Trade))
	ls := lines(t, detail)
	head := []string{
		"#支付宝业务明细查询",
		"#账号：[" + userID + "]",
		"#起始日期：[2026年06月05日 00:00:00]   终止日期：[2026年06月06日 00:00:00]",
		detailStart,
		tradeHeader,
	}
	for i, want := range head {
		if ls[i] != want {
			t.Errorf("line %d = %q, want %q", i+1, ls[i], want)
		}
	}
	if n := len(strings.Split(ls[4], ",")); n != 25 {
		t.Errorf("header has %d columns, want 25", n)
	}
	const z = "0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,"
	want := []string{
		"2026060422001419931441931977\t,ORDER-6\t,退款\t,昨天,2026-06-04 23:59:50,2026-06-05 00:00:00,\t,\t,\t,\t,**博(156******89)\t,-5.00,-5.00," + z + "R6-1\t,0.03,0.00,",
		"2026060522001419931441931979\t,ORDER-8\t,交易\t,夜宵,2026-06-05 00:29:50,2026-06-05 00:30:00,\t,\t,\t,\t,*佳(yan***@163.com)\t,8.88,8.88," + z + "\t,-0.05,0.00,",
		"2026060522001419931441931973\t,ORDER-2\t,交易\t,咖啡,2026-06-05 09:00:00,2026-06-05 09:00:10,\t,\t,\t,\t,*佳(yan***@163.com)\t,50.00,50.00," + z + "\t,-0.30,0.00,",
		"2026060522001419931441931974\t,ORDER-3\t,交易\t,矿泉水,2026-06-05 09:59:50,2026-06-05 10:00:00,\t,\t,\t,\t,hfj***@sandbox.com\t,1.00,1.00," + z + "\t,-0.01,0.00,",
		"2026060522001419931441931974\t,ORDER-3\t,退款\t,矿泉水,2026-06-05 09:59:50,2026-06-05 10:05:00,\t,\t,\t,\t,hfj***@sandbox.com\t,-1.00,-1.00," + z + "R3-1\t,0.01,0.00,",
		"2026060522001419931441931973\t,ORDER-2\t,退款\t,咖啡,2026-06-05 09:00:00,2026-06-05 12:30:00,\t,\t,\t,\t,*佳(yan***@163.com)\t,-20.00,-20.00," + z + "R2-1\t,0.12,0.00,",
		"2026060522001419931441931972\t,USR1NOZM644N1780646479\t,交易\t,TUC1,2026-06-05 16:01:34,2026-06-05 16:01:38,S001\t,\t,op01\t,T01\t,**博(156******89)\t,100.00,100.00," + z + "\t,-0.60,0.00,月卡",
	}
	rows := dataRows(t, ls)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), strings.Join(rows, "\n"))
	}
	for i := range want {
		if n := len(strings.Split(rows[i], ",")); n != 25 {
			t.Errorf("row %d has %d columns, want 25", i+1, n)
		}
		if rows[i] != want[i] {
			t.Errorf("row %d\n got %q\nwant %q", i+1, rows[i], want[i])
		}
	}
	foot := ls[len(ls)-4:]
	wantFoot := []string{
		detailEnd,
		"#交易合计：4笔，商家实收共159.88元，商家优惠共0.00元",
		"#退款合计：3笔，商家实收退款共-26.00元，商家优惠退款共0.00元",
		"#导出时间：[2026年06月06日 09:12:03]",
	}
	for i := range wantFoot {
		if foot[i] != wantFoot[i] {
			t.Errorf("footer line %d = %q, want %q", i+1, foot[i], wantFoot[i])
		}
	}
}

func TestTradeSummary(t *testing.T) {
	_, summary := build(t, dayInput(bill.Trade))
	want := []string{
		"#支付宝业务汇总查询",
		"#账号：[" + userID + "]",
		"#起始日期：[2026年06月05日 00:00:00]   终止日期：[2026年06月06日 00:00:00]",
		summaryStart,
		tradeSummaryHeader,
		"\t,\t,3,3,33.88,33.88,0.00,0.00,0.00,-0.20,0.00,33.68",
		"S001\t,\t,1,0,100.00,100.00,0.00,0.00,0.00,-0.60,0.00,99.40",
		"合计,,4,3,133.88,133.88,0.00,0.00,0.00,-0.80,0.00,133.08",
		summaryEnd,
		"#导出时间：[2026年06月06日 09:12:03]",
	}
	if got := lines(t, summary); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
}

func TestEmptyTemplate(t *testing.T) {
	tests := []struct {
		typ           bill.Type
		detail, summ  []string
		period        bill.Period
		start, finish string
	}{
		{typ: bill.Trade, period: bill.Day(2026, 6, 7),
			detail: []string{"#支付宝业务明细查询", "", "", detailStart, tradeHeader, detailEnd,
				"#交易合计：0笔，商家实收共0.00元，商家优惠共0.00元",
				"#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元", ""},
			summ: []string{"#支付宝业务汇总查询", "", "", summaryStart, tradeSummaryHeader,
				"合计,,0,0,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00", summaryEnd, ""}},
		{typ: bill.SignCustomer, period: bill.Day(2026, 6, 7),
			detail: []string{"#支付宝账务明细查询", "", "", ledgerStart, accountHeader, ledgerEnd,
				"#支出合计：0笔，共0.00元", "#收入合计：0笔，共0.00元", ""},
			summ: []string{"#支付宝账务汇总查询", "", "",
				"#-----------------------------------------账务汇总列表----------------------------------------",
				accountSummaryHeader, "合计,0,0.00,0,0.00,0.00",
				"#----------------------------------------账务汇总列表结束-------------------------------------", ""}},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			for _, in := range []bill.Input{
				{Type: tt.typ, Period: tt.period, UserID: userID, FeeRate: 60, ExportedAt: at(8, 5, 0, 0)},
				func() bill.Input { in := dayInput(tt.typ); in.Period = tt.period; return in }(),
			} {
				f, err := bill.Render(in)
				if err != nil {
					t.Fatal(err)
				}
				if f.Rows != 0 {
					t.Errorf("Rows = %d, want 0", f.Rows)
				}
				detail, summary := build(t, in)
				fill := func(want []string) []string {
					w := append([]string(nil), want...)
					w[1] = "#账号：[" + userID + "]"
					w[2] = "#起始日期：[2026年06月07日 00:00:00]   终止日期：[2026年06月08日 00:00:00]"
					w[len(w)-1] = "#导出时间：[" + in.ExportedAt.In(gmt8).Format("2006年01月02日 15:04:05") + "]"
					return w
				}
				if got, want := lines(t, detail), fill(tt.detail); strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("detail\n got %q\nwant %q", got, want)
				}
				if got, want := lines(t, summary), fill(tt.summ); strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("summary\n got %q\nwant %q", got, want)
				}
			}
		})
	}
}

// paidAt is a paid trade of 1.00 at the given instant.
func paidAt(no string, when time.Time) trade.Trade {
	return trade.Trade{TradeNo: no, OutTradeNo: "O" + no, Status: trade.Success, Subject: "x",
		Total: amt("1.00"), Buyer: buyerBare, Created: when, Paid: ptr(when)}
}

func TestPeriodSelection(t *testing.T) {
	pdt := time.FixedZone("PDT", -7*3600)
	tests := []struct {
		name   string
		period bill.Period
		paid   time.Time
		in     bool
		shown  string // 完成时间 as printed
	}{
		{"day start", bill.Day(2026, 6, 5), at(5, 0, 0, 0), true, "2026-06-05 00:00:00"},
		{"day last second", bill.Day(2026, 6, 5), at(5, 23, 59, 59), true, "2026-06-05 23:59:59"},
		{"next day", bill.Day(2026, 6, 5), at(6, 0, 0, 0), false, ""},
		{"previous day", bill.Day(2026, 6, 5), at(4, 23, 59, 59), false, ""},
		{"UTC evening is next GMT+8 day", bill.Day(2026, 6, 5), time.Date(2026, 6, 4, 16, 0, 0, 0, time.UTC), true, "2026-06-05 00:00:00"},
		{"UTC evening before", bill.Day(2026, 6, 5), time.Date(2026, 6, 4, 15, 59, 59, 0, time.UTC), false, ""},
		{"PDT morning is GMT+8 night", bill.Day(2026, 6, 5), time.Date(2026, 6, 5, 8, 59, 59, 0, pdt), true, "2026-06-05 23:59:59"},
		{"PDT 09:00 is next GMT+8 day", bill.Day(2026, 6, 5), time.Date(2026, 6, 5, 9, 0, 0, 0, pdt), false, ""},
		{"month first instant", bill.Month(2026, 6), time.Date(2026, 6, 1, 0, 0, 0, 0, gmt8), true, "2026-06-01 00:00:00"},
		{"month last second", bill.Month(2026, 6), time.Date(2026, 6, 30, 23, 59, 59, 0, gmt8), true, "2026-06-30 23:59:59"},
		{"month UTC last day", bill.Month(2026, 6), time.Date(2026, 5, 31, 16, 0, 0, 0, time.UTC), true, "2026-06-01 00:00:00"},
		{"next month", bill.Month(2026, 6), time.Date(2026, 7, 1, 0, 0, 0, 0, gmt8), false, ""},
		{"previous month", bill.Month(2026, 6), time.Date(2026, 5, 31, 23, 59, 59, 0, gmt8), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bill.Input{Type: bill.Trade, Period: tt.period, UserID: userID, ExportedAt: at(8, 0, 0, 0),
				Trades: []trade.Trade{paidAt("2026060522001400000000000001", tt.paid)}}
			detail, _ := build(t, in)
			rows := dataRows(t, lines(t, detail))
			if got := len(rows) == 1; got != tt.in {
				t.Fatalf("included = %v, want %v (%q)", got, tt.in, rows)
			}
			if tt.in && strings.Split(rows[0], ",")[5] != tt.shown {
				t.Errorf("完成时间 = %q, want %q", strings.Split(rows[0], ",")[5], tt.shown)
			}
		})
	}
}

func TestMonthHeader(t *testing.T) {
	in := dayInput(bill.Trade)
	in.Period = bill.Month(2026, 12)
	in.Trades = []trade.Trade{paidAt("2026121522001400000000000001", time.Date(2026, 12, 15, 12, 0, 0, 0, gmt8))}
	detail, summary := build(t, in)
	want := "#起始日期：[2026年12月01日 00:00:00]   终止日期：[2027年01月01日 00:00:00]"
	for name, text := range map[string]string{"detail": detail, "summary": summary} {
		if got := lines(t, text)[2]; got != want {
			t.Errorf("%s date line = %q, want %q", name, got, want)
		}
	}
	if rows := dataRows(t, lines(t, detail)); len(rows) != 1 {
		t.Errorf("rows = %q, want one", rows)
	}
}

func TestFee(t *testing.T) {
	tests := []struct {
		sum  string
		bp   int64
		want string
	}{
		{"1.00", 60, "0.01"},   // 0.6 fen up: production's -0.01 on 1.00
		{"0.01", 60, "0.00"},   // 0.006 fen down
		{"0.83", 60, "0.00"},   // 0.498 fen
		{"0.84", 60, "0.01"},   // 0.504 fen
		{"25.00", 2, "0.01"},   // exactly half a fen rounds up
		{"24.99", 2, "0.00"},   // just under half
		{"100.00", 60, "0.60"}, // whole
		{"100.00", 0, "0.00"},
		{"100000000.00", 10000, "100000000.00"},
	}
	for _, tt := range tests {
		if got := bill.Fee(amt(tt.sum), tt.bp).String(); got != tt.want {
			t.Errorf("Fee(%s, %d) = %s, want %s", tt.sum, tt.bp, got, tt.want)
		}
	}
	if got := bill.Fee(-amt("1.00"), 60); got != -amt("0.01") {
		t.Errorf("Fee(-1.00) = %s, want -0.01", got)
	}
}

func TestRefundFeesAddUpToTheFee(t *testing.T) {
	tests := []struct {
		total   string
		refunds []string
		backs   []string
	}{
		{"100.00", []string{"33.33", "33.33", "33.34"}, []string{"0.20", "0.20", "0.20"}},
		{"1.00", []string{"0.50", "0.50"}, []string{"0.00", "0.01"}},
		{"0.83", []string{"0.41", "0.42"}, []string{"0.00", "0.00"}},
		{"10.00", []string{"9.99"}, []string{"0.06"}},
	}
	for _, tt := range tests {
		tr := paidAt("2026060522001400000000000009", at(5, 8, 0, 0))
		tr.Total = amt(tt.total)
		for i, r := range tt.refunds {
			tr.Refunds = append(tr.Refunds, trade.Refund{OutRequestNo: string(rune('a' + i)), Amount: amt(r), At: at(5, 9, i, 0)})
		}
		in := bill.Input{Type: bill.Trade, Period: bill.Day(2026, 6, 5), UserID: userID, FeeRate: 60,
			ExportedAt: at(6, 0, 0, 0), Trades: []trade.Trade{tr}}
		detail, _ := build(t, in)
		rows := dataRows(t, lines(t, detail))
		var backs []string
		for _, r := range rows[1:] {
			backs = append(backs, strings.Split(r, ",")[22])
		}
		if strings.Join(backs, " ") != strings.Join(tt.backs, " ") {
			t.Errorf("%s refunded %v: fees back %v, want %v", tt.total, tt.refunds, backs, tt.backs)
		}
	}
}

func TestCells(t *testing.T) {
	tr := paidAt("2026060522001400000000000001", at(5, 8, 0, 0))
	tr.Subject = `苹果,"红富士"`
	tr.Body = "表情😀"
	in := bill.Input{Type: bill.Trade, Period: bill.Day(2026, 6, 5), UserID: userID, ExportedAt: at(6, 0, 0, 0),
		Trades: []trade.Trade{tr}}
	detail, _ := build(t, in)
	row := dataRows(t, lines(t, detail))[0]
	if !strings.Contains(row, `,"苹果,""红富士""",`) {
		t.Errorf("subject not quoted as RFC 4180: %q", row)
	}
	if !strings.HasSuffix(row, ",表情?") {
		t.Errorf("character outside GBK not replaced by '?': %q", row)
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in      string
		want    bill.Period
		wantErr bool
	}{
		{"2026-06-05", bill.Day(2026, 6, 5), false},
		{"2026-02-28", bill.Day(2026, 2, 28), false},
		{"2026-06", bill.Month(2026, 6), false},
		{"2026-6-5", bill.Period{}, true},
		{"2026-02-30", bill.Period{}, true},
		{"2026-13", bill.Period{}, true},
		{"20260605", bill.Period{}, true},
		{"", bill.Period{}, true},
	}
	for _, tt := range tests {
		got, err := bill.ParsePeriod(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePeriod(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !got.Start.Equal(tt.want.Start) || !got.End.Equal(tt.want.End) || got.Monthly != tt.want.Monthly {
			t.Errorf("ParsePeriod(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if l := bill.Day(2026, 6, 5).Label(); l != "20260605" {
		t.Errorf("Label = %q", l)
	}
}

func TestInputErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*bill.Input)
	}{
		{"bill type", func(in *bill.Input) { in.Type = "merchant_act" }},
		{"bare PID", func(in *bill.Input) { in.UserID = pid }},
		{"user id not 2088", func(in *bill.Input) { in.UserID = "10887226827483540156" }},
		{"negative fee rate", func(in *bill.Input) { in.FeeRate = -1 }},
		{"zero period", func(in *bill.Input) { in.Period = bill.Period{} }},
		{"backwards period", func(in *bill.Input) { p := bill.Day(2026, 6, 5); p.Start, p.End = p.End, p.Start; in.Period = p }},
	}
	for _, tt := range tests {
		in := dayInput(bill.Trade)
		tt.edit(&in)
		if _, err := bill.Build(in); err == nil {
			t.Errorf("%s: Build succeeded", tt.name)
		}
	}
}

func TestSignCustomerTotals(t *testing.T) {
	detail, summary := build(t, dayInput(bill.SignCustomer))
	ls := lines(t, detail)
	if ls[0] != "#支付宝账务明细查询" || ls[3] != ledgerStart || ls[4] != accountHeader {
		t.Errorf("head = %q", ls[:5])
	}
	rows := dataRows(t, ls)
	var in, out amount.Amount
	for _, r := range rows {
		c := strings.Split(r, ",")
		if len(c) != 12 {
			t.Fatalf("row has %d columns, want 12: %q", len(c), r)
		}
		in += amt(c[6])
		out -= amt(strings.TrimPrefix(c[7], "-"))
	}
	if got := strings.Split(rows[len(rows)-1], ",")[8]; got != "1133.08" {
		t.Errorf("closing balance = %s, want 1133.08", got)
	}
	foot := ls[len(ls)-3 : len(ls)-1]
	want := []string{"#支出合计：7笔，共" + out.String() + "元", "#收入合计：7笔，共" + in.String() + "元"}
	if strings.Join(foot, "|") != strings.Join(want, "|") {
		t.Errorf("footer = %q, want %q", foot, want)
	}
	if got := lines(t, summary)[len(lines(t, summary))-3]; got != "合计,7,160.04,7,-26.96,133.08" {
		t.Errorf("summary total = %q", got)
	}
}

func TestGolden(t *testing.T) {
	cases := map[string]bill.Input{
		"trade_20260605":         dayInput(bill.Trade),
		"signcustomer_20260605":  dayInput(bill.SignCustomer),
		"trade_20260605_voucher": voucherInput(),
	}
	for name, in := range cases {
		detail, summary := build(t, in)
		for suffix, text := range map[string]string{"detail": detail, "summary": summary} {
			path := filepath.Join("testdata", name+"_"+suffix+".csv")
			// The golden files hold LF; lines() has checked the bill for CRLF.
			got := strings.ReplaceAll(text, "\r\n", "\n")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if w := strings.ReplaceAll(string(want), "\r\n", "\n"); got != w {
				t.Errorf("%s differs from the golden file:\n got %q\nwant %q", path, got, w)
			}
		}
	}
}

// The types production lists but the package does not build are refused,
// never rendered as a trade bill.
func TestUnbuiltTypesAreRefused(t *testing.T) {
	for _, typ := range []bill.Type{bill.MerchantAct, bill.TradeZftMerchant, bill.ZftAcc, bill.SettlementMerge, "nope"} {
		in := dayInput(typ)
		if _, err := bill.Build(in); err == nil {
			t.Errorf("%s: built", typ)
		}
		if typ.Built() || typ.Known() != (typ != "nope") {
			t.Errorf("%s: Built %v Known %v", typ, typ.Built(), typ.Known())
		}
	}
}

// voucherTrades are two trades paid partly with a voucher: one Alipay
// funds (the merchant receives the whole total) and one the merchant funds
// (the merchant receives the total less it), refunded in full in two steps.
func voucherTrades() []trade.Trade {
	return []trade.Trade{
		{
			TradeNo: "2026060522001419931441931980", OutTradeNo: "V-ALIPAY",
			Status: trade.Success, Subject: "支付宝券", Total: amt("100.10"), Buyer: buyerMail,
			Created: at(5, 13, 0, 0), Paid: ptr(at(5, 13, 0, 5)),
			Vouchers: []trade.Voucher{{ID: "2026060500073002039000002D3F", Name: "10.00元代金券",
				Type: trade.VoucherAlipay, Amount: amt("10.00"), OtherContribute: amt("10.00")}},
		},
		{
			TradeNo: "2026060522001419931441931981", OutTradeNo: "V-MERCHANT",
			Status: trade.Closed, Subject: "商家券", Total: amt("100.20"), Buyer: buyerPhone,
			Created: at(5, 14, 0, 0), Paid: ptr(at(5, 14, 0, 5)),
			Vouchers: []trade.Voucher{{ID: "2026060500073002039000002D40", Name: "店铺满减券",
				Type: trade.VoucherMerchant, Amount: amt("10.00"), MerchantContribute: amt("10.00")}},
			Refunds: []trade.Refund{
				{OutRequestNo: "RV-1", Amount: amt("95.20"), At: at(5, 15, 0, 0)},
				{OutRequestNo: "RV-2", Amount: amt("5.00"), At: at(5, 15, 30, 0)},
			},
		},
	}
}

func voucherInput() bill.Input {
	in := dayInput(bill.Trade)
	in.Trades = voucherTrades()
	return in
}

// A voucher trade's rows agree with the gateway's amounts: 商家实收 is
// receipt_amount (the total less the merchant's voucher), the voucher is in
// 券核销金额 and, by funder, 支付宝优惠 or 商家优惠; a refund gives back the
// buyer's money first, then the voucher's part. The fee stays on the total.
func TestTradeDetailVouchers(t *testing.T) {
	detail, summary := build(t, voucherInput())
	ls := lines(t, detail)
	const tail = ",0.00\t,0.00,"
	want := []string{
		"2026060522001419931441931980\t,V-ALIPAY\t,交易\t,支付宝券,2026-06-05 13:00:00,2026-06-05 13:00:05,\t,\t,\t,\t,*佳(yan***@163.com)\t," +
			"100.10,100.10,0.00,0.00,10.00,0.00,10.00,10.00元代金券" + tail + "\t,-0.60,0.00,",
		"2026060522001419931441931981\t,V-MERCHANT\t,交易\t,商家券,2026-06-05 14:00:00,2026-06-05 14:00:05,\t,\t,\t,\t,**博(156******89)\t," +
			"100.20,90.20,0.00,0.00,0.00,10.00,10.00,店铺满减券" + tail + "\t,-0.60,0.00,",
		// 95.20 back: 90.20 the buyer paid, then 5.00 of the voucher.
		"2026060522001419931441931981\t,V-MERCHANT\t,退款\t,商家券,2026-06-05 14:00:00,2026-06-05 15:00:00,\t,\t,\t,\t,**博(156******89)\t," +
			"-95.20,-90.20,0.00,0.00,0.00,-5.00,-5.00,店铺满减券" + tail + "RV-1\t,0.57,0.00,",
		// the last 5.00 is all voucher: the merchant receives nothing back.
		"2026060522001419931441931981\t,V-MERCHANT\t,退款\t,商家券,2026-06-05 14:00:00,2026-06-05 15:30:00,\t,\t,\t,\t,**博(156******89)\t," +
			"-5.00,0.00,0.00,0.00,0.00,-5.00,-5.00,店铺满减券" + tail + "RV-2\t,0.03,0.00,",
	}
	rows := dataRows(t, ls)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), strings.Join(rows, "\n"))
	}
	for i := range want {
		if n := len(strings.Split(rows[i], ",")); n != 25 {
			t.Errorf("row %d has %d columns, want 25", i+1, n)
		}
		if rows[i] != want[i] {
			t.Errorf("row %d\n got %q\nwant %q", i+1, rows[i], want[i])
		}
	}
	foot := ls[len(ls)-3 : len(ls)-1]
	wantFoot := []string{
		"#交易合计：2笔，商家实收共190.30元，商家优惠共10.00元",
		"#退款合计：2笔，商家实收退款共-90.20元，商家优惠退款共-10.00元",
	}
	for i := range wantFoot {
		if foot[i] != wantFoot[i] {
			t.Errorf("footer line %d = %q, want %q", i+1, foot[i], wantFoot[i])
		}
	}
	// 合计: 订单金额 100.10, 商家实收 100.10, 支付宝优惠 10.00, 商家优惠
	// 10.00-10.00, 服务费 -0.60-0.60+0.57+0.03, 实收净额 商家实收+服务费.
	sl := lines(t, summary)
	for _, w := range []string{
		"\t,\t,2,2,100.10,100.10,10.00,0.00,0.00,-0.60,0.00,99.50",
		"合计,,2,2,100.10,100.10,10.00,0.00,0.00,-0.60,0.00,99.50",
	} {
		if !slices.Contains(sl, w) {
			t.Errorf("summary lacks %q:\n%s", w, strings.Join(sl, "\n"))
		}
	}
}

// Without refunds the summary's 商家实收 is the sum of receipt_amount and
// its 支付宝优惠 and 商家优惠 what each funder's vouchers covered.
func TestTradeSummaryMerchantVoucherUnrefunded(t *testing.T) {
	in := voucherInput()
	in.Trades[1].Refunds = nil
	in.Trades[1].Status = trade.Success
	_, summary := build(t, in)
	w := "合计,,2,0,200.30,190.30,10.00,10.00,0.00,-1.20,0.00,189.10"
	if sl := lines(t, summary); !slices.Contains(sl, w) {
		t.Errorf("summary lacks %q:\n%s", w, strings.Join(sl, "\n"))
	}
}
