package trade

import (
	"strings"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/domain"
)

// A buyer named by one half only (a page, the control API, a scenario) is
// one user on every trade: the missing half is derived from the named one,
// never drawn. A logon's user is the one the mock's transfers would pay
// (a known buyer of the app, else fixtures.UserIDOf), a user id's logon
// the one it paid the app with (a known buyer, else fixtures.LogonOf). An
// open id named alone (alipay.trade.create) is the user a transfer to it
// would pay, with that user's logon. The rules are domain.Halves, asked
// outside the lock (domain.Twice).

// BuyerHalves sets the mock's rules for the rest of a buyer named by one
// half (domain.Halves): a logon's user and an open id's as a transfer
// would pay (fund.Book.Payee), a user id's logon the one it paid the app
// with. Unset, each is derived.
func (b *Book) BuyerHalves(h domain.Halves) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.halves = h
}

// buyerHalves reads the rules, for domain.Twice.
func (b *Book) buyerHalves() domain.Halves {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.halves
}

// namedUser is the user id t's buyer will have after an action naming
// buyer, when it will have no logon: the user to find a logon for; else "".
func namedUser(t *Trade, buyer *fixtures.Buyer) string {
	if t.Buyer.LogonID != "" || t.BuyerLogonRequired != "" || buyer != nil && buyer.LogonID != "" {
		return ""
	}
	if buyer != nil && buyer.UserID != "" {
		return buyer.UserID
	}
	return t.Buyer.UserID
}

// namedAccount is the logon account t's buyer will have after an action
// naming buyer, when it will have no user id: the account to find a user
// for; else "".
func namedAccount(t *Trade, buyer *fixtures.Buyer) string {
	if t.Buyer.UserID != "" || (buyer != nil && buyer.UserID != "") {
		return ""
	}
	switch {
	case buyer != nil && buyer.LogonID != "":
		return buyer.LogonID
	case t.Buyer.LogonID != "":
		return t.Buyer.Account
	}
	return t.BuyerLogonRequired
}

// isSellerLogon reports whether logon is the seller's own account: a
// seller cannot pay its own trade (ACQ.BUYER_SELLER_EQUAL).
func isSellerLogon(s fixtures.Seller, logon string) bool {
	return logon != "" && strings.EqualFold(logon, s.Email)
}
