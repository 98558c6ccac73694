package bill

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// tradeColumns is the header of 业务明细 (25 columns).
var tradeColumns = []string{
	"支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间",
	"门店编号", "门店名称", "操作员", "终端号", "对方账户", "订单金额（元）", "商家实收（元）",
	"支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）", "商家优惠（元）", "券核销金额（元）",
	"券名称", "商家红包消费金额（元）", "卡消费金额（元）", "退款批次号/请求号",
	"服务费（元）", "分润（元）", "备注",
}

// tradeSummaryColumns is the header of 业务明细(汇总) (12 columns).
var tradeSummaryColumns = []string{
	"门店编号", "门店名称", "交易订单总笔数", "退款订单总笔数", "订单金额（元）", "商家实收（元）",
	"支付宝优惠（元）", "商家优惠（元）", "卡消费金额（元）", "服务费（元）", "分润（元）", "实收净额（元）",
}

// Business types of 业务明细.
const (
	kindTrade  = "交易"
	kindRefund = "退款"
)

// tradeRow is one line of 业务明细.
type tradeRow struct {
	t          *trade.Trade
	kind       string
	at         time.Time // 完成时间
	order      amount.Amount
	receipt    amount.Amount
	fee        amount.Amount // as printed: negative for a payment
	outRequest string
	// The voucher's part, signed like order: 券核销金额 (voucher), split by
	// who funded it into 支付宝优惠 (alipay) and 商家优惠 (merchant).
	voucher, alipay, merchant amount.Amount
	voucherName               string
}

// voucherSplit is what the vouchers covered and the merchant's part of it.
func voucherSplit(t *trade.Trade) (total, merchant amount.Amount) {
	for _, v := range t.Vouchers {
		total += v.Amount
		merchant += v.MerchantContribute
	}
	return total, merchant
}

// merchantPart is the merchant-funded share of the first v of the
// vouchers' total vt whose merchant-funded part is vm, rounded down, so
// that successive refunds add up to vm (inferred: docs/differences.md);
// the product is taken without overflow (amount.MulDiv).
func merchantPart(v, vt, vm amount.Amount) amount.Amount {
	if vt <= 0 {
		return 0
	}
	p, _ := amount.MulDiv(v, vm, vt) // v ≤ vt: the quotient fits
	return p
}

// voucherNames is 券名称: the vouchers' names (inferred joined by ";").
func voucherNames(t *trade.Trade) string {
	names := make([]string, len(t.Vouchers))
	for i, v := range t.Vouchers {
		names[i] = v.Name
	}
	return strings.Join(names, ";")
}

// tradeRows selects the rows of the period: a row per payment and per
// refund whose time falls in it, in time order.
func tradeRows(ts []trade.Trade, p Period, rateBP int64) []tradeRow {
	var rows []tradeRow
	for i := range ts {
		t := &ts[i]
		if t.Paid == nil {
			continue
		}
		vt, vm := voucherSplit(t)
		names := voucherNames(t)
		if p.Contains(*t.Paid) {
			rows = append(rows, tradeRow{t: t, kind: kindTrade, at: *t.Paid,
				order: t.Total, receipt: t.Total - vm, fee: -Fee(t.Total, rateBP),
				voucher: vt, alipay: vt - vm, merchant: vm, voucherName: names})
		}
		parts := refundParts(t)
		var done amount.Amount
		for i := range t.Refunds {
			r := &t.Refunds[i]
			back := Fee(done+r.Amount, rateBP) - Fee(done, rateBP)
			done += r.Amount
			v, m := parts[i].voucher, parts[i].merchant
			if p.Contains(r.At) {
				row := tradeRow{t: t, kind: kindRefund, at: r.At,
					order: -r.Amount, receipt: -(r.Amount - m), fee: back, outRequest: r.OutRequestNo,
					voucher: -v, alipay: -(v - m), merchant: -m}
				if v != 0 {
					row.voucherName = names
				}
				rows = append(rows, row)
			}
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
		return a.kind == kindTrade && b.kind != kindTrade
	})
	return rows
}

// tradeDetail is the text of 业务明细.
func tradeDetail(in Input, rows []tradeRow) string {
	var s sheet
	header(&s, "支付宝业务明细查询", in.UserID, in.Period)
	s.line(marker("业务明细列表", 41, 40))
	s.row(tradeColumns...)
	var nTrade, nRefund int
	var sumTrade, sumRefund, mTrade, mRefund amount.Amount
	for _, r := range rows {
		t := r.t
		if r.kind == kindTrade {
			nTrade++
			sumTrade += r.receipt
			mTrade += r.merchant
		} else {
			nRefund++
			sumRefund += r.receipt
			mRefund += r.merchant
		}
		zero := amount.Amount(0).String()
		s.row(
			id(t.TradeNo), id(t.OutTradeNo), id(r.kind), t.Subject,
			timestamp.Format(t.GmtCreate()), timestamp.Format(r.at),
			id(t.StoreID), id(""), id(t.OperatorID), id(t.TerminalID), id(counterparty(t.Buyer)),
			r.order.String(), r.receipt.String(),
			zero, zero, // 支付宝红包, 集分宝
			r.alipay.String(), r.merchant.String(), r.voucher.String(),
			r.voucherName, id(zero), zero, // 券名称, 商家红包消费, 卡消费
			id(r.outRequest), r.fee.String(), zero, t.Body,
		)
	}
	s.line(marker("业务明细列表结束", 41, 36))
	s.line(fmt.Sprintf("#交易合计：%d笔，商家实收共%s元，商家优惠共%s元", nTrade, sumTrade, mTrade))
	s.line(fmt.Sprintf("#退款合计：%d笔，商家实收退款共%s元，商家优惠退款共%s元", nRefund, sumRefund, mRefund))
	exportLine(&s, in.ExportedAt)
	return s.String()
}

// storeTotal is one line of 业务明细(汇总).
type storeTotal struct {
	trades, refunds                       int
	order, receipt, fee, alipay, merchant amount.Amount
}

func (a *storeTotal) add(r tradeRow) {
	if r.kind == kindTrade {
		a.trades++
	} else {
		a.refunds++
	}
	a.order += r.order
	a.receipt += r.receipt
	a.fee += r.fee
	a.alipay += r.alipay
	a.merchant += r.merchant
}

// tradeSummary is the text of 业务明细(汇总): a line per store, then 合计.
func tradeSummary(in Input, rows []tradeRow) string {
	var s sheet
	header(&s, "支付宝业务汇总查询", in.UserID, in.Period)
	s.line(marker("业务汇总列表", 41, 40))
	s.row(tradeSummaryColumns...)
	stores := map[string]*storeTotal{}
	var ids []string
	var all storeTotal
	for _, r := range rows {
		st := stores[r.t.StoreID]
		if st == nil {
			st = &storeTotal{}
			stores[r.t.StoreID] = st
			ids = append(ids, r.t.StoreID)
		}
		st.add(r)
		all.add(r)
	}
	sort.Strings(ids)
	line := func(store, name string, a storeTotal) {
		zero := amount.Amount(0).String()
		s.row(store, name, fmt.Sprint(a.trades), fmt.Sprint(a.refunds),
			a.order.String(), a.receipt.String(), a.alipay.String(), a.merchant.String(), zero,
			a.fee.String(), zero, (a.receipt + a.fee).String())
	}
	for _, store := range ids {
		line(id(store), id(""), *stores[store])
	}
	line("合计", "", all)
	s.line(marker("业务汇总列表结束", 40, 37))
	exportLine(&s, in.ExportedAt)
	return s.String()
}
