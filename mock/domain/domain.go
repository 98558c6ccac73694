// Package domain holds the types the mock's books share: who a request
// acts for and what an order keeps of the request that opened it. The
// trade and red-packet books take them; the gateway fills them in. Plain
// Go, no HTTP.
package domain

import (
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
)

// Merchant is the seller side of a request: the app and its account.
type Merchant struct {
	AppID  string
	Seller fixtures.Seller
	// ISVAppID is the app that called for the merchant with an
	// app_auth_token; AppID is then the merchant's (auth_app_id).
	ISVAppID string
}

// Context carries the common parameters of the request that opened a
// trade or red packet: where to notify, where the browser returns, and the
// charset and sign type its notifications and returns are signed in.
type Context struct {
	NotifyURL string
	ReturnURL string
	Charset   sign.Charset
	SignType  sign.Type
	// Password makes a barcode pay wait for the buyer's password whatever
	// the amount (a scenario's forced 10003); trades only.
	Password bool
	// Voucher is the coupon the buyer pays part of the trade with (a
	// scenario's then.voucher); trades only.
	Voucher *Voucher
	// OpenID is set when the merchant's app names users by open id
	// (user_id_type open_id): notifications carry buyer_open_id.
	OpenID bool
	// Stamped is the request's timestamp (v3: its Authorization's), zero
	// when it had none: it tells which clock the app keeps.
	Stamped time.Time
	// Ack, when set, takes the call's wait for its change to be on disk
	// instead of the book waiting (the gateway signs its answer
	// meanwhile); the caller must call Ack.Wait before telling anyone.
	Ack *Ack
}

// Voucher is a coupon a buyer pays with: its face value, who funds it (the
// merchant, or Alipay when false) and its name.
type Voucher struct {
	Amount   amount.Amount
	Merchant bool
	Name     string
}
