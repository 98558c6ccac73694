package client

import (
	"context"
	"errors"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// Response is what every response node carries. Code is CodeSuccess, or
// CodeProcessing for a barcode payment waiting for the buyer; failures are
// returned as *Error instead.
type Response struct {
	Code    string `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code,omitempty"`
	SubMsg  string `json:"sub_msg,omitempty"`
}

// Processing reports a 10003 answer: the buyer still has to confirm, or a
// red-packet operation is still processing.
func (r Response) Processing() bool { return r.Code == CodeProcessing }

// TradeStatus is a trade's trade_status.
type TradeStatus string

// Trade states. Only TradeSuccess and TradeFinished mean "paid".
const (
	TradeWaitBuyerPay TradeStatus = "WAIT_BUYER_PAY"
	TradeClosed       TradeStatus = "TRADE_CLOSED" // unpaid and closed, or fully refunded
	TradeSuccess      TradeStatus = "TRADE_SUCCESS"
	TradeFinished     TradeStatus = "TRADE_FINISHED" // final, no more refunds
)

// RefundSuccess is the only refund_status; an absent status means the
// refund was not received or failed.
const RefundSuccess = "REFUND_SUCCESS"

// Order holds the fields that every trade-creating method shares.
type Order struct {
	OutTradeNo           string        `json:"out_trade_no,omitempty"`
	TotalAmount          amount.Amount `json:"total_amount,omitempty"`
	Subject              string        `json:"subject,omitempty"`
	Body                 string        `json:"body,omitempty"`
	ProductCode          string        `json:"product_code,omitempty"`
	TimeoutExpress       string        `json:"timeout_express,omitempty"` // "90m", "2h", "1d", "1c"
	TimeExpire           string        `json:"time_expire,omitempty"`     // "yyyy-MM-dd HH:mm:ss", wins over TimeoutExpress
	DiscountableAmount   amount.Amount `json:"discountable_amount,omitempty"`
	UndiscountableAmount amount.Amount `json:"undiscountable_amount,omitempty"`
	SellerID             string        `json:"seller_id,omitempty"`
	StoreID              string        `json:"store_id,omitempty"`
	OperatorID           string        `json:"operator_id,omitempty"`
	TerminalID           string        `json:"terminal_id,omitempty"`
	PassbackParams       string        `json:"passback_params,omitempty"` // echoed in notifications
	GoodsDetail          []Goods       `json:"goods_detail,omitempty"`
	ExtendParams         *ExtendParams `json:"extend_params,omitempty"`
	RoyaltyInfo          *RoyaltyInfo  `json:"royalty_info,omitempty"`
	SettleInfo           *SettleInfo   `json:"settle_info,omitempty"`
}

// Goods is one line of goods_detail.
type Goods struct {
	GoodsID        string        `json:"goods_id,omitempty"`
	AlipayGoodsID  string        `json:"alipay_goods_id,omitempty"`
	GoodsName      string        `json:"goods_name,omitempty"`
	Quantity       int           `json:"quantity,omitempty"`
	Price          amount.Amount `json:"price"` // required, so sent even when 0
	GoodsCategory  string        `json:"goods_category,omitempty"`
	CategoriesTree string        `json:"categories_tree,omitempty"`
	Body           string        `json:"body,omitempty"`
	ShowURL        string        `json:"show_url,omitempty"`
}

// ExtendParams is extend_params.
type ExtendParams struct {
	SysServiceProviderID string `json:"sys_service_provider_id,omitempty"` // ISV's PID for rebates
	// RoyaltyFreeze "true" freezes the paid money in the merchant's
	// account for later settlement (order.settle), until royalty_finish.
	RoyaltyFreeze string `json:"royalty_freeze,omitempty"`
}

// FundBill is one funding source of a payment or refund
// (fund_bill_list, refund_detail_item_list).
type FundBill struct {
	FundChannel string        `json:"fund_channel"`
	Amount      amount.Amount `json:"amount"`
	RealAmount  amount.Amount `json:"real_amount,omitempty"`
}

// VoucherDetail is a coupon the buyer paid with (voucher_detail_list,
// refund_voucher_detail_list): Amount is MerchantContribute plus
// OtherContribute.
type VoucherDetail struct {
	ID                 string        `json:"id"`
	Name               string        `json:"name"`
	Type               string        `json:"type"`
	Amount             amount.Amount `json:"amount"`
	MerchantContribute amount.Amount `json:"merchant_contribute"`
	OtherContribute    amount.Amount `json:"other_contribute"`
	Memo               string        `json:"memo,omitempty"`
	TemplateID         string        `json:"template_id,omitempty"`
}

// PrecreateRequest is alipay.trade.precreate's biz_content.
type PrecreateRequest struct {
	Order
	QRCodeTimeoutExpress string `json:"qr_code_timeout_express,omitempty"`
}

// PrecreateResponse carries the QR code to show the buyer.
type PrecreateResponse struct {
	Response
	OutTradeNo string `json:"out_trade_no"`
	QRCode     string `json:"qr_code"`
}

// Precreate creates a QR-code order (alipay.trade.precreate). In
// production no trade exists until the buyer scans the code, so Query
// answers ACQ.TRADE_NOT_EXIST until then; the mock does the same unless
// run with --show-unscanned (docs/differences.md).
func (c *Client) Precreate(ctx context.Context, req PrecreateRequest, opts ...CallOption) (*PrecreateResponse, error) {
	return call[PrecreateResponse](ctx, c, "alipay.trade.precreate", req, opts)
}

// PayRequest is alipay.trade.pay's biz_content. Scene defaults to "bar_code".
type PayRequest struct {
	Order
	Scene    string `json:"scene,omitempty"`     // bar_code, security_code
	AuthCode string `json:"auth_code,omitempty"` // the buyer's payment code
	// QueryOptions asks for optional fields of the answer, e.g. "fund_bill_list".
	QueryOptions []string `json:"query_options,omitempty"`
}

// PayResponse is the outcome of a barcode payment.
type PayResponse struct {
	Response
	TradeNo        string        `json:"trade_no"`
	OutTradeNo     string        `json:"out_trade_no"`
	BuyerLogonID   string        `json:"buyer_logon_id"`
	BuyerUserID    string        `json:"buyer_user_id"`
	BuyerOpenID    string        `json:"buyer_open_id"` // instead of BuyerUserID for apps of user_id_type open_id
	TotalAmount    amount.Amount `json:"total_amount"`
	ReceiptAmount  amount.Amount `json:"receipt_amount"`
	BuyerPayAmount amount.Amount `json:"buyer_pay_amount"`
	PointAmount    amount.Amount `json:"point_amount"`
	InvoiceAmount  amount.Amount `json:"invoice_amount"`
	GmtPayment     string        `json:"gmt_payment"`
	FundBillList   []FundBill    `json:"fund_bill_list"`
	StoreName      string        `json:"store_name"`
	// VoucherDetailList with query_options voucher_detail_list.
	VoucherDetailList []VoucherDetail `json:"voucher_detail_list"`
}

// Pay charges the buyer's payment code (alipay.trade.pay).
//
// A nil error with Code CodeProcessing (10003, see Response.Processing)
// means the buyer must confirm, e.g. enter a password: the trade is
// WAIT_BUYER_PAY; poll Query, and Cancel if it is still unpaid at the end.
func (c *Client) Pay(ctx context.Context, req PayRequest, opts ...CallOption) (*PayResponse, error) {
	if req.Scene == "" {
		req.Scene = "bar_code"
	}
	return call[PayResponse](ctx, c, "alipay.trade.pay", req, opts)
}

// CreateRequest is alipay.trade.create's biz_content.
type CreateRequest struct {
	Order
	BuyerID     string `json:"buyer_id,omitempty"`
	BuyerOpenID string `json:"buyer_open_id,omitempty"`
	OpAppID     string `json:"op_app_id,omitempty"`
}

// CreateResponse names the trade created.
type CreateResponse struct {
	Response
	OutTradeNo string `json:"out_trade_no"`
	TradeNo    string `json:"trade_no"`
}

// Create creates a trade for a known buyer (alipay.trade.create); it
// starts as WAIT_BUYER_PAY.
func (c *Client) Create(ctx context.Context, req CreateRequest, opts ...CallOption) (*CreateResponse, error) {
	return call[CreateResponse](ctx, c, "alipay.trade.create", req, opts)
}

// QueryRequest is alipay.trade.query's biz_content.
type QueryRequest struct {
	// A trade is named by Alipay's trade_no or the merchant's out_trade_no;
	// trade_no wins when both are set.
	TradeNo      string   `json:"trade_no,omitempty"`
	OutTradeNo   string   `json:"out_trade_no,omitempty"`
	QueryOptions []string `json:"query_options,omitempty"` // e.g. "fund_bill_list"
}

// QueryResponse is a trade's state.
type QueryResponse struct {
	Response
	TradeNo        string        `json:"trade_no"`
	OutTradeNo     string        `json:"out_trade_no"`
	TradeStatus    TradeStatus   `json:"trade_status"`
	TotalAmount    amount.Amount `json:"total_amount"`
	ReceiptAmount  amount.Amount `json:"receipt_amount"`
	BuyerPayAmount amount.Amount `json:"buyer_pay_amount"`
	PointAmount    amount.Amount `json:"point_amount"`
	InvoiceAmount  amount.Amount `json:"invoice_amount"`
	SendPayDate    string        `json:"send_pay_date"`
	BuyerLogonID   string        `json:"buyer_logon_id"`
	BuyerUserID    string        `json:"buyer_user_id"`
	BuyerUserType  string        `json:"buyer_user_type"`
	BuyerOpenID    string        `json:"buyer_open_id"`
	StoreID        string        `json:"store_id"`
	StoreName      string        `json:"store_name"`
	TerminalID     string        `json:"terminal_id"`
	FundBillList   []FundBill    `json:"fund_bill_list"`
	// VoucherDetailList with query_options voucher_detail_list.
	VoucherDetailList []VoucherDetail `json:"voucher_detail_list"`
	// TradeSettleInfo with query_options trade_settle_info, once money
	// was settled.
	TradeSettleInfo *TradeSettleInfo `json:"trade_settle_info"`
	Subject         string           `json:"subject"`
	Body            string           `json:"body"`
	PassbackParams  string           `json:"passback_params"`
}

// TradeSettleInfo is query's trade_settle_info.
type TradeSettleInfo struct {
	TradeSettleDetailList []TradeSettleDetail `json:"trade_settle_detail_list"`
	TradeUnsettledAmount  string              `json:"trade_unsettled_amount"`
}

// TradeSettleDetail is one settlement operation on a trade.
type TradeSettleDetail struct {
	OperationType     string        `json:"operation_type"` // transfer, transfer_refund, …
	OperationSerialNo string        `json:"operation_serial_no"`
	OperationDt       string        `json:"operation_dt"`
	TransOut          string        `json:"trans_out"`
	TransIn           string        `json:"trans_in"`
	Amount            amount.Amount `json:"amount"`
}

// Query reads a trade (alipay.trade.query).
func (c *Client) Query(ctx context.Context, req QueryRequest, opts ...CallOption) (*QueryResponse, error) {
	return call[QueryResponse](ctx, c, "alipay.trade.query", req, opts)
}

// CancelRequest is alipay.trade.cancel's biz_content.
type CancelRequest struct {
	TradeNo    string `json:"trade_no,omitempty"` // or OutTradeNo
	OutTradeNo string `json:"out_trade_no,omitempty"`
}

// CancelResponse tells what the cancel did.
type CancelResponse struct {
	Response
	TradeNo    string `json:"trade_no"`
	OutTradeNo string `json:"out_trade_no"`
	RetryFlag  string `json:"retry_flag"` // "Y": call again
	// Action is "close" (unpaid trade closed), "refund" (paid trade
	// refunded), or empty when no trade was found.
	Action       string `json:"action"`
	GmtRefundPay string `json:"gmt_refund_pay"`
}

// Cancel undoes a payment whose result is unknown (alipay.trade.cancel):
// it closes an unpaid trade and refunds a paid one. Unlike the other
// methods, a failed cancel returns its answer with the *Error: RetryFlag
// "Y" says to call again, whatever the code.
func (c *Client) Cancel(ctx context.Context, req CancelRequest, opts ...CallOption) (*CancelResponse, error) {
	out := new(CancelResponse)
	err := c.Do(ctx, "alipay.trade.cancel", req, out, opts...)
	if ae := (*Error)(nil); err != nil && !errors.As(err, &ae) {
		return nil, err // no answer to read
	}
	return out, err
}

// CloseRequest is alipay.trade.close's biz_content.
type CloseRequest struct {
	TradeNo    string `json:"trade_no,omitempty"` // or OutTradeNo
	OutTradeNo string `json:"out_trade_no,omitempty"`
	OperatorID string `json:"operator_id,omitempty"`
}

// CloseResponse names the closed trade.
type CloseResponse struct {
	Response
	TradeNo    string `json:"trade_no"`
	OutTradeNo string `json:"out_trade_no"`
}

// Close closes an unpaid (WAIT_BUYER_PAY) trade (alipay.trade.close).
func (c *Client) Close(ctx context.Context, req CloseRequest, opts ...CallOption) (*CloseResponse, error) {
	return call[CloseResponse](ctx, c, "alipay.trade.close", req, opts)
}

// RefundRequest is alipay.trade.refund's biz_content.
type RefundRequest struct {
	TradeNo      string        `json:"trade_no,omitempty"` // or OutTradeNo
	OutTradeNo   string        `json:"out_trade_no,omitempty"`
	RefundAmount amount.Amount `json:"refund_amount,omitempty"`
	// OutRequestNo names this refund; repeating it with the same amount is
	// idempotent. Required for partial refunds.
	OutRequestNo string `json:"out_request_no,omitempty"`
	RefundReason string `json:"refund_reason,omitempty"`
	// RefundRoyaltyParameters take settled money back from receivers
	// (TransOut and Amount).
	RefundRoyaltyParameters []RoyaltyParameter `json:"refund_royalty_parameters,omitempty"`
	OperatorID              string             `json:"operator_id,omitempty"`
	StoreID                 string             `json:"store_id,omitempty"`
	TerminalID              string             `json:"terminal_id,omitempty"`
	GoodsDetail             []Goods            `json:"goods_detail,omitempty"`
	// QueryOptions asks for optional fields: "refund_detail_item_list" (and
	// with it send_back_fee's value), "deposit_back_info".
	QueryOptions []string `json:"query_options,omitempty"`
}

// RefundResponse is the outcome of a refund.
type RefundResponse struct {
	Response
	TradeNo      string `json:"trade_no"`
	OutTradeNo   string `json:"out_trade_no"`
	BuyerLogonID string `json:"buyer_logon_id"`
	BuyerUserID  string `json:"buyer_user_id"`
	BuyerOpenID  string `json:"buyer_open_id"`
	// FundChange is "Y" when this call moved money, "N" on a repeat.
	FundChange string `json:"fund_change"`
	// RefundFee is the total refunded on the trade so far, not this refund.
	RefundFee            amount.Amount `json:"refund_fee"`
	SendBackFee          amount.Amount `json:"send_back_fee"`
	GmtRefundPay         string        `json:"gmt_refund_pay"`
	RefundDetailItemList []FundBill    `json:"refund_detail_item_list"`
	// RefundVoucherDetailList, with query_options refund_voucher_detail_list,
	// lists the vouchers the trade was paid with.
	RefundVoucherDetailList []VoucherDetail `json:"refund_voucher_detail_list"`
	StoreName               string          `json:"store_name"`
	RefundCurrency          string          `json:"refund_currency"`
	HasDepositBack          string          `json:"has_deposit_back"` // with query_options deposit_back_info
}

// Refund refunds part or all of a paid trade (alipay.trade.refund).
// Refunding more than is left fails with SubCode ACQ.REFUND_AMT_NOT_EQUAL_TOTAL,
// more than the total at once with ACQ.REASON_TRADE_REFUND_FEE_ERR.
func (c *Client) Refund(ctx context.Context, req RefundRequest, opts ...CallOption) (*RefundResponse, error) {
	return call[RefundResponse](ctx, c, "alipay.trade.refund", req, opts)
}

// RefundQueryRequest is alipay.trade.fastpay.refund.query's biz_content.
type RefundQueryRequest struct {
	TradeNo    string `json:"trade_no,omitempty"` // or OutTradeNo
	OutTradeNo string `json:"out_trade_no,omitempty"`
	// OutRequestNo is the refund's, or the out_trade_no for a refund sent
	// without one.
	OutRequestNo string   `json:"out_request_no,omitempty"`
	QueryOptions []string `json:"query_options,omitempty"` // e.g. "gmt_refund_pay"
}

// RefundQueryResponse is one refund's state. RefundStatus is RefundSuccess,
// or empty when the refund is unknown or failed.
type RefundQueryResponse struct {
	Response
	TradeNo              string        `json:"trade_no"`
	OutTradeNo           string        `json:"out_trade_no"`
	OutRequestNo         string        `json:"out_request_no"`
	TotalAmount          amount.Amount `json:"total_amount"`
	RefundAmount         amount.Amount `json:"refund_amount"`
	RefundStatus         string        `json:"refund_status"`
	RefundReason         string        `json:"refund_reason"`
	GmtRefundPay         string        `json:"gmt_refund_pay"`
	SendBackFee          amount.Amount `json:"send_back_fee"`
	RefundDetailItemList []FundBill    `json:"refund_detail_item_list"`
	// RefundVoucherDetailList, with query_options refund_voucher_detail_list,
	// lists the vouchers the trade was paid with.
	RefundVoucherDetailList []VoucherDetail `json:"refund_voucher_detail_list"`
}

// RefundQuery reads one refund (alipay.trade.fastpay.refund.query).
func (c *Client) RefundQuery(ctx context.Context, req RefundQueryRequest, opts ...CallOption) (*RefundQueryResponse, error) {
	return call[RefundQueryResponse](ctx, c, "alipay.trade.fastpay.refund.query", req, opts)
}

// OrderInfoSyncRequest is alipay.trade.orderinfo.sync's biz_content.
type OrderInfoSyncRequest struct {
	TradeNo string `json:"trade_no"`
	// OutRequestNo names this sync; repeating it changes nothing.
	OutRequestNo string `json:"out_request_no"`
	// BizType is agreed with Alipay: CREDIT_AUTH, CREDIT_DEDUCT, …
	BizType string `json:"biz_type"`
	// OrderBizInfo is a JSON object as text, e.g. {"status":"COMPLETE"}.
	OrderBizInfo  string `json:"order_biz_info,omitempty"`
	OrigRequestNo string `json:"orig_request_no,omitempty"`
}

// OrderInfoSyncResponse names the synced trade and its buyer.
type OrderInfoSyncResponse struct {
	Response
	TradeNo     string `json:"trade_no"`
	OutTradeNo  string `json:"out_trade_no"`
	BuyerUserID string `json:"buyer_user_id"`
	BuyerOpenID string `json:"buyer_open_id"`
}

// OrderInfoSync tells Alipay how a credit-authorised or credit-deducted
// order was fulfilled (alipay.trade.orderinfo.sync).
func (c *Client) OrderInfoSync(ctx context.Context, req OrderInfoSyncRequest, opts ...CallOption) (*OrderInfoSyncResponse, error) {
	return call[OrderInfoSyncResponse](ctx, c, "alipay.trade.orderinfo.sync", req, opts)
}

// call is Do with a typed response; it returns nil on any error.
func call[T any](ctx context.Context, c *Client, method string, biz any, opts []CallOption) (*T, error) {
	out := new(T)
	if err := c.Do(ctx, method, biz, out, opts...); err != nil {
		return nil, err
	}
	return out, nil
}
