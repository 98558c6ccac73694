package bill

import (
	"fmt"
	"hash/fnv"
	"sort"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
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
// 转账 (a transfer out, or one from another merchant in) and 转账退回 (a
// transfer's money coming back), 分账 (a settlement's transfer to a
// receiver), 退分账 (what a refund takes back from one), 红包 (a red packet
// the merchant funded) and 红包退回 (its refunds) are inferred names.
const (
	ledgerPay          = "交易付款"
	ledgerFee          = "收费"
	ledgerRefund       = "交易退款"
	ledgerRoyalty      = "分账"
	ledgerRoyaltyBack  = "退分账"
	ledgerTransfer     = "转账"
	ledgerTransferBack = "转账退回"
	ledgerPacket       = "红包"
	ledgerPacketBack   = "红包退回"
)

var ledgerTypes = []string{ledgerPay, ledgerFee, ledgerRefund, ledgerRoyalty, ledgerRoyaltyBack, ledgerTransfer, ledgerTransferBack,
	ledgerPacket, ledgerPacketBack}

// sources are what moves an account's money: its apps' trades, transfers
// and merchant-funded red packets, and the transfers other merchants made
// to it.
type sources struct {
	trades    []trade.Trade
	transfers []fund.Transfer
	received  []fund.Transfer
	packets   []coupon.Order
	// settled are other merchants' trades whose settlements paid into
	// account (trade.Trade.Credits by creditOf).
	settled  []trade.Trade
	account  string
	creditOf func(user string) string
}

// ledgerRow is one money movement of the account.
type ledgerRow struct {
	typ    string
	seq    int // order among the movements of one event
	at     time.Time
	amount amount.Amount // + income, − expense
	bizNo  string
	remark string
	// key orders movements at the same instant (trade_no, order_id);
	// outNo, subject and party are the row's 商户订单号, 商品名称 and 对方账号.
	key, outNo, subject, party string
}

// ledgerRows turns the period's payments, refunds and transfers into money
// movements: a payment is income plus its fee; a refund is an expense plus
// the fee given back; a transfer is an expense (given back if it is
// refunded), one received income when it succeeds; a merchant-funded red
// packet an expense when made, each of its refunds income.
func ledgerRows(src sources, in func(time.Time) bool, rateBP int64) []ledgerRow {
	ts, xs := src.trades, src.transfers
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
		buyer := counterparty(t.Buyer)
		tradeMoves(t, rateBP, func(m move) {
			if !in(m.at) {
				return
			}
			r := ledgerRow{typ: m.typ, seq: m.seq, at: m.at, amount: m.amount, bizNo: m.biz, remark: m.remark,
				key: t.TradeNo, outNo: t.OutTradeNo, subject: t.Subject, party: m.party}
			if m.typ != ledgerFee && m.party == "" {
				r.party = buyer
			}
			add(r)
		})
	}
	for _, x := range xs {
		if x.Status == fund.Fail {
			continue // no money moved
		}
		r := ledgerRow{key: x.OrderID, outNo: x.OutBizNo, subject: x.OrderTitle, party: transferParty(x.Payee),
			bizNo: x.OrderID, remark: x.Remark}
		if in(x.Created) {
			r.typ, r.at, r.amount = ledgerTransfer, x.Created, -x.Amount
			add(r)
		}
		if x.Status == fund.Refund && in(x.Changed) {
			r.typ, r.seq, r.at, r.amount = ledgerTransferBack, 1, x.Changed, x.Amount
			add(r)
		}
	}
	for _, x := range src.received {
		if received(x) && in(x.Changed) {
			add(ledgerRow{typ: ledgerTransfer, seq: 2, at: x.Changed, amount: x.Amount, bizNo: x.OrderID,
				remark: x.Remark, key: x.OrderID, subject: x.OrderTitle, party: x.Payer})
		}
	}
	for i := range src.settled {
		creditMoves(&src.settled[i], src.account, src.creditOf, func(r ledgerRow) {
			if in(r.at) {
				add(r)
			}
		})
	}
	for i := range src.packets {
		packetMoves(&src.packets[i], func(r ledgerRow) {
			if in(r.at) {
				add(r)
			}
		})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.key != b.key {
			return a.key < b.key
		}
		return a.seq < b.seq
	})
	return rows
}

