package domain

import (
	"errors"

	"github.com/alipay-mock/alipay-mock/fixtures"
)

// A buyer (or red-packet sender or payee) named by one half only, a user
// id or a logon, or by an open id, is one user on every order: the rest is
// found by the mock's rules (Halves), never drawn. The rules may read the
// trades or the shared store, so they are never asked under a book's lock:
// an action that needs a half stops with ErrAsk before it changes
// anything, and Twice finds the half outside the lock and runs the action
// again. An action that knows from its request alone what it needs has it
// found before its first run instead (Twice's first).

// Halves are the mock's rules for the rest of a buyer named by one half,
// each for one app. Unset, a user is derived from its logon or open id
// (fixtures.UserIDOf), a logon from its user id (fixtures.LogonOf) and a
// name too (fixtures.NameOf), as when a rule finds nothing. An error is
// the store's, and the action's answer.
type Halves struct {
	LogonUser func(app, logon string) (fixtures.Buyer, error) // the user (UserID, Name) a logon names (fund.Book.Payee)
	UserLogon func(app, user string) (fixtures.Buyer, error)  // the logon (Account) and Name a user id paid the app with
	OpenUser  func(app, open string) (fixtures.Buyer, error)  // the user (UserID, Name) an open id names (fund.Book.Payee)
}

// Ask is one half to find, and once found, found: the user of a logon
// account, (byUser) the logon account of a user id, or (open set) both for
// an open id, for one app; and the user's name.
type Ask struct {
	app, account, user, open, name string
	byUser                         bool
}

// AskUser is the user of app's logon account, to find before a first run.
func AskUser(app, account string) Ask { return Ask{app: app, account: account} }

// AskLogon is the logon account of app's user, to find before a first run.
func AskLogon(app, user string) Ask { return Ask{app: app, user: user, byUser: true} }

// ErrAsk stops an action that needs a half not found yet (Twice).
var ErrAsk = errors.New("domain: a named buyer's other half is to be found")

// UserOfLogon is the user id of app's logon account, named without one:
// known when found already; else, with a rule and ask not yet used, ErrAsk
// with ask filled; else derived. The lock is held.
func (h Halves) UserOfLogon(app, account string, known Ask, ask *Ask) (string, error) {
	if known.app == app && !known.byUser && known.open == "" && known.account == account && known.user != "" {
		return known.user, nil
	}
	if h.LogonUser != nil && ask.app == "" {
		*ask = AskUser(app, account)
		return "", ErrAsk
	}
	return fixtures.UserIDOf(account), nil
}

// LogonOfUser is the logon account of app's user, named without one, as
// UserOfLogon is the user of a logon. The lock is held.
func (h Halves) LogonOfUser(app, user string, known Ask, ask *Ask) (string, error) {
	if known.app == app && known.byUser && known.open == "" && known.user == user && known.account != "" {
		return known.account, nil
	}
	if h.UserLogon != nil && ask.app == "" {
		*ask = AskLogon(app, user)
		return "", ErrAsk
	}
	return fixtures.LogonOf(user), nil
}

// BuyerOfOpen is the user and logon account of app's buyer named by an
// open id alone, as UserOfLogon is the user of a logon. The lock is held.
func (h Halves) BuyerOfOpen(app, open string, known Ask, ask *Ask) (user, account string, err error) {
	if known.app == app && known.open == open && known.user != "" && known.account != "" {
		return known.user, known.account, nil
	}
	if (h.OpenUser != nil || h.UserLogon != nil) && ask.app == "" {
		*ask = Ask{app: app, open: open}
		return "", "", ErrAsk
	}
	user = fixtures.UserIDOf(open)
	return user, fixtures.LogonOf(user), nil
}

// NameOf is the name of app's user: the one found with known, else
// derived (fixtures.NameOf). The lock is held.
func (h Halves) NameOf(app, user string, known Ask) string {
	if known.app == app && known.user == user && known.name != "" {
		return known.name
	}
	return fixtures.NameOf(user)
}

// find finds what ask lacks, outside the lock: a rule's "" is derived.
func (h Halves) find(ask *Ask) error {
	var b fixtures.Buyer
	var err error
	switch {
	case ask.open != "":
		if h.OpenUser != nil {
			b, err = h.OpenUser(ask.app, ask.open)
		}
		if ask.user, ask.name = b.UserID, b.Name; err == nil && ask.user == "" {
			ask.user = fixtures.UserIDOf(ask.open)
		}
		if err == nil && h.UserLogon != nil {
			b, err = h.UserLogon(ask.app, ask.user)
			ask.account = b.Account
			if ask.name == "" {
				ask.name = b.Name
			}
		}
		if err == nil && ask.account == "" {
			ask.account = fixtures.LogonOf(ask.user)
		}
	case ask.byUser:
		if h.UserLogon != nil {
			b, err = h.UserLogon(ask.app, ask.user)
		}
		if ask.account, ask.name = b.Account, b.Name; err == nil && ask.account == "" {
			ask.account = fixtures.LogonOf(ask.user)
		}
	default:
		if h.LogonUser != nil {
			b, err = h.LogonUser(ask.app, ask.account)
		}
		if ask.user, ask.name = b.UserID, b.Name; err == nil && ask.user == "" {
			ask.user = fixtures.UserIDOf(ask.account)
		}
	}
	if err == nil && ask.name == "" {
		ask.name = fixtures.NameOf(ask.user)
	}
	return err
}

// Twice runs once, with first found before (when it names anything); when
// once stops with ErrAsk, it finds what once asked for outside the lock
// and runs once again, which asks no more. halves reads the book's rules.
func Twice[T any](halves func() Halves, first Ask, once func(known Ask, ask *Ask) (T, error)) (T, error) {
	var known, ask Ask
	if first.app != "" {
		if err := halves().find(&first); err != nil {
			var zero T
			return zero, err
		}
		known, ask = first, first // asked: the run derives what else it needs
	}
	out, err := once(known, &ask)
	if errors.Is(err, ErrAsk) {
		if err = halves().find(&ask); err != nil {
			return out, err
		}
		out, err = once(ask, &ask)
	}
	return out, err
}
