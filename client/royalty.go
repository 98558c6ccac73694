package client

import (
	"context"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// Royalty receiver types.
const (
	RoyaltyUserID    = "userId"
	RoyaltyLoginName = "loginName"
	RoyaltyOpenID    = "openId"
)

// RoyaltyEntity is one royalty receiver (分账接收方).
type RoyaltyEntity struct {
	Type    string `json:"type,omitempty"`
	Account string `json:"account,omitempty"`
	// Name is the receiver's real name: required to bind a loginName.
	Name string `json:"name,omitempty"`
	Memo string `json:"memo,omitempty"`
	// LoginName, BindLoginName and AccountOpenID come only in answers.
	LoginName     string `json:"login_name,omitempty"`
	BindLoginName string `json:"bind_login_name,omitempty"`
	AccountOpenID string `json:"account_open_id,omitempty"`
}

// RoyaltyRelationRequest is the biz_content of relation.bind and
// relation.unbind: up to 20 receivers.
type RoyaltyRelationRequest struct {
	OutRequestNo string          `json:"out_request_no"`
	ReceiverList []RoyaltyEntity `json:"receiver_list"`
}

// RoyaltyRelationResponse says whether the relations were (un)bound.
type RoyaltyRelationResponse struct {
	Response
	ResultCode string `json:"result_code"` // SUCCESS
}

// RoyaltyRelationBind binds receivers to the app
// (alipay.trade.royalty.relation.bind).
func (c *Client) RoyaltyRelationBind(ctx context.Context, req RoyaltyRelationRequest, opts ...CallOption) (*RoyaltyRelationResponse, error) {
	return call[RoyaltyRelationResponse](ctx, c, "alipay.trade.royalty.relation.bind", req, opts)
}

// RoyaltyRelationUnbind removes receivers from the app
// (alipay.trade.royalty.relation.unbind).
func (c *Client) RoyaltyRelationUnbind(ctx context.Context, req RoyaltyRelationRequest, opts ...CallOption) (*RoyaltyRelationResponse, error) {
	return call[RoyaltyRelationResponse](ctx, c, "alipay.trade.royalty.relation.unbind", req, opts)
}

// RoyaltyRelationQueryRequest is relation.batchquery's biz_content; zero
// PageNum and PageSize mean 1 and 20.
type RoyaltyRelationQueryRequest struct {
	OutRequestNo string `json:"out_request_no"`
	PageNum      int64  `json:"page_num,omitempty"`
	PageSize     int64  `json:"page_size,omitempty"`
}

// RoyaltyRelationQueryResponse is one page of the app's relations.
type RoyaltyRelationQueryResponse struct {
	Response
	ResultCode      string          `json:"result_code"`
	ReceiverList    []RoyaltyEntity `json:"receiver_list"`
	TotalPageNum    int64           `json:"total_page_num"`
	TotalRecordNum  int64           `json:"total_record_num"`
	CurrentPageNum  int64           `json:"current_page_num"`
	CurrentPageSize int64           `json:"current_page_size"`
}

// RoyaltyRelationBatchQuery lists the app's relations, a page at a time
// (alipay.trade.royalty.relation.batchquery).
func (c *Client) RoyaltyRelationBatchQuery(ctx context.Context, req RoyaltyRelationQueryRequest, opts ...CallOption) (*RoyaltyRelationQueryResponse, error) {
	return call[RoyaltyRelationQueryResponse](ctx, c, "alipay.trade.royalty.relation.batchquery", req, opts)
}

// RoyaltyParameter is one transfer of a settlement (分账明细).
type RoyaltyParameter struct {
	RoyaltyType string `json:"royalty_type,omitempty"`
	// TransIn receives a settlement's transfer; TransOut gives money back
	// in a refund's refund_royalty_parameters.
	TransIn  string `json:"trans_in,omitempty"`
	TransOut string `json:"trans_out,omitempty"`
	// TransInType is userId, the default, or loginName (TransIn a logon
	// bound as a loginName receiver).
	TransInType string        `json:"trans_in_type,omitempty"`
	Amount      amount.Amount `json:"amount"`
	Desc        string        `json:"desc,omitempty"`
}

// SettleExtendParams is order.settle's extend_params.
type SettleExtendParams struct {
	RoyaltyFinish string `json:"royalty_finish,omitempty"` // "true" ends the trade's settlement
}

// OrderSettleRequest is alipay.trade.order.settle's biz_content.
type OrderSettleRequest struct {
	// OutRequestNo names this settlement: repeat it, with the same
	// transfers, to retry safely.
	OutRequestNo      string              `json:"out_request_no"`
	TradeNo           string              `json:"trade_no"`
	RoyaltyParameters []RoyaltyParameter  `json:"royalty_parameters,omitempty"`
	OperatorID        string              `json:"operator_id,omitempty"`
	RoyaltyMode       string              `json:"royalty_mode,omitempty"` // sync (default) or async
	ExtendParams      *SettleExtendParams `json:"extend_params,omitempty"`
}

// OrderSettleResponse names the settlement.
type OrderSettleResponse struct {
	Response
	TradeNo  string `json:"trade_no"`
	SettleNo string `json:"settle_no"`
}

// OrderSettle splits a paid trade's money to bound receivers
// (alipay.trade.order.settle).
func (c *Client) OrderSettle(ctx context.Context, req OrderSettleRequest, opts ...CallOption) (*OrderSettleResponse, error) {
	return call[OrderSettleResponse](ctx, c, "alipay.trade.order.settle", req, opts)
}

// OrderSettleQueryRequest names a settlement: SettleNo, or TradeNo and
// OutRequestNo.
type OrderSettleQueryRequest struct {
	SettleNo     string `json:"settle_no,omitempty"`
	OutRequestNo string `json:"out_request_no,omitempty"`
	TradeNo      string `json:"trade_no,omitempty"`
}

// RoyaltyDetail is one transfer of a settlement as queried. TransOut and
// TransOutType are set for replenish and transfer_refund only, not for a
// transfer.
type RoyaltyDetail struct {
	OperationType string        `json:"operation_type"` // transfer
	ExecuteDt     string        `json:"execute_dt"`
	TransOut      string        `json:"trans_out"`
	TransOutType  string        `json:"trans_out_type"`
	TransIn       string        `json:"trans_in"`
	TransInType   string        `json:"trans_in_type"`
	Amount        amount.Amount `json:"amount"`
	State         string        `json:"state"` // SUCCESS
	DetailID      string        `json:"detail_id"`
	ErrorCode     string        `json:"error_code"`
	ErrorDesc     string        `json:"error_desc"`
}

// OrderSettleQueryResponse is a settlement and its transfers.
type OrderSettleQueryResponse struct {
	Response
	OutRequestNo      string          `json:"out_request_no"`
	OperationDt       string          `json:"operation_dt"`
	RoyaltyDetailList []RoyaltyDetail `json:"royalty_detail_list"`
}

// OrderSettleQuery finds a settlement (alipay.trade.order.settle.query).
func (c *Client) OrderSettleQuery(ctx context.Context, req OrderSettleQueryRequest, opts ...CallOption) (*OrderSettleQueryResponse, error) {
	return call[OrderSettleQueryResponse](ctx, c, "alipay.trade.order.settle.query", req, opts)
}

// RoyaltyInfo is an order's royalty_info, kept on the trade.
type RoyaltyInfo struct {
	RoyaltyType        string               `json:"royalty_type,omitempty"` // ROYALTY
	RoyaltyDetailInfos []RoyaltyDetailInfos `json:"royalty_detail_infos,omitempty"`
}

// RoyaltyDetailInfos is one instruction of royalty_info.
type RoyaltyDetailInfos struct {
	SerialNo         int64         `json:"serial_no,omitempty"`
	TransInType      string        `json:"trans_in_type,omitempty"`
	BatchNo          string        `json:"batch_no,omitempty"`
	OutRelationID    string        `json:"out_relation_id,omitempty"`
	TransOutType     string        `json:"trans_out_type,omitempty"`
	TransOut         string        `json:"trans_out,omitempty"`
	TransIn          string        `json:"trans_in,omitempty"`
	Amount           amount.Amount `json:"amount,omitempty"`
	Desc             string        `json:"desc,omitempty"`
	AmountPercentage string        `json:"amount_percentage,omitempty"`
}

// SettleInfo is an order's settle_info, kept on the trade.
type SettleInfo struct {
	SettleDetailInfos []SettleDetailInfo `json:"settle_detail_infos,omitempty"`
	SettlePeriodTime  string             `json:"settle_period_time,omitempty"`
}

// SettleDetailInfo is one line of settle_info.
type SettleDetailInfo struct {
	TransInType      string        `json:"trans_in_type,omitempty"`
	TransIn          string        `json:"trans_in,omitempty"`
	SummaryDimension string        `json:"summary_dimension,omitempty"`
	SettleEntityID   string        `json:"settle_entity_id,omitempty"`
	SettleEntityType string        `json:"settle_entity_type,omitempty"`
	Amount           amount.Amount `json:"amount,omitempty"`
}
