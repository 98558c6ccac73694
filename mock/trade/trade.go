// Package trade is the trade state machine of the mock, the part of
// Alipay's acquiring system (ACQ) that precreate, pay, create, query,
// cancel, close and refund act on. It is plain Go: no HTTP, no JSON wire
// concerns beyond the field names of its inputs, time from an injected clock.
package trade

import (
	"encoding/json"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
)

// Status is a trade_status value.
type Status string

// Trade statuses, as alipay.trade.query reports them.
const (
	WaitBuyerPay Status = "WAIT_BUYER_PAY"
	Success      Status = "TRADE_SUCCESS"
	Closed       Status = "TRADE_CLOSED"
	Finished     Status = "TRADE_FINISHED"
)

// Trade is one acquiring trade.
type Trade struct {
	AppID string `json:"app_id"`
	// ISVAppID is the third-party app that made the trade for the merchant
	// AppID with an app_auth_token.
	ISVAppID    string        `json:"isv_app_id,omitempty"`
	TradeNo     string        `json:"trade_no"`
	OutTradeNo  string        `json:"out_trade_no"`
	Method      string        `json:"method"` // the method that created it
	ProductCode string        `json:"product_code,omitempty"`
	Status      Status        `json:"trade_status"`
	Subject     string        `json:"subject"`
	Body        string        `json:"body,omitempty"`
	Total       amount.Amount `json:"total_amount"`
	// Discountable and Undiscountable split Total, when the merchant said so.
	Discountable   amount.Amount `json:"discountable_amount,omitempty"`
	Undiscountable amount.Amount `json:"undiscountable_amount,omitempty"`

	// Scanned is false for a precreate, page, wap or app pay trade no buyer
	// has scanned or logged in to yet; production does not show such a
	// trade to query (Book.Hidden).
	Scanned bool `json:"scanned"`
	// BuyerLogonRequired is the buyer_logon_id a precreate named: only that
	// buyer may pay (others get ACQ.TRADE_BUYER_NOT_MATCH).
	BuyerLogonRequired string `json:"buyer_logon_required,omitempty"`
	// BuyerLogonDrawn is set when the buyer's logon is one the mock made up
	// (a buyer named by buyer_id alone): the buyer naming its buyer_id is not
	// refused for naming another logon. Trades stored without it keep their
	// logon binding.
	BuyerLogonDrawn bool `json:"buyer_logon_drawn,omitempty"`
	// BuyerIDDrawn is its mirror: set when the buyer's buyer_id is one the
	// mock made up (a buyer named by buyer_logon_id alone), so the buyer
	// naming that logon is not refused for naming its own buyer_id. Trades
	// stored without it keep their buyer_id binding.
	BuyerIDDrawn bool `json:"buyer_id_drawn,omitempty"`
	// Goods is the order's goods_detail as kept (bounded; GoodsOmitted
	// counts the items past the bound).
	Goods        []Goods `json:"goods_detail,omitempty"`
	GoodsOmitted int     `json:"goods_omitted,omitempty"`

	Buyer    fixtures.Buyer  `json:"buyer"`
	Seller   fixtures.Seller `json:"seller"`
	AuthCode string          `json:"auth_code,omitempty"`
	// QRToken is the path of a precreate trade's qr_code page (/qr/<token>)
	// and CashierToken of its cashier page (/cashier/<token>): secrets, so
	// only who was given the page can open it or pay there.
	QRToken      string `json:"qr_token,omitempty"`
	CashierToken string `json:"cashier_token,omitempty"`

	StoreID              string `json:"store_id,omitempty"`
	OperatorID           string `json:"operator_id,omitempty"`
	TerminalID           string `json:"terminal_id,omitempty"`
	PassbackParams       string `json:"passback_params,omitempty"`
	MerchantOrderNo      string `json:"merchant_order_no,omitempty"`
	SysServiceProviderID string `json:"sys_service_provider_id,omitempty"`

	NotifyURL string `json:"notify_url,omitempty"`
	ReturnURL string `json:"return_url,omitempty"`
	// QuitURL is a wap pay's quit_url: where the H5 cashier's quit button
	// sends the buyer, unsigned (https://developer.aliyun.com/article/710963).
	QuitURL  string       `json:"quit_url,omitempty"`
	Charset  sign.Charset `json:"charset,omitempty"`
	SignType sign.Type    `json:"sign_type,omitempty"`
	// OpenID is set when the merchant's app names users by open id: its
	// notifications carry buyer_open_id instead of buyer_id.
	OpenID bool `json:"open_id_app,omitempty"`
	// BuyerOpenID is the open id alipay.trade.create named the buyer by.
	BuyerOpenID string `json:"buyer_open_id,omitempty"`

	Created time.Time  `json:"gmt_create"`
	Paid    *time.Time `json:"gmt_payment,omitempty"`
	Closed  *time.Time `json:"gmt_close,omitempty"`
	Expires time.Time  `json:"time_expire"`
	// CancelAction is what alipay.trade.cancel did ("close" or "refund").
	CancelAction string `json:"cancel_action,omitempty"`
	// RoyaltyFreeze is extend_params.royalty_freeze "true" (ExtendParams:
	// "是否进行资金冻结，用于后续分账"): once paid, what the trade brings in is
	// frozen in the merchant's account until Unfrozen (Frozen).
	RoyaltyFreeze bool       `json:"royalty_freeze,omitempty"`
	Unfrozen      *time.Time `json:"gmt_unfreeze,omitempty"`

	// Vouchers are the coupons the buyer pays part of Total with.
	Vouchers []Voucher `json:"voucher_detail_list,omitempty"`

	Refunds []Refund `json:"refunds,omitempty"`
	// Syncs are the order information the merchant synced
	// (alipay.trade.orderinfo.sync), oldest first.
	Syncs []Sync `json:"syncs,omitempty"`
	// Settlements are its royalty settlements (alipay.trade.order.settle).
	Settlements []Settlement `json:"settlements,omitempty"`
	// RoyaltyInfo and SettleInfo are the JSON objects the order carried.
	RoyaltyInfo json.RawMessage `json:"royalty_info,omitempty"`
	SettleInfo  json.RawMessage `json:"settle_info,omitempty"`
	History     []Event         `json:"history"`

	// fingerprint is kept only when a store gave one that the trade's
	// fields do not make (fingerprintOf).
	fingerprint string
	// seq numbers trades in the order they were made: the stable order of
	// lists and their cursors.
	seq uint64
	// c is the book's cell of a trade a call is working on (cell.go).
	c *cell
}

