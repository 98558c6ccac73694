package gateway

import (
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/mock/royalty"
)

// resultCode is the answer of relation.bind and relation.unbind
// (alipay-sdk-java-all AlipayTradeRoyaltyRelationBindResponse,
// ...UnbindResponse): SUCCESS, or an error.
type resultCode struct {
	ResultCode string `json:"result_code"`
}

// royaltyBind answers alipay.trade.royalty.relation.bind.
func (g *Gateway) royaltyBind(cl *call, in royalty.Request) (any, *apierr.Error) {
	if err := g.Royalty.Bind(cl.owner(), in); err != nil {
		return nil, g.asAPI(err)
	}
	return resultCode{"SUCCESS"}, nil
}

// royaltyUnbind answers alipay.trade.royalty.relation.unbind.
func (g *Gateway) royaltyUnbind(cl *call, in royalty.Request) (any, *apierr.Error) {
	if err := g.Royalty.Unbind(cl.owner(), in); err != nil {
		return nil, g.asAPI(err)
	}
	return resultCode{"SUCCESS"}, nil
}

// royaltyQuery answers alipay.trade.royalty.relation.batchquery with one
// page of the app's relations
// (AlipayTradeRoyaltyRelationBatchqueryResponse).
func (g *Gateway) royaltyQuery(cl *call, in royalty.QueryRequest) (any, *apierr.Error) {
	p, err := g.Royalty.Query(cl.owner(), in)
	if err != nil {
		return nil, g.asAPI(err)
	}
	if p.Receivers == nil {
		p.Receivers = []royalty.Entity{}
	}
	return struct {
		ResultCode      string           `json:"result_code"`
		ReceiverList    []royalty.Entity `json:"receiver_list"`
		TotalPageNum    int64            `json:"total_page_num"`
		TotalRecordNum  int64            `json:"total_record_num"`
		CurrentPageNum  int64            `json:"current_page_num"`
		CurrentPageSize int64            `json:"current_page_size"`
	}{"SUCCESS", p.Receivers, p.TotalPages, p.TotalRec, p.PageNum, p.PageSize}, nil
}
