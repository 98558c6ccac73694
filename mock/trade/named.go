package trade

import (
	"errors"
	"strings"

	"github.com/alipay-mock/alipay-mock/fixtures"
)

// A buyer named by one half only (a page, the control API, a scenario) is
// one user on every trade: the missing half is derived from the named one,
// never drawn. A logon's user is the one the mock's transfers would pay
// (LogonUsers: a known buyer of the app, else fixtures.UserIDOf), a user
// id's logon the one it paid the app with (UserLogons: a known buyer, else
// fixtures.LogonOf). An open id named alone (alipay.trade.create) is the
// user a transfer to it would pay (OpenUsers), with that user's logon.

// LogonUsers sets how a logon named without a buyer_id finds its user:
// the mock's one rule (fund.Book.Payee), asked outside the lock. Unset,
// fixtures.UserIDOf. Its error (the store's) is the action's answer.
func (b *Book) LogonUsers(f func(app, logon string) (string, error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.logonUser = f
}

// UserLogons sets how a user id named without a logon finds its logon
// account, asked outside the lock. Unset, fixtures.LogonOf. Its error (the
// store's) is the action's answer.
func (b *Book) UserLogons(f func(app, user string) (string, error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.userLogon = f
}

// OpenUsers sets how an open id named alone finds its user: the mock's one
// rule (fund.Book.Payee: a known buyer or signed-in user of the app, else
// fixtures.UserIDOf), asked outside the lock. Unset, fixtures.UserIDOf.
// Its error (the store's) is the action's answer.
func (b *Book) OpenUsers(f func(app, open string) (string, error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.openUser = f
}

// logonUser is a buyer named by one half alone and the other found for it,
// for one app: the user of a logon account, (byUser) the logon account of
// a user id, or (open set) both for an open id.
type logonUser struct {
	app, account, user string
	byUser             bool
	open               string
}

// errAskUser stops an action that needs the half of a buyer it was not
// named by, before it changes the trade: act (or Create) finds it outside
// the lock and acts again.
var errAskUser = errors.New("trade: the user of a logon is to be found")

// userOfLogon is the user id of app's buyer account, named without one:
// known when found already; else, with LogonUsers set and ask not yet
// used, errAskUser with ask filled. The lock is held.
func (b *Book) userOfLogon(app, account string, known logonUser, ask *logonUser) (string, error) {
	if known.app == app && !known.byUser && known.open == "" && known.account == account && known.user != "" {
		return known.user, nil
	}
	if b.logonUser != nil && ask.app == "" {
		*ask = logonUser{app: app, account: account}
		return "", errAskUser
	}
	return fixtures.UserIDOf(account), nil
}

// logonOfUser is the logon account of app's buyer user, named without one,
// as userOfLogon is the user of a logon. The lock is held.
func (b *Book) logonOfUser(app, user string, known logonUser, ask *logonUser) (string, error) {
	if known.app == app && known.byUser && known.open == "" && known.user == user && known.account != "" {
		return known.account, nil
	}
	if b.userLogon != nil && ask.app == "" {
		*ask = logonUser{app: app, user: user, byUser: true}
		return "", errAskUser
	}
	return fixtures.LogonOf(user), nil
}

// buyerOfOpen is the user and logon account of app's buyer named by an
// open id alone, as userOfLogon is the user of a logon. The lock is held.
func (b *Book) buyerOfOpen(app, open string, known logonUser, ask *logonUser) (user, account string, err error) {
	if known.app == app && known.open == open && known.user != "" && known.account != "" {
		return known.user, known.account, nil
	}
	if (b.openUser != nil || b.userLogon != nil) && ask.app == "" {
		*ask = logonUser{app: app, open: open}
		return "", "", errAskUser
	}
	user = fixtures.UserIDOf(open)
	return user, fixtures.LogonOf(user), nil
}

// askOther finds the half ask lacks (an open id's user and its logon),
// outside the lock.
func (b *Book) askOther(ask *logonUser) (err error) {
	b.mu.Lock()
	logonUser, userLogon, openUser := b.logonUser, b.userLogon, b.openUser
	b.mu.Unlock()
	switch {
	case ask.open != "":
		if openUser != nil {
			ask.user, err = openUser(ask.app, ask.open)
		}
		if err == nil && ask.user == "" {
			ask.user = fixtures.UserIDOf(ask.open)
		}
		if err == nil && userLogon != nil {
			ask.account, err = userLogon(ask.app, ask.user)
		}
		if err == nil && ask.account == "" {
			ask.account = fixtures.LogonOf(ask.user)
		}
	case ask.byUser:
		ask.account, err = userLogon(ask.app, ask.user)
	default:
		ask.user, err = logonUser(ask.app, ask.account)
	}
	return err
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