// received reports whether x paid money into its payee's account: a
// transfer to a mock merchant (PayeeAccount) once SUCCESS, when it changed.
func received(x fund.Transfer) bool { return x.PayeeAccount != "" && x.Status == fund.Success }

// creditMoves calls f for each movement a trade of another merchant made
// in account: each settlement's transfer to it as income of type 分账 when
// made (as the payer's row), each refund's take-back from it as an expense
// of type 退分账; 对方账号 the paying merchant's PID (inferred). The sum is
// the trade's Credits for the account.
func creditMoves(t *trade.Trade, account string, creditOf func(string) string, f func(ledgerRow)) {
	if _, ok := t.Credits(creditOf)[account]; !ok {
		return
	}
	r := ledgerRow{key: t.TradeNo, outNo: t.OutTradeNo, subject: t.Subject, party: t.Seller.UserID}
	for _, s := range t.Settlements {
		for _, d := range s.Details {
			if d.TransInType == "userId" && creditOf(d.TransIn) == account {
				r.typ, r.seq, r.at, r.amount, r.bizNo, r.remark = ledgerRoyalty, 4, s.DoneAt(), d.Amount, d.DetailID, d.Desc
				f(r)
			}
		}
	}
	for _, rf := range t.Refunds {
		for j, b := range rf.RoyaltyBack {
			if b.TransOut == account {
				r.typ, r.seq, r.at, r.amount, r.bizNo, r.remark = ledgerRoyaltyBack, 5+j, rf.At, -b.Amount, t.TradeNo+"_"+rf.OutRequestNo, ""
				f(r)
			}
		}
	}
}

// packetMoves calls f for each movement of a red packet the merchant
// funded, as coupon.Order.MerchantOutlay counts them: its amount leaves
// when it is made (agreement pay takes it then, a processing one too),
// each refund (the automatic one included) comes back when made.
func packetMoves(o *coupon.Order, f func(ledgerRow)) {
	if !o.MerchantFunded || o.Claim || o.Status == coupon.OrderClosed {
		return
	}
	r := ledgerRow{typ: ledgerPacket, at: o.Created, amount: -o.Amount, bizNo: o.AuthNo,
		key: o.AuthNo, outNo: o.OutOrderNo, subject: o.Title}
	f(r)
	for i, op := range o.Operations {
		if op.Type == coupon.Refund {
			r.typ, r.seq, r.at, r.amount, r.bizNo, r.remark = ledgerPacketBack, i, op.Created, op.Amount, op.OperationID, op.Remark
			f(r)
		}
	}
}

// move is one money movement of a trade: party is the receiver's user id
// for 分账 and 退分账 (inferred), else "" (the buyer's).
type move struct {
	typ    string
	seq    int
	at     time.Time
	amount amount.Amount
	biz    string
	remark string
	party  string
}

