package client

import (
	"context"
	"encoding/json"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// Transfer values (单笔转账到支付宝账户).
const (
	TransferProductCode = "TRANS_ACCOUNT_NO_PWD"
	TransferBizScene    = "DIRECT_TRANSFER"

	PayeeUserID  = "ALIPAY_USER_ID"
	PayeeLogonID = "ALIPAY_LOGON_ID"
	PayeeOpenID  = "ALIPAY_OPEN_ID"

	AccountTypeBalance = "ACCTRANS_ACCOUNT"
)

// Participant is payee_info: who is paid. Name, when given, must be the
// payee's real name; it is required for ALIPAY_LOGON_ID.
type Participant struct {
	Identity     string `json:"identity"`
	IdentityType string `json:"identity_type"`
	Name         string `json:"name,omitempty"`
}

// TransferSceneReportInfo is one of transfer_scene_report_infos: a fact
// about the transfer's scene, e.g. InfoType 佣金报酬说明 for the scene
// 佣金报酬. An InfoType may appear once.
type TransferSceneReportInfo struct {
	InfoType    string `json:"info_type"`
	InfoContent string `json:"info_content"`
}

// TransferRequest is the biz_content of alipay.fund.trans.uni.transfer.
// Empty ProductCode and BizScene are sent as TRANS_ACCOUNT_NO_PWD and
// DIRECT_TRANSFER. TransferSceneName (e.g. 佣金报酬) is required: Alipay
// answers TRANSFER_SCENE_NAME_BLANK without it.
type TransferRequest struct {
	OutBizNo                 string                    `json:"out_biz_no"`
	TransAmount              amount.Amount             `json:"trans_amount"`
	ProductCode              string                    `json:"product_code"`
	BizScene                 string                    `json:"biz_scene"`
	OrderTitle               string                    `json:"order_title,omitempty"`
	PayeeInfo                Participant               `json:"payee_info"`
	Remark                   string                    `json:"remark,omitempty"`
	PassbackParams           string                    `json:"passback_params,omitempty"`
	TransferSceneName        string                    `json:"transfer_scene_name,omitempty"`
	TransferSceneReportInfos []TransferSceneReportInfo `json:"transfer_scene_report_infos,omitempty"`
}

// TransferResponse is the answer of a transfer: Status is SUCCESS,
// DEALING, FAIL or REFUND.
type TransferResponse struct {
	Response
	OutBizNo       string `json:"out_biz_no"`
	OrderID        string `json:"order_id"`
	PayFundOrderID string `json:"pay_fund_order_id"`
	Status         string `json:"status"`
	TransDate      string `json:"trans_date"`
}

// Transfer pays money from the app's account to an Alipay user
// (alipay.fund.trans.uni.transfer). Repeating it with the same
// OutBizNo and parameters answers the same transfer.
func (c *Client) Transfer(ctx context.Context, req TransferRequest, opts ...CallOption) (*TransferResponse, error) {
	if req.ProductCode == "" {
		req.ProductCode = TransferProductCode
	}
	if req.BizScene == "" {
		req.BizScene = TransferBizScene
	}
	return call[TransferResponse](ctx, c, "alipay.fund.trans.uni.transfer", req, opts)
}

// TransferQueryRequest finds a transfer: by PayFundOrderID, OrderID, or
// OutBizNo (with ProductCode and BizScene, filled in when empty).
type TransferQueryRequest struct {
	ProductCode    string `json:"product_code,omitempty"`
	BizScene       string `json:"biz_scene,omitempty"`
	OutBizNo       string `json:"out_biz_no,omitempty"`
	OrderID        string `json:"order_id,omitempty"`
	PayFundOrderID string `json:"pay_fund_order_id,omitempty"`
}

// TransferQueryResponse is a transfer's state; ErrorCode and FailReason
// say why a FAIL or REFUND failed.
type TransferQueryResponse struct {
	Response
	OrderID        string        `json:"order_id"`
	PayFundOrderID string        `json:"pay_fund_order_id"`
	OutBizNo       string        `json:"out_biz_no"`
	TransAmount    amount.Amount `json:"trans_amount"`
	Status         string        `json:"status"`
	PayDate        string        `json:"pay_date"`
	ErrorCode      string        `json:"error_code"`
	FailReason     string        `json:"fail_reason"`
	PassbackParams string        `json:"passback_params"`
}

// TransferQuery asks for a transfer's state
// (alipay.fund.trans.common.query).
func (c *Client) TransferQuery(ctx context.Context, req TransferQueryRequest, opts ...CallOption) (*TransferQueryResponse, error) {
	if req.OutBizNo != "" && req.ProductCode == "" {
		req.ProductCode = TransferProductCode
	}
	if req.OutBizNo != "" && req.BizScene == "" {
		req.BizScene = TransferBizScene
	}
	return call[TransferQueryResponse](ctx, c, "alipay.fund.trans.common.query", req, opts)
}

// AccountQueryRequest names the account: the merchant's own user id (or
// open id). An empty AccountType is sent as ACCTRANS_ACCOUNT.
type AccountQueryRequest struct {
	AlipayUserID string `json:"alipay_user_id,omitempty"`
	AlipayOpenID string `json:"alipay_open_id,omitempty"`
	AccountType  string `json:"account_type"`
}

// AccountQueryResponse is the account's balance now. A balance is a sum,
// not one payment: it may pass the 12 digits of yuan a request's amount
// (amount.Amount's JSON reader) is capped at, so both amounts are read
// exactly at any size an amount.Amount holds (amount.ParseWide); past
// that, or malformed, the call fails.
type AccountQueryResponse struct {
	Response
	AvailableAmount amount.Amount `json:"available_amount"`
	FreezeAmount    amount.Amount `json:"freeze_amount"`
}

// UnmarshalJSON reads the answer with its amounts exact (wideAmount). Only
// the members present change: the v3 client decodes a status, then the
// body, into the same value.
func (r *AccountQueryResponse) UnmarshalJSON(b []byte) error {
	type plain AccountQueryResponse
	w := struct {
		*plain
		AvailableAmount *amount.Wide `json:"available_amount"`
		FreezeAmount    *amount.Wide `json:"freeze_amount"`
	}{(*plain)(r), (*amount.Wide)(&r.AvailableAmount), (*amount.Wide)(&r.FreezeAmount)}
	return json.Unmarshal(b, &w)
}

// AccountQuery asks for the balance of the merchant's account
// (alipay.fund.account.query).
func (c *Client) AccountQuery(ctx context.Context, req AccountQueryRequest, opts ...CallOption) (*AccountQueryResponse, error) {
	if req.AccountType == "" {
		req.AccountType = AccountTypeBalance
	}
	return call[AccountQueryResponse](ctx, c, "alipay.fund.account.query", req, opts)
}