// Frozen reports whether what the trade brought in is frozen in the
// merchant's account: paid with royalty_freeze, its settlement not ended
// (thaw).
func (t *Trade) Frozen() bool { return t.RoyaltyFreeze && t.Paid != nil && t.Unfrozen == nil }

// FrozenPart is the part of income, what the trade brought in, that is
// frozen: all of it while Frozen (settlements and refunds take from it
// first), nothing once thawed or when it brought in nothing.
func (t *Trade) FrozenPart(income amount.Amount) amount.Amount {
	if !t.Frozen() || income <= 0 {
		return 0
	}
	return income
}

// thaw ends a frozen trade's freeze at at: a settlement with
// royalty_finish, one that split all the merchant held, a refund of the
// whole trade, the end of its refund period. Its rest becomes available.
func (t *Trade) thaw(at time.Time) {
	if t.RoyaltyFreeze && t.Paid != nil && t.Unfrozen == nil {
		t.Unfrozen = &at
	}
}

// Final reports whether nothing more can happen to the trade: closed
// (unpaid, cancelled or refunded in full) or finished.
func (t *Trade) Final() bool { return t.Status == Closed || t.Status == Finished }

// Refund is one refund request on a trade, keyed by out_request_no.
type Refund struct {
	OutRequestNo string        `json:"out_request_no"`
	Amount       amount.Amount `json:"refund_amount"`
	Reason       string        `json:"refund_reason,omitempty"`
	At           time.Time     `json:"gmt_refund_pay"`
	// Cancel is set on the refund that alipay.trade.cancel made.
	Cancel bool `json:"cancel,omitempty"`
	// RoyaltyBack is what it took back from settled receivers
	// (refund_royalty_parameters).
	RoyaltyBack []RoyaltyBack `json:"refund_royalty_parameters,omitempty"`
}

// Event is one entry of a trade's history.
type Event struct {
	At     time.Time     `json:"at"`
	Type   EventType     `json:"type"`
	Status Status        `json:"trade_status"`
	Amount amount.Amount `json:"amount,omitempty"`
	Detail string        `json:"detail,omitempty"`
}

// EventType names what happened to a trade.
type EventType string

// Event types.
const (
	EventCreated  EventType = "created"
	EventScanned  EventType = "scanned"
	EventPaying   EventType = "paying" // barcode pay waiting for the buyer's password
	EventPaid     EventType = "paid"
	EventFailed   EventType = "payment_failed"
	EventRefunded EventType = "refunded"
	EventClosed   EventType = "closed"
	EventExpired  EventType = "expired"
	EventFinished EventType = "finished"
)

