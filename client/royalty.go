package client

import "context"

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
