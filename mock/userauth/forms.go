package userauth

import "github.com/alipay-mock/alipay-mock/mock/trade"

// FormStore holds the consent forms of replicas sharing a database
// (pgstore): a form one replica showed is found, and spent once, on any.
type FormStore interface {
	// PutAuthForm stores a form under the store's bound on forms (the
	// memory's, for all replicas): past it the store deletes the oldest.
	PutAuthForm(Form) error
	// AuthForm reads one stored form.
	AuthForm(token string) (Form, bool, error)
	// TakeAuthForm deletes a stored form and reports whether this call
	// did: false when another replica spent (or dropped) it first.
	TakeAuthForm(token string) (bool, error)
	// DeleteAuthForms deletes forms by token.
	DeleteAuthForms(tokens []string) error
}

// ShareForms makes the book keep its forms in s too, from now on (s
// bounds them, one bound for all replicas; the book's memory only caches
// them), and deletes from s the stored forms that expired (a replica's
// start: those a stopped replica left). The open ones stay, whoever
// showed them.
func (b *Book) ShareForms(s FormStore, stored []Form) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.shared = s
	now := b.clock.Now()
	var gone []string
	for _, f := range stored {
		if !now.Before(f.Expires) {
			gone = append(gone, f.Token)
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

// keepForm keeps a form in memory; with shared forms memory is a cache
// and one it evicts stays in the store (which bounds them for all).
func (b *Book) keepForm(f *Form) { b.forms.Put(f.Token, f) }