// Refunded is the sum refunded so far: the cumulative refund_fee.
func (t *Trade) Refunded() amount.Amount {
	var sum amount.Amount
	for _, r := range t.Refunds {
		sum += r.Amount
	}
	return sum
}

// IsPaid reports whether money moved from the buyer: the amounts in
// responses are zero until then.
func (t *Trade) IsPaid() bool { return t.Paid != nil }

// FindRefund returns the refund with the given out_request_no.
func (t *Trade) FindRefund(outRequestNo string) *Refund {
	for i := range t.Refunds {
		if t.Refunds[i].OutRequestNo == outRequestNo {
			return &t.Refunds[i]
		}
	}
	return nil
}

func (t *Trade) clone() Trade {
	c := *t
	c.c = nil
	c.Refunds = append([]Refund(nil), t.Refunds...)
	c.Vouchers = append([]Voucher(nil), t.Vouchers...)
	c.Syncs = append([]Sync(nil), t.Syncs...)
	c.Settlements = make([]Settlement, len(t.Settlements))
	for i, x := range t.Settlements {
		x.Details = append([]SettleDetail(nil), x.Details...)
		c.Settlements[i] = x
	}
	if t.Settlements == nil {
		c.Settlements = nil
	}
	c.Goods = append([]Goods(nil), t.Goods...)
	c.History = append([]Event(nil), t.History...)
	return c
}

// buyerEvents counts the buyer's scans and failed payments recorded.
func (t *Trade) buyerEvents() int {
	n := 0
	for _, e := range t.History {
		if e.Type == EventScanned || e.Type == EventFailed {
			n++
		}
	}
	return n
}

func (t *Trade) record(at time.Time, typ EventType, amt amount.Amount, detail string) Event {
	e := Event{At: at, Type: typ, Status: t.Status, Amount: amt, Detail: detail}
	t.History = append(t.History, e)
	return e
}

// GmtCreate is the trade's creation time as the merchant is shown it
// (notifications, bills): production creates a precreate, page, wap or app
// pay trade when a buyer scans or logs in (Alipay support's 交易状态问题解析,
// https://developer.aliyun.com/article/707649, 一), the first buyer event
// (a scan, a payment, a failure); other trades, and one no buyer reached,
// at the call. Created stays the call's time, which timeouts count from.
func (t *Trade) GmtCreate() time.Time {
	if WaitsForBuyer(t.Method) {
		for _, e := range t.History {
			switch e.Type {
			case EventScanned, EventPaid, EventFailed:
				return e.At
			}
		}
	}
	return t.Created
}

// bound reports whether t has its buyer: alipay.trade.create named one, or
// a buyer scanned its QR code, logged in at its cashier or gave a barcode.
// Only that account may pay it then: "因为交易创建已经绑定了支付宝账号的，所以
// 其他账号不能支付" (Alipay support, https://developer.aliyun.com/article/707511).
func (t *Trade) bound() bool { return t.Scanned && t.Buyer.UserID != "" }

// isBuyer reports whether b, a buyer someone names, is t's buyer: its
// buyer_id (or, for a trade created for an open id, the user of that open
// id) and its buyer_logon_id, where given, are the buyer's. A buyer whose
// buyer_id matches may name any logon when the trade's was drawn; a logon
// named alone is still compared. Mirrored: a buyer naming the trade's
// logon may name any buyer_id when the trade's was drawn.
func (t *Trade) isBuyer(b fixtures.Buyer) bool {
	if b.UserID != "" && b.UserID != t.Buyer.UserID &&
		(t.BuyerOpenID == "" || fixtures.OpenID(t.AppID, b.UserID) != t.BuyerOpenID) {
		return t.BuyerIDDrawn && b.LogonID != "" && b.LogonID == t.Buyer.Account
	}
	return b.LogonID == "" || (t.BuyerLogonDrawn && b.UserID != "") || b.LogonID == t.Buyer.Account
}

// BuyerIDs is how an app names the trade's buyer: its 2088 user id, or for
// an app that uses open ids (openID) the buyer's open id for the trade's
// app (fixtures.OpenID, or the one alipay.trade.create was given). Both are
// empty before a buyer is known.
func (t *Trade) BuyerIDs(openID bool) (userID, buyerOpenID string) {
	switch {
	case !openID:
		return t.Buyer.UserID, ""
	case t.BuyerOpenID != "":
		return "", t.BuyerOpenID
	case t.Buyer.UserID != "":
		return "", fixtures.OpenID(t.AppID, t.Buyer.UserID)
	}
	return "", ""
}
