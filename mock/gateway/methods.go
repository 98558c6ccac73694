package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

func (g *Gateway) dispatch(cl *call) reply {
	node := cl.ent.node
	out, oe := g.outcome(cl)
	if oe != nil { // 20000 when the queue's store failed: no answer used, nothing run
		return reply{node: node, fields: cl.ent.failed(cl, oe), err: oe, signed: true}
	}
	if out != nil && !out.Execute {
		return g.forced(cl, out.Err, nil) // nothing ran: no policy, no buyer
	}
	if e := g.beforeCall(cl); e != nil {
		return g.storeFailure(cl, e)
	}
	fields, e := cl.ent.handle(g, cl)
	cl.made = e == nil || e.Code == apierr.CodeProcessing // 10003: made, in progress
	if !cl.made || cl.none {
		g.failedCall(cl)
	}
	if e != nil && fields == nil {
		fields = cl.ent.failed(cl, e)
	}
	var override map[string]string
	if cl.plan != nil {
		override = cl.plan.Action.Fields
	}
	if cl.ack.Pending() { // the change is still being written (answered.go)
		cl.unstored = func(e *apierr.Error) reply {
			return cl.shape(reply{node: node, fields: cl.ent.failed(cl, e), err: e, signed: true, override: override})
		}
	}
	if out != nil {
		switch {
		case out.Err.Code == apierr.CodeProcessing && e != nil:
			// Nothing is processing when the operation failed: the real answer.
		case storeFailed(e):
			// The store failed the operation: 20000, never a forced verdict.
		case out.Err.Code == apierr.CodeProcessing:
			return reply{node: node, fields: fields, err: cl.ent.family.processing(out.Err), signed: true, override: override}
		default:
			return g.forced(cl, out.Err, override)
		}
	}
	return reply{node: node, fields: fields, err: e, signed: true, override: override}
}

// outcome is the answer forced on the call, if any (cl.outcome): the
// X-Alipay-Mock header's, else a queued answer (taken by plan, around
// the rules' match), else the scenario's respond. An error is the
// answer instead: the header unreadable, or the queue's store failed
// (20000).
func (g *Gateway) outcome(cl *call) (*Outcome, *apierr.Error) {
	var out *Outcome
	if cl.req != nil { // an order string (OpenOrderString) has no header
		var err error
		if out, err = parseOutcome(cl.req.Header.Get(OutcomeHeader)); err == nil && out != nil {
			err = onPage(cl.ent, out.Err.Code)
		}
		if err != nil {
			return nil, apierr.Invalid("isv.invalid-parameter", "参数无效："+OutcomeHeader+": "+err.Error())
		}
	}
	if out == nil {
		var e *apierr.Error
		if out, _, e = g.takeQueued(cl, takeAny); e != nil {
			return nil, e
		}
	}
	if out == nil && cl.plan != nil && cl.plan.Action.Respond != nil {
		rs := cl.plan.Action.Respond
		if rs.Code != apierr.CodeSuccess {
			var err error
			if out, err = NewOutcome(rs.Code, rs.SubCode, rs.SubMsg, rs.Execute); err != nil {
				return nil, apierr.SystemBusy()
			}
		}
	}
	cl.outcome = out
	return out, nil
}

// takeQueued takes the answer queued for the call, once, when it is of
// the kind asked for (plan: queuedFor), any kind when no plan was made
// (outcome). left says the first answer queued for the call was of
// another kind and left queued, the call taking nothing yet. An error is
// the queue's store failing (20000), nothing taken.
func (g *Gateway) takeQueued(cl *call, kind takeKind) (out *Outcome, left bool, e *apierr.Error) {
	if cl.queueTaken {
		return cl.queued, false, nil
	}
	out, left, err := g.Queue.take(cl.app.AppID, cl.method, kind)
	if err != nil {
		return nil, false, g.asAPI(err)
	}
	if !left {
		cl.queued, cl.queueTaken = out, true
	}
	return out, left, nil
}

// storeFailed reports whether e is a store's failure (20000), which a
// forced answer never stands in for.
func storeFailed(e *apierr.Error) bool { return e != nil && e.Code == apierr.CodeUnknown }

