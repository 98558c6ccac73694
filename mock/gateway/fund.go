package gateway

import (
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/fund"
)

// fundMerchant is who pays a transfer: the merchant the call acts for.
func (cl *call) fundMerchant() fund.Merchant {
	m := cl.merchant()
	return fund.Merchant{AppID: m.AppID, ISVAppID: m.ISVAppID, UserID: m.Seller.UserID, Email: m.Seller.Email}
}

// transferPlan is how the scenario says the transfer goes; zero is
// SUCCESS at once.
func (cl *call) transferPlan() fund.Plan {
	if cl.plan == nil || cl.plan.Action.Transfer == nil {
		return fund.Plan{}
	}
	x := cl.plan.Action.Transfer
	p := fund.Plan{Status: fund.Status(x.Status)}
	if x.After != nil {
		p.After = time.Duration(*x.After)
	}
	return p
}

// transfer answers alipay.fund.trans.uni.transfer
// (AlipayFundTransUniTransferResponse): trans_date for money that left
// the account, no pay_fund_order_id for a FAIL.
func (g *Gateway) transfer(cl *call, in fund.Request) (any, *apierr.Error) {
	t, err := g.Fund.Transfer(cl.fundMerchant(), in, cl.transferPlan())
	if err != nil {
		return nil, g.asAPI(err)
	}
	out := struct {
		OutBizNo       string `json:"out_biz_no"`
		OrderID        string `json:"order_id"`
		PayFundOrderID string `json:"pay_fund_order_id,omitempty"`
		Status         string `json:"status"`
		TransDate      string `json:"trans_date,omitempty"`
	}{OutBizNo: t.OutBizNo, OrderID: t.OrderID, PayFundOrderID: t.PayFundOrderID, Status: string(t.Status)}
	if t.Status != fund.Fail {
		out.TransDate = timestamp.Format(t.Created)
	}
	return out, nil
}

// transferQuery answers alipay.fund.trans.common.query
// (AlipayFundTransCommonQueryResponse). trans_amount is the class's "订单
// 状态为SUCCESS才返回"; arrival_time_end and order_fee are bank-card only.
func (g *Gateway) transferQuery(cl *call, in fund.QueryRequest) (any, *apierr.Error) {
	t, err := g.Fund.Query(cl.owner(), in)
	if err != nil {
		return nil, g.asAPI(err)
	}
	out := struct {
		OrderID        string         `json:"order_id"`
		PayFundOrderID string         `json:"pay_fund_order_id,omitempty"`
		OutBizNo       string         `json:"out_biz_no"`
		TransAmount    *amount.Amount `json:"trans_amount,omitempty"`
		Status         string         `json:"status"`
		PayDate        string         `json:"pay_date,omitempty"`
		ErrorCode      string         `json:"error_code,omitempty"`
		FailReason     string         `json:"fail_reason,omitempty"`
		PassbackParams string         `json:"passback_params,omitempty"`
	}{OrderID: t.OrderID, PayFundOrderID: t.PayFundOrderID, OutBizNo: t.OutBizNo, Status: string(t.Status),
		ErrorCode: t.ErrorCode, FailReason: t.FailReason, PassbackParams: t.PassbackParams}
	if t.Status == fund.Success {
		a := t.Amount
		out.TransAmount = &a
	}
	if t.Status != fund.Fail {
		out.PayDate = timestamp.Format(t.Created)
	}
	return out, nil
}

// accountQuery answers alipay.fund.account.query
// (AlipayFundAccountQueryResponse): the real-time available and frozen
// balance; total_amount and amount_detail are for end-of-day details,
// which the mock does not keep.
func (g *Gateway) accountQuery(cl *call, in fund.AccountRequest) (any, *apierr.Error) {
	a, err := g.Fund.Account(cl.fundMerchant(), in)
	if err != nil {
		return nil, g.asAPI(err)
	}
	return struct {
		AvailableAmount amount.Amount `json:"available_amount"`
		FreezeAmount    amount.Amount `json:"freeze_amount"`
	}{a.Available, a.Freeze}, nil
}
