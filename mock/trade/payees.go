package trade

import "github.com/alipay-mock/alipay-mock/fixtures"

// The buyers who paid an app's trades, counted as trades change (where the
// income is reckoned), so a transfer finds whether its payee is a known
// buyer without walking the app's trades. Keys are app + "\x00" + an
// identity; an entry lives while at least one kept paid trade counts it.
type payee struct {
	buyer fixtures.Buyer
	n     int
	// open is the buyer's open id for the app, made once per entry.
	open string
}

// payeeIndex finds known buyers by user id, logon account and open id.
type payeeIndex struct {
	users    map[string]*payee
	accounts map[string]*payee
	opens    map[string]*payee
}

func newPayeeIndex() payeeIndex {
	return payeeIndex{users: map[string]*payee{}, accounts: map[string]*payee{}, opens: map[string]*payee{}}
}

// paidBuyer reports whether t counts as a paying buyer of its app.
func paidBuyer(t *Trade) bool { return t.Paid != nil && t.Buyer.UserID != "" }

// countPayee brings t's place in the payee index up to date with t (its
// buyer counted once while it is paid). The lock is held.
func (b *Book) countPayee(t *Trade) {
	if want := paidBuyer(t); want != t.payee {
		if want {
			b.payees.add(t.AppID, t.Buyer, 1)
		} else {
			b.payees.add(t.AppID, t.Buyer, -1)
		}
		t.payee = want
	}
}

// uncountPayee takes t out of the payee index. The lock is held.
func (b *Book) uncountPayee(t *Trade) {
	if t.payee {
		b.payees.add(t.AppID, t.Buyer, -1)
		t.payee = false
	}
}

func (x *payeeIndex) add(app string, by fixtures.Buyer, d int) {
	k := app + "\x00" + by.UserID
	p := x.users[k]
	if p == nil {
		if d < 0 {
			return
		}
		p = &payee{buyer: by, open: fixtures.OpenID(app, by.UserID)}
		x.users[k] = p
		x.opens[app+"\x00"+p.open] = p
	}
	p.n += d
	if p.n <= 0 {
		delete(x.users, k)
		delete(x.opens, app+"\x00"+p.open)
	}
	if by.Account != "" {
		k := app + "\x00" + by.Account
		a := x.accounts[k]
		if a == nil {
			if d < 0 {
				return
			}
			a = &payee{buyer: by}
			x.accounts[k] = a
		}
		a.n += d
		if a.n <= 0 {
			delete(x.accounts, k)
		}
	}
}

// Identity kinds a known buyer is found by (PaidBuyer).
const (
	ByUserID  = "user_id"
	ByAccount = "account"
	ByOpenID  = "open_id"
)

// PaidBuyer is the buyer of one of app's kept paid trades that the
// identity names (a user id, the logon account paid with, or the open id
// for the app), from an index kept as trades change: no walk.
func (b *Book) PaidBuyer(app, kind, identity string) (fixtures.Buyer, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var m map[string]*payee
	switch kind {
	case ByUserID:
		m = b.payees.users
	case ByAccount:
		m = b.payees.accounts
	case ByOpenID:
		m = b.payees.opens
	default:
		return fixtures.Buyer{}, false
	}
	if p := m[app+"\x00"+identity]; p != nil {
		return p.buyer, true
	}
	return fixtures.Buyer{}, false
}
