// Package coupon is the red-packet (cash coupon, 现金红包) state machine:
// a fund order the sender pays money into, which payees claim from
// (disburse) until it is empty, refunded, or automatically returned 48 h
// after payment. Plain Go, time from the injected clock, like trade.
package coupon

import (
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
)

// OrderStatus is the status of a fund order.
type OrderStatus string

// Fund order statuses, as fund authorisation names them.
const (
	OrderInit       OrderStatus = "INIT"       // waiting for the sender to pay
	OrderAuthorized OrderStatus = "AUTHORIZED" // paid, money left to claim
	OrderFinish     OrderStatus = "FINISH"     // nothing left: all claimed or returned
	OrderClosed     OrderStatus = "CLOSED"     // never paid
)

// OpStatus is the status of a fund operation (the "status" field).
type OpStatus string

// Operation statuses, production's values.
const (
	OpInit    OpStatus = "INIT"
	OpSuccess OpStatus = "SUCCESS"
	OpClosed  OpStatus = "CLOSED"
)

// OpType is operation_type: PAY moves money (the sender paying in, or a
// claim paid out to a payee), REFUND returns it to the sender.
type OpType string

// Operation types, production's values.
const (
	Pay    OpType = "PAY"
	Refund OpType = "REFUND"
)

// Operation is one fund operation of an order.
type Operation struct {
	OperationID  string        `json:"operation_id"`
	OutRequestNo string        `json:"out_request_no"`
	Type         OpType        `json:"operation_type"`
	Amount       amount.Amount `json:"amount"`
	Status       OpStatus      `json:"status"`
	Created      time.Time     `json:"gmt_create"`
	Trans        *time.Time    `json:"gmt_trans,omitempty"`
	Remark       string        `json:"remark,omitempty"`
	// Auto is set on the refund Alipay makes when the refund period ends.
	Auto bool `json:"auto,omitempty"`
	// NotifyURL of the request that made the operation.
	NotifyURL string `json:"notify_url,omitempty"`
	// DoneAt is when a processing (10003) operation completes by itself.
	DoneAt *time.Time `json:"done_at,omitempty"`

	fingerprint string
}

// Order is a fund order: a red packet the sender paid into, or a claim
// (its own order, paid out of a red packet to a payee).
type Order struct {
	AppID      string          `json:"app_id"`
	AuthNo     string          `json:"auth_no"`
	OutOrderNo string          `json:"out_order_no"`
	Title      string          `json:"order_title"`
	Method     string          `json:"method"`
	Claim      bool            `json:"claim"`
	Amount     amount.Amount   `json:"amount"`
	Rest       amount.Amount   `json:"rest_amount"`
	Status     OrderStatus     `json:"status"`
	Payer      fixtures.Buyer  `json:"payer"`
	Payee      *fixtures.Buyer `json:"payee,omitempty"`
	// MerchantFunded marks a red packet the merchant's own account paid
	// (agreement pay with payer_user_id its PID): what it holds and what
	// it paid out left the merchant's balance (MerchantOutlay).
	MerchantFunded bool `json:"merchant_funded,omitempty"`
	// DeductAuthNo is, on a claim, the red packet it was paid from.
	DeductAuthNo string `json:"deduct_auth_no,omitempty"`
	ExtraParam   string `json:"extra_param,omitempty"`
	// CashierToken opens the red packet's cashier page
	// (/cashier/coupon/<token>): a secret, so only the sender it was
	// handed to can pay there. Claims have none.
	CashierToken string `json:"cashier_token,omitempty"`

	NotifyURL string       `json:"notify_url,omitempty"`
	ReturnURL string       `json:"return_url,omitempty"`
	Charset   sign.Charset `json:"charset,omitempty"`
	SignType  sign.Type    `json:"sign_type,omitempty"`

	Created  time.Time  `json:"gmt_create"`
	Paid     *time.Time `json:"gmt_payment,omitempty"`
	Expires  time.Time  `json:"pay_expire"`
	RefundAt *time.Time `json:"auto_refund_at,omitempty"`

	Operations []Operation `json:"operations"`
	History    []Event     `json:"history"`

	// seq numbers orders in the order they were made: the stable order of
	// lists and their cursors.
	seq uint64
	// counted is the status counter the order is in (the book's counts).
	counted OrderStatus
	// countedOut is what the book's outlays count of it.
	countedOut amount.Amount
}

// MerchantOutlay is what a red packet the merchant funded keeps out of
// its balance: its amount less what was refunded to it (claims are paid
// out), nothing once closed unpaid.
func (o *Order) MerchantOutlay() amount.Amount {
	if !o.MerchantFunded || o.Claim || o.Status == OrderClosed {
		return 0
	}
	out := o.Amount
	for _, op := range o.Operations {
		if op.Type == Refund {
			out -= op.Amount
		}
	}
	return out
}

