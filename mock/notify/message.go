package notify

import (
	"encoding/json"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// SettleNotify is the msg_method of the message an async settlement sends
// when its transfers are done (蚂蚁消息：交易分账结果通知,
// https://opendocs.alipay.com/open/20190308105425129272/quickstart).
const SettleNotify = "alipay.trade.order.settle.notify"

// SettleResult is the settlement message's msg_type in biz_content: the
// royalty guide's "msg_type = ASYNC_SETTLE_RESULT 代表此通知为异步分账结果通知"
// (AUTO_SETTLE_FINISH, the automatic unfreeze, the mock never sends).
const SettleResult = "ASYNC_SETTLE_RESULT"

// MessageVersion is the version field of a message (inferred: the
// 消息服务 envelope the open-source gateways parse carries 1.1).
const MessageVersion = "1.1"

// SettleMessage queues the message of an async settlement whose transfers
// were done at (alipay.trade.order.settle.notify) for appID's 应用网关
// gatewayURL: a signed form with msg_method, app_id, version,
// utc_timestamp, charset, notify_id, biz_content, sign_type and sign,
// delivered and retried like a notification. Nothing is queued without
// a gateway URL. The error is the message's write's.
func (n *Notifier) SettleMessage(t trade.Trade, s trade.Settlement, appID, gatewayURL string, st sign.Type, at time.Time) error {
	if gatewayURL == "" {
		return nil
	}
	biz, err := json.Marshal(struct {
		OperationDt       string                `json:"operation_dt"`
		TradeNo           string                `json:"trade_no"`
		MsgType           string                `json:"msg_type"`
		RoyaltyDetailList []trade.RoyaltyDetail `json:"royalty_detail_list"`
		OutRequestNo      string                `json:"out_request_no"`
		SettleNo          string                `json:"settle_no"`
	}{timestamp.Format(at), t.TradeNo, SettleResult, s.RoyaltyDetails(at), s.OutRequestNo, s.SettleNo})
	if err != nil {
		return nil
	}
	p := map[string]string{
		"msg_method": SettleNotify, "app_id": appID, "version": MessageVersion,
		"notify_id": n.ids.NotifyID(at), "biz_content": string(biz),
	}
	return n.enqueue(&Notification{Kind: KindMessage, AppID: appID, OutTradeNo: t.OutTradeNo, TradeNo: t.TradeNo,
		Event: SettleNotify, TradeStatus: "SUCCESS", URL: gatewayURL, Created: at},
		p, sign.UTF8, st, t.AppID+"|"+t.OutTradeNo)
}

// TransferChanged is the msg_method of the message a transfer sends when
// its status changes (资金单据状态变更通知; listed with uni.transfer in
// Alipay's mini-program docs, https://opendocs.alipay.com/mini/02d2y4).
const TransferChanged = "alipay.fund.trans.order.changed"

// TransferMessage queues alipay.fund.trans.order.changed for a transfer's
// status at, to appID's 应用网关 gatewayURL. biz_content carries the
// fields merchants' handlers read (out_biz_no, order_id,
// pay_fund_order_id, status, trans_amount, pay_date, product_code,
// biz_scene, origin_interface, action_type; error_code and fail_reason for
// FAIL and REFUND), the set inferred from a published message body.
// Its write clears the untold mark told (fund.Untold); the error is the
// write's.
func (n *Notifier) TransferMessage(t fund.Transfer, appID, gatewayURL string, st sign.Type, at time.Time, told ...fund.Untold) error {
	if gatewayURL == "" {
		return nil
	}
	body := struct {
		ActionType      string        `json:"action_type"`
		BizScene        string        `json:"biz_scene"`
		ErrorCode       string        `json:"error_code,omitempty"`
		FailReason      string        `json:"fail_reason,omitempty"`
		OrderID         string        `json:"order_id"`
		OriginInterface string        `json:"origin_interface"`
		OutBizNo        string        `json:"out_biz_no"`
		PassbackParams  string        `json:"passback_params,omitempty"`
		PayDate         string        `json:"pay_date,omitempty"`
		PayFundOrderID  string        `json:"pay_fund_order_id,omitempty"`
		ProductCode     string        `json:"product_code"`
		Status          string        `json:"status"`
		TransAmount     amount.Amount `json:"trans_amount"`
	}{ActionType: "FINISH", BizScene: t.BizScene, ErrorCode: t.ErrorCode, FailReason: t.FailReason, OrderID: t.OrderID,
		OriginInterface: "alipay.fund.trans.uni.transfer", OutBizNo: t.OutBizNo, PassbackParams: t.PassbackParams,
		PayFundOrderID: t.PayFundOrderID, ProductCode: t.ProductCode, Status: string(t.Status), TransAmount: t.Amount}
	if t.Status == fund.Dealing {
		body.ActionType = "CREATE"
	}
	if t.Status != fund.Fail {
		body.PayDate = timestamp.Format(t.Created)
	}
	biz, err := json.Marshal(body)
	if err != nil {
		return nil
	}
	p := map[string]string{
		"msg_method": TransferChanged, "app_id": appID, "version": MessageVersion,
		"notify_id": n.ids.NotifyID(at), "biz_content": string(biz),
	}
	nf := &Notification{Kind: KindMessage, AppID: appID, OutTradeNo: t.OutBizNo, TradeNo: t.OrderID,
		Event: TransferChanged, TradeStatus: string(t.Status), URL: gatewayURL, Created: at}
	if len(told) > 0 {
		nf.event, nf.transfer = told[0].Event+1, told[0].AppID
	}
	return n.enqueue(nf, p, sign.UTF8, st, t.AppID+"|transfer|"+t.OutBizNo)
}
