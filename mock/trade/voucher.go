package trade

import (
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/domain"
)

// Voucher is a coupon the buyer paid part of a trade with: one entry of
// voucher_detail_list (alipay-sdk-java-all VoucherDetail: amount is "商家出资
// 加上其他出资方出资", the merchant's contribution plus everyone else's).
type Voucher struct {
	ID                 string        `json:"id"`
	Name               string        `json:"name"`
	Type               string        `json:"type"`
	Amount             amount.Amount `json:"amount"`
	MerchantContribute amount.Amount `json:"merchant_contribute"`
	OtherContribute    amount.Amount `json:"other_contribute"`
}

// Voucher types (VoucherDetail.type): a fixed-amount voucher Alipay funds,
// and a merchant's own voucher.
const (
	VoucherAlipay   = "ALIPAY_FIX_VOUCHER"
	VoucherMerchant = "ALIPAY_BIZ_VOUCHER"
)

// FundChannel is the fund_bill_list channel the voucher pays through:
// MDISCOUNT (商户优惠券) for the merchant's, DISCOUNT (折扣券) for Alipay's.
// Inferred: docs/differences.md.
func (v Voucher) FundChannel() string {
	if v.MerchantContribute > 0 {
		return "MDISCOUNT"
	}
	return "DISCOUNT"
}

// voucher makes the voucher a scenario gave the trade. It covers at most
// the total less one fen, so the buyer always pays something; none when
// nothing is left to cover.
func (b *Book) voucher(v *domain.Voucher, total amount.Amount, now time.Time) []Voucher {
	if v == nil || v.Amount <= 0 || total <= 1 {
		return nil
	}
	a := min(v.Amount, total-1)
	out := Voucher{ID: b.ids.VoucherID(now), Name: v.Name, Type: VoucherAlipay, Amount: a, OtherContribute: a}
	if v.Merchant {
		out.Type, out.MerchantContribute, out.OtherContribute = VoucherMerchant, a, 0
	}
	if out.Name == "" {
		out.Name = a.String() + "元代金券"
	}
	return []Voucher{out}
}

// VoucherAmount is what the vouchers covered.
func (t *Trade) VoucherAmount() amount.Amount {
	var s amount.Amount
	for _, v := range t.Vouchers {
		s += v.Amount
	}
	return s
}

// BuyerPayAmount is what the buyer paid from their own funds
// (buyer_pay_amount): the total less the vouchers.
func (t *Trade) BuyerPayAmount() amount.Amount { return t.Total - t.VoucherAmount() }

// MerchantDiscount is what the merchant's vouchers covered
// (mdiscount_amount, 商家优惠金额).
func (t *Trade) MerchantDiscount() amount.Amount {
	var s amount.Amount
	for _, v := range t.Vouchers {
		s += v.MerchantContribute
	}
	return s
}

// PlatformDiscount is what vouchers others (Alipay) funded covered
// (discount_amount, 平台优惠金额).
func (t *Trade) PlatformDiscount() amount.Amount {
	var s amount.Amount
	for _, v := range t.Vouchers {
		s += v.OtherContribute
	}
	return s
}

// ReceiptAmount is what the merchant receives (receipt_amount, 实收金额):
// the total less what the merchant funded; a voucher Alipay funds is paid
// to the merchant.
func (t *Trade) ReceiptAmount() amount.Amount { return t.Total - t.MerchantDiscount() }

// InvoiceAmount is what may be invoiced to the buyer (invoice_amount,
// 用户支付的可开具发票的金额): what the buyer paid. Inferred.
func (t *Trade) InvoiceAmount() amount.Amount { return t.BuyerPayAmount() }

// RefundFunds splits the refund r into what goes back to the buyer's
// balance and what goes back to the vouchers: the buyer's money first,
// the vouchers after it (inferred: docs/differences.md).
func (t *Trade) RefundFunds(r *Refund) (cash, voucher amount.Amount) {
	var before amount.Amount
	for i := range t.Refunds {
		if t.Refunds[i].OutRequestNo == r.OutRequestNo {
			break
		}
		before += t.Refunds[i].Amount
	}
	pay := t.BuyerPayAmount()
	cash = min(before+r.Amount, pay) - min(before, pay)
	return cash, r.Amount - cash
}

// SendBackFee is what the merchant itself pays back for the refund r
// (send_back_fee, 本次商户实际退回金额): the refund less the part of it that
// goes back to a merchant-funded voucher, which carried no money to the
// merchant (AlipayTradeRefundModel.refund_amount: "20元无资金流的营销券，商家
// 实际收款80元"). An Alipay-funded voucher was paid to the merchant, so its
// part is paid back.
func (t *Trade) SendBackFee(r *Refund) amount.Amount {
	_, back := t.RefundFunds(r)
	if all := t.VoucherAmount(); back > 0 && all > 0 {
		if m, ok := amount.MulDiv(back, t.MerchantDiscount(), all); ok {
			return r.Amount - m
		}
	}
	return r.Amount
}

// Held is what the merchant still holds of the trade's money: what it
// received (receipt_amount) less what it paid back for refunds
// (SendBackFee). Settlements split at most this (inferred).
func (t *Trade) Held() amount.Amount {
	h := t.ReceiptAmount()
	for i := range t.Refunds {
		h -= t.SendBackFee(&t.Refunds[i])
	}
	return h
}