// DroppedOutlay is what of MerchantOutlay stays out of the balance once
// the order is dropped (evicted): what was claimed. A packet counts as it
// was planned to end: an AUTHORIZED one's automatic refund gives its rest
// back; an INIT one (its 10003 payment still under way: MerchantOutlay
// counts it paid) would be paid, then, nothing claimed, refunded whole.
func (o *Order) DroppedOutlay() amount.Amount {
	out := o.MerchantOutlay()
	switch {
	case out == 0:
	case o.Status == OrderInit:
		out = 0
	case o.Status == OrderAuthorized:
		out -= o.Rest
	}
	return out
}

// Final reports whether nothing more can happen to the order: finished or
// closed, with no operation still completing.
func (o *Order) Final() bool {
	if o.Status != OrderFinish && o.Status != OrderClosed {
		return false
	}
	for _, op := range o.Operations {
		if op.Status == OpInit && op.DoneAt != nil {
			return false
		}
	}
	return true
}

// Seq is an order's position in the book's order, for cursors.
func (o *Order) Seq() uint64 { return o.seq }

// Event is one entry of an order's history; the notifier hears them.
type Event struct {
	At          time.Time   `json:"at"`
	Type        string      `json:"type"`
	Status      OrderStatus `json:"status"`
	OperationID string      `json:"operation_id,omitempty"`
	Detail      string      `json:"detail,omitempty"`
	// Amount is, on a red packet's claimed event, what the claim took
	// from it (Order.AsOf): the claim's operation is the claim order's.
	Amount amount.Amount `json:"amount,omitempty"`
}

// Event types.
const (
	EventCreated   = "created"
	EventPaid      = "paid"
	EventClaimed   = "claimed"
	EventRefunded  = "refunded"
	EventClosed    = "closed"
	EventCompleted = "completed" // a processing operation succeeded
)

// TotalRefunded is what went back to the sender: total_pay_refund_amount.
func (o *Order) TotalRefunded() amount.Amount {
	var sum amount.Amount
	for _, op := range o.Operations {
		if op.Type == Refund && op.Status != OpClosed {
			sum += op.Amount
		}
	}
	return sum
}

// Op returns the operation with the given id.
func (o *Order) Op(operationID string) *Operation {
	for i := range o.Operations {
		if o.Operations[i].OperationID == operationID {
			return &o.Operations[i]
		}
	}
	return nil
}

func (o *Order) opByRequest(outRequestNo string) *Operation {
	for i := range o.Operations {
		if o.Operations[i].OutRequestNo == outRequestNo {
			return &o.Operations[i]
		}
	}
	return nil
}

func (o *Order) clone() Order {
	c := *o
	c.Operations = append([]Operation(nil), o.Operations...)
	c.History = append([]Event(nil), o.History...)
	if o.Payee != nil {
		p := *o.Payee
		c.Payee = &p
	}
	return c
}

// event records an event and pairs it with a snapshot that includes it.
func (o *Order) event(at time.Time, typ, opID, detail string) change {
	e := o.record(at, typ, opID, detail)
	return change{o.clone(), e}
}

// eventOf is event for an entry with more fields (a claim's Amount).
func (o *Order) eventOf(e Event) change {
	e.Status = o.Status
	o.History = append(o.History, e)
	return change{o.clone(), e}
}

func (o *Order) record(at time.Time, typ, opID, detail string) Event {
	e := Event{At: at, Type: typ, Status: o.Status, OperationID: opID, Detail: detail}
	o.History = append(o.History, e)
	return e
}

// Errors of the fund coupon methods. The sub_codes follow the fund
// family's style (inferred: docs/differences.md).
var (
	ErrOrderNotExist     = apierr.Business("ORDER_NOT_EXIST", "红包订单不存在")
	ErrOperationNotExist = apierr.Business("OPERATION_NOT_EXIST", "资金操作流水不存在")
	ErrOrderStatus       = apierr.Business("ORDER_STATUS_INVALID", "红包订单状态不合法")
	ErrRestNotEnough     = apierr.Business("REST_AMOUNT_NOT_ENOUGH", "红包剩余金额不足")
	ErrDiscordant        = apierr.Business("DISCORDANT_REPEAT_REQUEST", "请求流水号重复且请求内容不一致")
	ErrPayerPayeeSame    = apierr.Business("PAYER_PAYEE_CANNOT_SAME", "收付款方不能相同")
	ErrOutOrderNoUsed    = apierr.Business("OUT_ORDER_NO_USED", "商户订单号已被其他请求使用")
	// ErrBalanceNotEnough is the transfer's sub_code for a payer whose
	// balance cannot cover the amount (inferred for red packets).
	ErrBalanceNotEnough = apierr.Business("PAYER_BALANCE_NOT_ENOUGH", "付款方余额不足")
)

// InvalidParameter names the field that is wrong.
func InvalidParameter(detail string) *apierr.Error {
	return apierr.Business("INVALID_PARAMETER", "参数有误："+detail)
}

// DisplayMessage is the text production puts in display_message for a
// 40004, for the merchant to show the user.
func DisplayMessage(e *apierr.Error) string {
	switch e.SubCode {
	case "REST_AMOUNT_NOT_ENOUGH":
		return "红包已被领完"
	case "ORDER_STATUS_INVALID":
		return "红包状态异常，请稍后再试"
	case "ORDER_NOT_EXIST":
		return "红包不存在"
	}
	return "操作失败，请稍后再试"
}
