package userauth

import (
	"slices"

	"github.com/alipay-mock/alipay-mock/mock/bounded"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// FormStore holds the consent forms of replicas sharing a database
// (pgstore): a form one replica showed is found, and spent once, on any.
type FormStore interface {
	PutAuthForm(Form) error
	// AuthForm reads one stored form.
	AuthForm(token string) (Form, bool, error)
	// TakeAuthForm deletes a stored form and reports whether this call
	// did: false when another replica spent (or dropped) it first.
	TakeAuthForm(token string) (bool, error)
	// DeleteAuthForms deletes forms by token.
	DeleteAuthForms(tokens []string) error
}

// ShareForms makes the book keep its forms in s too, from now on, and
// takes the forms stored there (a replica's at start), oldest first
// within the bound: the expired ones, and those past the bound, are
// deleted from s, so that forms a stopped replica left do not pile up.
func (b *Book) ShareForms(s FormStore, stored []Form) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.shared = s
	slices.SortStableFunc(stored, func(x, y Form) int {
		return bounded.ByMade(bounded.MadeOr(x.Made, x.Expires), x.Token, bounded.MadeOr(y.Made, y.Expires), y.Token)
	})
	now := b.clock.Now()
	var gone []string
	for i := range stored {
		f := stored[i]
		if !now.Before(f.Expires) {
			gone = append(gone, f.Token)
			continue
		}
		for _, old := range b.forms.Put(f.Token, &f) {
			gone = append(gone, old.Token)
		}
	}
	if len(gone) > 0 {
		_ = s.DeleteAuthForms(gone) // the store reports failures
	}
}

// openForm finds an open form in memory, else in the shared store; the
// lock is held. One unknown or expired is ErrFormUnknown; the store's
// failure to read is trade.StoreFailed.
func (b *Book) openForm(token string) (*Form, error) {
	f, ok := b.forms.Get(token)
	if !ok && b.shared != nil && token != "" {
		stored, found, err := b.shared.AuthForm(token)
		if err != nil {
			return nil, trade.StoreFailed(err)
		}
		if found {
			f, ok = &stored, true
			b.keepForm(f)
		}
	}
	if !ok || !b.clock.Now().Before(f.Expires) {
		return nil, ErrFormUnknown
	}
	return f, nil
}

// spend uses a form up; the lock is held. With shared forms the
// database's conditional delete decides: one replica's take succeeds, any
// other's is ErrFormUnknown; a take the database failed is
// trade.StoreFailed and leaves the form open.
func (b *Book) spend(token string) error {
	if b.shared != nil {
		took, err := b.shared.TakeAuthForm(token)
		if err != nil {
			return trade.StoreFailed(err)
		}
		if !took {
			b.forms.Del(token)
			return ErrFormUnknown
		}
	}
	b.forms.Del(token)
	return nil
}

// keepForm keeps a form; with shared forms, those evicted past the bound
// are deleted from the store, for every replica.
func (b *Book) keepForm(f *Form) {
	gone := b.forms.Put(f.Token, f)
	if b.shared == nil || len(gone) == 0 {
		return // without a shared store an evicted form has nothing stored
	}
	tokens := make([]string, len(gone))
	for i, g := range gone {
		tokens[i] = g.Token
	}
	_ = b.shared.DeleteAuthForms(tokens) // the store reports failures
}