// forced is a forced error answer, shaped as the method's family answers
// errors (red-packet 40004s carry display_message, without ACQ. codes),
// with the fields the method's own failures carry.
func (g *Gateway) forced(cl *call, e *apierr.Error, override map[string]string) reply {
	f := cl.ent.family
	if (f == familyCoupon || f == familyFund) && e.SubCode == "ACQ.SYSTEM_ERROR" { // a forced 40004's default sub_code
		c := *e
		c.SubCode, e = "SYSTEM_ERROR", &c
	}
	e = f.processing(e)
	return reply{node: sign.NodeName(cl.method), fields: cl.ent.failed(cl, e), err: e, signed: true, override: override}
}

// storeFailure is the answer of a call the store failed (20000: the
// scenario's plan, policy or buyer not read or kept), carrying the fields
// the method's errors carry.
func (g *Gateway) storeFailure(cl *call, e *apierr.Error) reply {
	return reply{node: cl.ent.node, fields: cl.ent.failed(cl, e), err: e, signed: true}
}

// failed is the fields a failure e of the method carries: its entry's
// failure (what the request named, echoed), else its family's.
func (ent *entry) failed(cl *call, e *apierr.Error) any {
	if ent.failure != nil {
		return ent.failure(cl, e)
	}
	return ent.family.errorFields(e)
}

// decode reads biz_content into v; a field of the wrong type is the
// method family's INVALID_PARAMETER naming the field.
func decode(cl *call, v any) *apierr.Error {
	if len(cl.biz) == 0 {
		return nil
	}
	invalid := cl.ent.family.invalid
	var err error
	if u, ok := v.(json.Unmarshaler); ok {
		// What json.Unmarshal would do after checking again that biz is
		// valid JSON (normaliseBiz did): hand it to the type's own method.
		err = u.UnmarshalJSON(cl.biz)
	} else {
		err = json.Unmarshal(cl.biz, v)
	}
	if err == nil {
		if hasNUL(cl.biz) {
			return invalid("参数不能包含空字符")
		}
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return invalid(te.Field + "类型错误")
	}
	if errors.Is(err, amount.ErrSyntax) {
		return invalid("金额格式错误，单位为元，最多两位小数")
	}
	// Any other error is Go's text: the journal keeps it, the answer does not.
	cl.entry.Explanation = "biz_content not decoded: " + err.Error()
	return invalid("参数格式错误，请检查biz_content中各参数的类型")
}

