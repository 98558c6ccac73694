package trade

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// SyncRequest is the biz_content of alipay.trade.orderinfo.sync, which a
// merchant sends to tell Alipay how a credit-authorised or credit-deducted
// order was fulfilled (alipay-sdk-java-all AlipayTradeOrderinfoSyncModel).
type SyncRequest struct {
	TradeNo      string `json:"trade_no"`
	OutRequestNo string `json:"out_request_no"`
	// BizType is agreed with Alipay (CREDIT_AUTH, CREDIT_DEDUCT, …): the
	// mock takes any value.
	BizType string `json:"biz_type"`
	// OrderBizInfo is a JSON object as text, e.g. {"status":"COMPLETE"}.
	OrderBizInfo string `json:"order_biz_info"`
	// OrigRequestNo is the out_request_no of the refund being fulfilled.
	OrigRequestNo string `json:"orig_request_no"`
}

// Sync is one order-information sync kept on a trade.
type Sync struct {
	OutRequestNo  string    `json:"out_request_no"`
	BizType       string    `json:"biz_type"`
	OrderBizInfo  string    `json:"order_biz_info,omitempty"`
	OrigRequestNo string    `json:"orig_request_no,omitempty"`
	At            time.Time `json:"at"`
}

// EventSynced is a sync recorded on a trade; it changes nothing else.
const EventSynced EventType = "synced"

// Limits of what syncs keep (the mock's, to bound memory; production's
// are not published).
const (
	MaxSyncs        = 20   // per trade
	MaxOrderBizInfo = 1024 // bytes of order_biz_info
)

// Sync records order information on a trade (alipay.trade.orderinfo.sync).
// It is idempotent by out_request_no: a number used before answers as the
// first time did and records nothing ("订单信息不会更新"). Any trade of the
// app may be synced, whatever its status (inferred).
func (b *Book) Sync(app string, r SyncRequest) (Trade, error) {
	var out Trade
	err := b.commitOn(Lookup{App: app, Ref: Ref{TradeNo: r.TradeNo}}, func(now time.Time) ([]change, error) {
		switch {
		case r.TradeNo == "":
			return nil, InvalidParameter("trade_no不能为空")
		case r.OutRequestNo == "":
			return nil, InvalidParameter("out_request_no不能为空")
		case r.BizType == "":
			return nil, InvalidParameter("biz_type不能为空")
		case len(r.OutRequestNo) > 64 || len(r.OrigRequestNo) > 64:
			return nil, InvalidParameter("out_request_no和orig_request_no长度不能超过64")
		case utf8.RuneCountInString(r.BizType) > 64:
			return nil, InvalidParameter("biz_type长度不能超过64")
		case len(r.OrderBizInfo) > MaxOrderBizInfo:
			return nil, InvalidParameter("order_biz_info过长")
		case r.OrderBizInfo != "" && !jsonObject(r.OrderBizInfo):
			return nil, InvalidParameter("order_biz_info必须是JSON格式")
		}
		t, ch, err := b.lookup(app, Ref{TradeNo: r.TradeNo}, now)
		if err != nil {
			return ch, err
		}
		for _, s := range t.Syncs {
			if s.OutRequestNo == r.OutRequestNo {
				out = t.clone()
				return ch, nil
			}
		}
		if len(t.Syncs) >= MaxSyncs {
			return ch, InvalidParameter("同一笔交易的同步次数超过上限")
		}
		s := Sync{OutRequestNo: strings.Clone(r.OutRequestNo), BizType: strings.Clone(r.BizType),
			OrderBizInfo: strings.Clone(r.OrderBizInfo), OrigRequestNo: strings.Clone(r.OrigRequestNo), At: now}
		t.Syncs = append(t.Syncs, s)
		detail := "order info synced: " + s.BizType
		if st := syncStatus(s.OrderBizInfo); st != "" {
			detail += " " + st
		}
		e := t.record(now, EventSynced, 0, detail+" ("+s.OutRequestNo+")")
		out = t.clone()
		return append(ch, change{out, e}), nil
	})
	return out, err
}

// syncStatus is the status order_biz_info reports (COMPLETE, CLOSED, …).
func syncStatus(info string) string {
	var v struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal([]byte(info), &v)
	if utf8.RuneCountInString(v.Status) > 32 {
		return ""
	}
	return v.Status
}

// jsonObject reports whether s is one JSON object.
func jsonObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}
