package bill

import (
	"fmt"
	"hash/fnv"
	"sort"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// accountColumns is the header of 账务明细 (12 columns).
var accountColumns = []string{
	"账务流水号", "业务流水号", "商户订单号", "商品名称", "发生时间", "对方账号",
	"收入金额（+元）", "支出金额（-元）", "账户余额（元）", "交易渠道", "业务类型", "备注",
}

// accountSummaryColumns is the header of 账务明细(汇总) (6 columns).
var accountSummaryColumns = []string{
	"类型", "收入笔数", "收入金额（+元）", "支出笔数", "支出金额（-元）", "总金额（元）",
}

// Business types of 账务明细, in the order the summary lists them.
const (
	ledgerPay    = "交易付款"
	ledgerFee    = "收费"
	ledgerRefund = "交易退款"
)

var ledgerTypes = []string{ledgerPay, ledgerFee, ledgerRefund}

// ledgerRow is one money movement of the account.
type ledgerRow struct {
	t      *trade.Trade
	typ    string
	seq    int // order among the movements of one event
	at     time.Time
	amount amount.Amount // + income, − expense
	bizNo  string
	remark string
}

// ledgerRows turns the period's payments and refunds into money movements:
// a payment is income plus its fee; a refund is an expense plus the fee
// given back.
func ledgerRows(ts []trade.Trade, p Period, rateBP int64) []ledgerRow {
	var rows []ledgerRow
	add := func(r ledgerRow) {
		if r.amount != 0 {
			rows = append(rows, r)
		}
	}
	for i := range ts {
		t := &ts[i]
		if t.Paid == nil {
			continue
		}
		if p.Contains(*t.Paid) {
			add(ledgerRow{t: t, typ: ledgerPay, at: *t.Paid, amount: t.Total, bizNo: t.TradeNo})
			add(ledgerRow{t: t, typ: ledgerFee, seq: 1, at: *t.Paid, amount: -Fee(t.Total, rateBP),
				bizNo: t.TradeNo, remark: "服务费"})
		}
		var done amount.Amount
		for _, r := range t.Refunds {
			back := Fee(done+r.Amount, rateBP) - Fee(done, rateBP)
			done += r.Amount
			if !p.Contains(r.At) {
				continue
			}
			biz := t.TradeNo + "_" + r.OutRequestNo
			add(ledgerRow{t: t, typ: ledgerRefund, seq: 2, at: r.At, amount: -r.Amount, bizNo: biz, remark: r.Reason})
			add(ledgerRow{t: t, typ: ledgerFee, seq: 3, at: r.At, amount: back, bizNo: biz, remark: "服务费退回"})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.t.TradeNo != b.t.TradeNo {
			return a.t.TradeNo < b.t.TradeNo
		}
		return a.seq < b.seq
	})
	return rows
}

// journalNo is a stable 19-digit 账务流水号 for a movement.
func journalNo(r ledgerRow) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s|%d", r.bizNo, r.typ, r.seq)
	return fmt.Sprint(uint64(1e18) + h.Sum64()%uint64(9e18))
}

// accountDetail is the text of 账务明细.
func accountDetail(in Input, rows []ledgerRow) string {
	var s sheet
	header(&s, "支付宝账务明细查询", in.UserID, in.Period)
	s.line(marker("账务明细列表", 41, 40))
	s.row(accountColumns...)
	balance := in.OpeningBalance
	var nIn, nOut int
	var sumIn, sumOut amount.Amount
	for _, r := range rows {
		balance += r.amount
		income, expense := r.amount, amount.Amount(0)
		if r.amount < 0 {
			income, expense = 0, r.amount
			nOut++
			sumOut += r.amount
		} else {
			nIn++
			sumIn += r.amount
		}
		party := ""
		if r.typ != ledgerFee {
			party = counterparty(r.t.Buyer)
		}
		s.row(id(journalNo(r)), id(r.bizNo), id(r.t.OutTradeNo), id(r.t.Subject),
			timestamp.Format(r.at), id(party),
			income.String(), expense.String(), balance.String(), "支付宝", r.typ, r.remark)
	}
	s.line(marker("账务明细列表结束", 40, 37))
	s.line(fmt.Sprintf("#支出合计：%d笔，共%s元", nOut, sumOut))
	s.line(fmt.Sprintf("#收入合计：%d笔，共%s元", nIn, sumIn))
	exportLine(&s, in.ExportedAt)
	return s.String()
}

// accountSummary is the text of 账务明细(汇总): a line per business type,
// then 合计.
func accountSummary(in Input, rows []ledgerRow) string {
	type total struct {
		nIn, nOut     int
		sumIn, sumOut amount.Amount
	}
	byType := map[string]*total{}
	var all total
	for _, r := range rows {
		t := byType[r.typ]
		if t == nil {
			t = &total{}
			byType[r.typ] = t
		}
		for _, x := range []*total{t, &all} {
			if r.amount < 0 {
				x.nOut++
				x.sumOut += r.amount
			} else {
				x.nIn++
				x.sumIn += r.amount
			}
		}
	}
	var s sheet
	header(&s, "支付宝账务汇总查询", in.UserID, in.Period)
	s.line(marker("账务汇总列表", 41, 40))
	s.row(accountSummaryColumns...)
	line := func(name string, t total) {
		s.row(name, fmt.Sprint(t.nIn), t.sumIn.String(), fmt.Sprint(t.nOut), t.sumOut.String(),
			(t.sumIn + t.sumOut).String())
	}
	for _, typ := range ledgerTypes {
		if t := byType[typ]; t != nil {
			line(typ, *t)
		}
	}
	line("合计", all)
	s.line(marker("账务汇总列表结束", 40, 37))
	exportLine(&s, in.ExportedAt)
	return s.String()
}