// hasNUL reports a NUL character in any string of the JSON document b.
// Production takes order numbers of letters, digits and underscores only
// (out_trade_no in https://github.com/alipay/alipay-sdk-java-all/blob/master/v2/src/main/java/com/alipay/api/domain/AlipayTradePrecreateModel.java);
// refusing NUL everywhere is inferred, and keeps such values out of every store (PostgreSQL's text
// cannot hold one).
func hasNUL(b []byte) bool {
	if !bytes.Contains(b, []byte(`u0000`)) {
		return false
	}
	var doc any
	if json.Unmarshal(b, &doc) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return strings.IndexByte(v, 0) >= 0
		case map[string]any:
			for k, e := range v {
				if strings.IndexByte(k, 0) >= 0 || walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(doc)
}

// asAPI turns an error of the state machine into the Alipay error to send.
func (g *Gateway) asAPI(err error) *apierr.Error {
	if err == nil {
		return nil
	}
	var e *apierr.Error
	if errors.As(err, &e) {
		c := *e
		return &c
	}
	g.Log.Error("unexpected error", "err", err)
	return apierr.SystemBusy()
}

// merchant is whose trades a call acts on: the caller's own, or with an
// app_auth_token the authorising merchant's.
func (cl *call) merchant() domain.Merchant {
	if cl.token != nil {
		return domain.Merchant{AppID: cl.token.Merchant.AuthAppID, Seller: cl.token.Merchant.Seller, ISVAppID: cl.app.AppID}
	}
	return domain.Merchant{AppID: cl.app.AppID, Seller: cl.app.Seller}
}

// owner is the app id the merchant's trades and red packets are kept under.
func (cl *call) owner() string { return cl.merchant().AppID }

// context is what a trade or red packet keeps of the request: copies, so
// that it never holds on to the request body its values were cut from.
func (cl *call) context() domain.Context {
	c := domain.Context{NotifyURL: strings.Clone(cl.params["notify_url"]), ReturnURL: strings.Clone(cl.params["return_url"]),
		Charset: cl.cs, SignType: cl.st, OpenID: cl.openID, Stamped: cl.stamped}
	if cl.plan != nil && cl.plan.Action.Voucher != nil {
		c.Voucher = cl.plan.Action.Voucher.Domain()
	}
	return c
}

// publicURL is the mock's base URL as the caller reached it.
func (g *Gateway) publicURL(cl *call) string { return shared.PublicURL(g.PublicURL, cl.ec) }

// fundBill is one entry of fund_bill_list. The mock's buyers pay from their
// balance, the one channel the sandbox supports for face-to-face.
type fundBill struct {
	Amount      amount.Amount `json:"amount"`
	FundChannel string        `json:"fund_channel"`
	RealAmount  amount.Amount `json:"real_amount,omitempty"`
}

const fundChannel = "ALIPAYACCOUNT"

// asked reports whether query_options names the optional field name:
// production leaves such fields out unless asked (alipay-sdk-java-all's
// response classes: "只有在…query_options中指定时才返回").
func asked(opts []string, name string) bool {
	for _, o := range opts {
		if o == name {
			return true
		}
	}
	return false
}

// bills is fund_bill_list when the caller asked for it: the buyer's
// balance, then each voucher on its channel (no real_amount: the buyer
// paid nothing through it).
func bills(t *trade.Trade, opts []string) []fundBill {
	if !t.IsPaid() || !asked(opts, "fund_bill_list") {
		return nil
	}
	pay := t.BuyerPayAmount()
	out := []fundBill{{Amount: pay, FundChannel: fundChannel, RealAmount: pay}}
	for _, v := range t.Vouchers {
		out = append(out, fundBill{Amount: v.Amount, FundChannel: v.FundChannel()})
	}
	return out
}

// voucherDetail is one entry of voucher_detail_list and
// refund_voucher_detail_list (alipay-sdk-java-all VoucherDetail).
type voucherDetail struct {
	ID                 string        `json:"id"`
	Name               string        `json:"name"`
	Type               string        `json:"type"`
	Amount             amount.Amount `json:"amount"`
	MerchantContribute amount.Amount `json:"merchant_contribute"`
	OtherContribute    amount.Amount `json:"other_contribute"`
}

// vouchers is the trade's vouchers when query_options names field; none
// on an unpaid trade, where no voucher was used yet.
func vouchers(t *trade.Trade, opts []string, field string) []voucherDetail {
	if !t.IsPaid() || len(t.Vouchers) == 0 || !asked(opts, field) {
		return nil
	}
	out := make([]voucherDetail, len(t.Vouchers))
	for i, v := range t.Vouchers {
		out[i] = voucherDetail(v)
	}
	return out
}

func (g *Gateway) precreate(cl *call, o trade.Order) (any, *apierr.Error) {
	t, err := g.Trades.Precreate(cl.merchant(), o, cl.answerLater())
	if err != nil {
		return nil, g.asAPI(err)
	}
	cl.no = t.TradeNo
	return struct {
		OutTradeNo string `json:"out_trade_no"`
		QRCode     string `json:"qr_code"`
	}{t.OutTradeNo, shared.QRCode(g.AlipayQRCode, g.PublicURL, cl.ec, t.QRToken)}, nil
}

// paidFields are the fields pay and query share.
type paidFields struct {
	TradeNo        string        `json:"trade_no"`
	OutTradeNo     string        `json:"out_trade_no"`
	BuyerLogonID   string        `json:"buyer_logon_id,omitempty"`
	BuyerUserID    string        `json:"buyer_user_id,omitempty"`
	BuyerOpenID    string        `json:"buyer_open_id,omitempty"`
	TotalAmount    amount.Amount `json:"total_amount"`
	ReceiptAmount  amount.Amount `json:"receipt_amount"`
	BuyerPayAmount amount.Amount `json:"buyer_pay_amount"`
	PointAmount    amount.Amount `json:"point_amount"`
	InvoiceAmount  amount.Amount `json:"invoice_amount"`
	FundBillList   []fundBill    `json:"fund_bill_list,omitempty"`
	// VoucherDetailList only when query_options names it (AlipayTradePayResponse,
	// AlipayTradeQueryResponse: "只有在query_options中指定时才返回").
	VoucherDetailList []voucherDetail `json:"voucher_detail_list,omitempty"`
	// Only when query_options names them, as the pay model's lists them:
	// what Alipay's vouchers (平台优惠) and the merchant's (商家优惠) covered.
	DiscountAmount  *amount.Amount `json:"discount_amount,omitempty"`
	MDiscountAmount *amount.Amount `json:"mdiscount_amount,omitempty"`
}

func (g *Gateway) paid(cl *call, t *trade.Trade, opts []string) paidFields {
	f := paidFields{TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo, TotalAmount: t.Total, FundBillList: bills(t, opts),
		VoucherDetailList: vouchers(t, opts, "voucher_detail_list")}
	if t.Scanned {
		f.BuyerLogonID = t.Buyer.LogonID
		f.BuyerUserID, f.BuyerOpenID = t.BuyerIDs(cl.openID)
	}
	if t.IsPaid() {
		f.ReceiptAmount, f.BuyerPayAmount, f.InvoiceAmount = t.ReceiptAmount(), t.BuyerPayAmount(), t.InvoiceAmount()
	}
	if asked(opts, "discount_amount") {
		d := t.PlatformDiscount()
		f.DiscountAmount = &d
	}
	if asked(opts, "mdiscount_amount") {
		d := t.MerchantDiscount()
		f.MDiscountAmount = &d
	}
	return f
}

func (g *Gateway) pay(cl *call, o trade.Order) (any, *apierr.Error) {
	ctx := cl.answerLater()
	ctx.Password = cl.processing()
	res, err := g.Trades.Pay(cl.merchant(), o, ctx)
	if err != nil {
		return nil, g.asAPI(err)
	}
	t := &res.Trade
	cl.no = t.TradeNo
	out := struct {
		paidFields
		GmtPayment string `json:"gmt_payment,omitempty"`
		StoreName  string `json:"store_name,omitempty"`
	}{paidFields: g.paid(cl, t, o.QueryOptions)}
	if t.Paid != nil {
		out.GmtPayment = timestamp.Format(*t.Paid)
	}
	if res.Waiting {
		// Not an error: 10003 means the buyer is confirming; poll query.
		return out, &apierr.Error{Code: apierr.CodeProcessing, Msg: apierr.Msg(apierr.CodeProcessing)}
	}
	return out, nil
}

func (g *Gateway) create(cl *call, o trade.Order) (any, *apierr.Error) {
	t, err := g.Trades.Create(cl.merchant(), o, cl.answerLater())
	if err != nil {
		return nil, g.asAPI(err)
	}
	cl.no = t.TradeNo
	return struct {
		OutTradeNo string `json:"out_trade_no"`
		TradeNo    string `json:"trade_no"`
	}{t.OutTradeNo, t.TradeNo}, nil
}

// queryFailure is what a failed query carries: production echoes the
// trade's numbers with zero amounts, when the request named one.
func queryFailure(cl *call, _ *apierr.Error) any {
	out, no := cl.flat["out_trade_no"], cl.flat["trade_no"]
	if out == "" && no == "" {
		return nil
	}
	return struct {
		OutTradeNo     string        `json:"out_trade_no,omitempty"`
		TradeNo        string        `json:"trade_no,omitempty"`
		ReceiptAmount  amount.Amount `json:"receipt_amount"`
		PointAmount    amount.Amount `json:"point_amount"`
		BuyerPayAmount amount.Amount `json:"buyer_pay_amount"`
		InvoiceAmount  amount.Amount `json:"invoice_amount"`
	}{OutTradeNo: out, TradeNo: no}
}

// queryRequest is the biz_content of alipay.trade.query.
type queryRequest struct {
	trade.Ref
	QueryOptions []string `json:"query_options"`
}

// query answers alipay.trade.query. subject and body are left out: the
// SDK's response class returns them "只在银行间联交易场景下" (bank-intermediated
// trades only), which the mock's trades never are. voucher_detail_list
// follows query_options (paidFields), and so does trade_settle_info
// (settleInfo).
func (g *Gateway) query(cl *call, in queryRequest) (any, *apierr.Error) {
	ref := in.Ref
	// Only a query that may find a buyer waiting for queries counts (with
	// --store that is a database write), so polling a paid trade is one
	// read; a buyer who pays on this query is read again.
	t, err := g.Trades.Query(cl.owner(), ref)
	known := ref
	if err == nil {
		known.OutTradeNo = t.OutTradeNo // no second read to find it
	}
	if err != nil || t.Status == trade.WaitBuyerPay {
		switch paid, qerr := g.beforeQuery(cl.owner(), known); {
		case qerr != nil:
			g.Log.Error("scenario's waiting buyer not read or kept", "method", cl.method, "err", qerr)
			err = trade.StoreFailed(qerr)
		case paid:
			t, err = g.Trades.Query(cl.owner(), ref)
		}
	}
	if err != nil {
		return nil, g.asAPI(err) // queryFailure's fields
	}
	out := struct {
		paidFields
		TradeStatus   string `json:"trade_status"`
		SendPayDate   string `json:"send_pay_date,omitempty"`
		BuyerUserType string `json:"buyer_user_type,omitempty"`
		StoreID       string `json:"store_id,omitempty"`
		TerminalID    string `json:"terminal_id,omitempty"`
		Passback      string `json:"passback_params,omitempty"`
		// TradeSettleInfo only when query_options names trade_settle_info.
		TradeSettleInfo *tradeSettleInfo `json:"trade_settle_info,omitempty"`
	}{paidFields: g.paid(cl, &t, in.QueryOptions), TradeStatus: string(t.Status),
		StoreID: t.StoreID, TerminalID: t.TerminalID, Passback: t.PassbackParams,
		TradeSettleInfo: settleInfo(&t, in.QueryOptions, g.Clock.Now())}
	if t.Paid != nil {
		out.SendPayDate = timestamp.Format(*t.Paid)
	}
	if t.Scanned && t.Buyer.UserID != "" {
		out.BuyerUserType = "PRIVATE"
	}
	return out, nil
}

func (g *Gateway) cancel(cl *call, ref trade.Ref) (any, *apierr.Error) {
	res, err := g.Trades.Cancel(cl.owner(), ref)
	if err != nil {
		return nil, g.asAPI(err) // cancelFailure's fields
	}
	cl.none = res.Trade == nil // no trade to keep the policy for
	// No gmt_refund_pay: the SDK's response class returns it on cancel
	// "只在银行间联交易场景下" (bank-intermediated trades only).
	out := struct {
		TradeNo    string `json:"trade_no,omitempty"`
		OutTradeNo string `json:"out_trade_no,omitempty"`
		RetryFlag  string `json:"retry_flag"`
		Action     string `json:"action,omitempty"`
	}{OutTradeNo: ref.OutTradeNo, RetryFlag: res.RetryFlag, Action: res.Action}
	// No trade found: no trade_no, not even the one sent (the response
	// class returns it "当发生交易关闭或交易退款时"), which for a hidden trade
	// would be the real trade's.
	if t := res.Trade; t != nil {
		out.TradeNo, out.OutTradeNo = t.TradeNo, t.OutTradeNo
	}
	return out, nil
}

// cancelFailure is what a failed alipay.trade.cancel carries: retry_flag,
// which the official face-to-face demo reads on every failed cancel and
// retries on Y whatever the code. Y where the failure is transient (20000,
// SYSTEM_ERROR: "请过一段时间后进行重试"), N where a retry cannot succeed
// (inferred: docs/differences.md).
func cancelFailure(_ *call, e *apierr.Error) any {
	flag := "N"
	if e != nil && (e.Code == apierr.CodeUnknown || strings.HasSuffix(e.SubCode, "SYSTEM_ERROR") || e.SubCode == apierr.SubSystemBusy) {
		flag = "Y"
	}
	return struct {
		RetryFlag string `json:"retry_flag"`
	}{flag}
}

// closeRequest is the biz_content of alipay.trade.close.
type closeRequest struct {
	trade.Ref
	OperatorID string `json:"operator_id"`
}

func (g *Gateway) close(cl *call, in closeRequest) (any, *apierr.Error) {
	t, err := g.Trades.Close(cl.owner(), in.Ref, in.OperatorID)
	if err != nil {
		return nil, g.asAPI(err)
	}
	return struct {
		TradeNo    string `json:"trade_no"`
		OutTradeNo string `json:"out_trade_no"`
	}{t.TradeNo, t.OutTradeNo}, nil
}

func (g *Gateway) refund(cl *call, in trade.RefundRequest) (any, *apierr.Error) {
	res, err := g.Trades.Refund(cl.owner(), in)
	if err != nil {
		return nil, g.asAPI(err) // refundFailure's fields
	}
	t := &res.Trade
	fundChange := "N"
	if res.FundChange {
		fundChange = "Y"
	}
	out := struct {
		TradeNo              string        `json:"trade_no"`
		OutTradeNo           string        `json:"out_trade_no"`
		BuyerLogonID         string        `json:"buyer_logon_id,omitempty"`
		BuyerUserID          string        `json:"buyer_user_id,omitempty"`
		BuyerOpenID          string        `json:"buyer_open_id,omitempty"`
		FundChange           string        `json:"fund_change"`
		RefundFee            amount.Amount `json:"refund_fee"`
		GmtRefundPay         string        `json:"gmt_refund_pay"`
		SendBackFee          amount.Amount `json:"send_back_fee"`
		RefundDetailItemList []fundBill    `json:"refund_detail_item_list,omitempty"`
		HasDepositBack       string        `json:"has_deposit_back,omitempty"`
		// The vouchers the trade was paid with, only when asked
		// (AlipayTradeRefundResponse: "本交易支付时使用的所有优惠券信息").
		RefundVoucherDetailList []voucherDetail `json:"refund_voucher_detail_list,omitempty"`
	}{
		TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo, BuyerLogonID: t.Buyer.LogonID,
		FundChange: fundChange, RefundFee: t.Refunded(), GmtRefundPay: timestamp.Format(res.Refund.At),
	}
	out.BuyerUserID, out.BuyerOpenID = t.BuyerIDs(cl.openID)
	// send_back_fee carries its value, and refund_detail_item_list appears,
	// only when query_options names refund_detail_item_list; otherwise
	// production sends send_back_fee "0.00" (AlipayTradeRefundResponse).
	if asked(in.QueryOptions, "refund_detail_item_list") {
		out.SendBackFee = t.SendBackFee(&res.Refund)
		out.RefundDetailItemList = refundBills(t, &res.Refund)
	}
	out.RefundVoucherDetailList = vouchers(t, in.QueryOptions, "refund_voucher_detail_list")
	// has_deposit_back only with deposit_back_info; the mock's buyers pay
	// from their balance, so no bank card is refunded (the "N" is inferred).
	if asked(in.QueryOptions, "deposit_back_info") {
		out.HasDepositBack = "N"
	}
	return out, nil
}

// refundFailure is what a failed refund carries: the trade's numbers
// echoed, with zero refund_fee and send_back_fee.
func refundFailure(cl *call, _ *apierr.Error) any {
	return struct {
		OutTradeNo  string        `json:"out_trade_no,omitempty"`
		TradeNo     string        `json:"trade_no,omitempty"`
		RefundFee   amount.Amount `json:"refund_fee"`
		SendBackFee amount.Amount `json:"send_back_fee"`
	}{OutTradeNo: cl.flat["out_trade_no"], TradeNo: cl.flat["trade_no"]}
}

// refundBills is refund_detail_item_list: what goes back to the buyer's
// balance and what to the voucher (trade.RefundFunds).
func refundBills(t *trade.Trade, r *trade.Refund) []fundBill {
	cash, back := t.RefundFunds(r)
	var out []fundBill
	if cash > 0 {
		out = append(out, fundBill{Amount: cash, FundChannel: fundChannel, RealAmount: cash})
	}
	if back > 0 && len(t.Vouchers) > 0 {
		out = append(out, fundBill{Amount: back, FundChannel: t.Vouchers[0].FundChannel()})
	}
	return out
}

// refundQueryRequest is the biz_content of alipay.trade.fastpay.refund.query.
type refundQueryRequest struct {
	trade.Ref
	OutRequestNo string   `json:"out_request_no"`
	QueryOptions []string `json:"query_options"`
}

func (g *Gateway) refundQuery(cl *call, in refundQueryRequest) (any, *apierr.Error) {
	t, r, err := g.Trades.RefundQuery(cl.owner(), in.Ref, in.OutRequestNo)
	if err != nil {
		return nil, g.asAPI(err)
	}
	out := struct {
		TradeNo              string         `json:"trade_no"`
		OutTradeNo           string         `json:"out_trade_no"`
		OutRequestNo         string         `json:"out_request_no"`
		TotalAmount          amount.Amount  `json:"total_amount,omitempty"`
		RefundAmount         amount.Amount  `json:"refund_amount,omitempty"`
		RefundStatus         string         `json:"refund_status,omitempty"`
		RefundReason         string         `json:"refund_reason,omitempty"`
		SendBackFee          *amount.Amount `json:"send_back_fee,omitempty"` // 0.00 too when asked
		GmtRefundPay         string         `json:"gmt_refund_pay,omitempty"`
		RefundDetailItemList []fundBill     `json:"refund_detail_item_list,omitempty"`
		// Only when asked (AlipayTradeFastpayRefundQueryResponse).
		RefundVoucherDetailList []voucherDetail `json:"refund_voucher_detail_list,omitempty"`
	}{TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo, OutRequestNo: in.OutRequestNo}
	if r != nil {
		out.TotalAmount, out.RefundAmount, out.RefundStatus, out.RefundReason = t.Total, r.Amount, "REFUND_SUCCESS", r.Reason
		// Each of these only when query_options asks for it
		// (AlipayTradeFastpayRefundQueryResponse); deposit_back_info would
		// describe a bank card refund, which balance payments never have.
		if asked(in.QueryOptions, "gmt_refund_pay") {
			out.GmtRefundPay = timestamp.Format(r.At)
		}
		if asked(in.QueryOptions, "refund_detail_item_list") {
			fee := t.SendBackFee(r)
			out.SendBackFee = &fee
			out.RefundDetailItemList = refundBills(&t, r)
		}
		out.RefundVoucherDetailList = vouchers(&t, in.QueryOptions, "refund_voucher_detail_list")
	}
	return out, nil
}

// orderInfoSync answers alipay.trade.orderinfo.sync with the trade's
// numbers and buyer (alipay-sdk-java-all AlipayTradeOrderinfoSyncResponse;
// buyer_open_id instead of buyer_user_id for an app of user_id_type open_id).
func (g *Gateway) orderInfoSync(cl *call, in trade.SyncRequest) (any, *apierr.Error) {
	t, err := g.Trades.Sync(cl.owner(), in)
	if err != nil {
		return nil, g.asAPI(err)
	}
	out := struct {
		TradeNo     string `json:"trade_no"`
		OutTradeNo  string `json:"out_trade_no"`
		BuyerUserID string `json:"buyer_user_id,omitempty"`
		BuyerOpenID string `json:"buyer_open_id,omitempty"`
	}{TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo}
	if t.Scanned {
		out.BuyerUserID, out.BuyerOpenID = t.BuyerIDs(cl.openID)
	}
	return out, nil
}