// tradeMoves calls f for each money movement of a paid trade, in order:
// the payment (receipt_amount: a merchant-funded voucher brought no money)
// and its fee (on the total), then each refund (less its merchant-funded
// voucher part, pro rata as the trade bill's 商家实收) and the fee it gives
// back (pro rata, so a full refund gives back the whole fee), with what it
// took back from receivers; each settlement's transfers leave the account
// when made ("分账金额默认从支出方支付宝账户余额出资"), an async one's counted from
// its request. It is the one rule of the ledger and of the merchant's
// balance (TradeIncome).
func tradeMoves(t *trade.Trade, rateBP int64, f func(move)) {
	if t.Paid == nil {
		return
	}
	f(move{typ: ledgerPay, at: *t.Paid, amount: t.ReceiptAmount(), biz: t.TradeNo})
	f(move{typ: ledgerFee, seq: 1, at: *t.Paid, amount: -Fee(t.Total, rateBP), biz: t.TradeNo, remark: "服务费"})
	for _, s := range t.Settlements {
		for _, d := range s.Details {
			f(move{typ: ledgerRoyalty, seq: 4, at: s.DoneAt(), amount: -d.Amount, biz: d.DetailID, remark: d.Desc, party: d.TransIn})
		}
	}
	parts := refundParts(t)
	var done amount.Amount
	for i, r := range t.Refunds {
		back := Fee(done+r.Amount, rateBP) - Fee(done, rateBP)
		done += r.Amount
		biz := t.TradeNo + "_" + r.OutRequestNo
		f(move{typ: ledgerRefund, seq: 2, at: r.At, amount: -(r.Amount - parts[i].merchant), biz: biz, remark: r.Reason})
		f(move{typ: ledgerFee, seq: 3, at: r.At, amount: back, biz: biz, remark: "服务费退回"})
		for j, b := range r.RoyaltyBack {
			f(move{typ: ledgerRoyaltyBack, seq: 5 + j, at: r.At, amount: b.Amount, biz: biz, party: b.TransOut})
		}
	}
}

// refundPart is what a refund gives back to the vouchers, and the
// merchant-funded share of it.
type refundPart struct{ voucher, merchant amount.Amount }

// refundParts splits each refund of t as the trade bill and the ledger
// do: the voucher part (the buyer's money first), its merchant-funded
// share rounded down cumulatively so the refunds add up to the voucher.
func refundParts(t *trade.Trade) []refundPart {
	vt, vm := voucherSplit(t)
	out := make([]refundPart, len(t.Refunds))
	var vdone amount.Amount
	for i := range t.Refunds {
		_, v := t.RefundFunds(&t.Refunds[i])
		out[i] = refundPart{voucher: v, merchant: merchantPart(vdone+v, vt, vm) - merchantPart(vdone, vt, vm)}
		vdone += v
	}
	return out
}

// TradeIncome is what a trade brought into the account: the ledger's
// rows of the trade, summed.
func TradeIncome(t *trade.Trade, rateBP int64) amount.Amount {
	var sum amount.Amount
	tradeMoves(t, rateBP, func(m move) { sum += m.amount })
	return sum
}

// transferParty is the 对方账号 of a transfer: the payee's masked name and
// logon id when it was paid by logon id, else the masked name (inferred).
func transferParty(p fund.Participant) string {
	b := fixtures.Buyer{Name: p.Name}
	if p.IdentityType == fund.IdentityLogonID {
		b.Account = p.Identity
	}
	return counterparty(b)
}

// Income is what an account's payments brought in, less fees, refunds
// (with the fee given back) and settlements: TradeIncome of each trade. The balance of
// mock/fund adds it to the account's base.
func Income(ts []trade.Trade, rateBP int64) amount.Amount {
	var sum amount.Amount
	for i := range ts {
		sum += TradeIncome(&ts[i], rateBP)
	}
	return sum
}

// Opening is the balance of an account before the period: its base and
// every movement before p.Start.
func Opening(base amount.Amount, ts []trade.Trade, xs []fund.Transfer, p Period, rateBP int64) amount.Amount {
	return opening(base, sources{trades: ts, transfers: xs}, p, rateBP)
}

func opening(base amount.Amount, src sources, p Period, rateBP int64) amount.Amount {
	sum := base
	for _, r := range ledgerRows(src, func(at time.Time) bool { return at.Before(p.Start) }, rateBP) {
		sum += r.amount
	}
	return sum
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
		s.row(id(journalNo(r)), id(r.bizNo), id(r.outNo), id(r.subject),
			timestamp.Format(r.at), id(r.party),
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
