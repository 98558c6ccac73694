package userauth

import "github.com/alipay-mock/alipay-mock/mock/trade"

// Reader is a Store that also reads what other mock processes sharing it
// wrote (pgstore): a code or token made on another replica is found there
// when this one has not heard of it yet.
type Reader interface {
	UserCode(code string) (Code, bool, error)
	UserToken(accessToken string) (Token, bool, error)
	UserTokenByRefresh(refreshToken string) (Token, bool, error)
}

// Bounder is a Store that applies the bounds on codes and tokens itself,
// one for every replica sharing it, in the write that adds one (pgstore):
// the book's memory then only caches them, and what it evicts to make
// room stays stored (read again where used). Restore still deletes what
// does not fit: it reads everything stored.
type Bounder interface {
	// BoundsUserAuth marks the store; it does nothing.
	BoundsUserAuth()
}

// caches reports whether the book's memory only caches the store's codes
// and tokens (Bounder); the lock is held.
func (b *Book) caches() bool {
	_, ok := b.store.(Bounder)
	return ok && b.dropping == nil
}

// codeLocked finds a code in memory, else in a shared store; the lock is
// held. An error is the store's failure (trade.StoreFailed): not "no such
// code", which the store could not tell.
func (b *Book) codeLocked(code string) (*Code, error) {
	if c, ok := b.codes.Get(code); ok {
		return c, nil
	}
	r, ok := b.store.(Reader)
	if !ok || code == "" {
		return nil, nil
	}
	c, found, err := r.UserCode(code)
	if err != nil {
		return nil, trade.StoreFailed(err)
	}
	if !found {
		return nil, nil
	}
	b.keepCode(&c)
	return &c, nil
}

// tokenLocked finds a pair by access token, or by refresh token when
// byRefresh, in memory, else in a shared store (one stored replaced is
// not in force: none); the lock is held. An error is the store's
// failure, as for codeLocked.
func (b *Book) tokenLocked(s string, byRefresh bool) (*Token, error) {
	if byRefresh {
		if t := b.byRef[s]; t != nil {
			return t, nil
		}
	} else if t, ok := b.tokens.Get(s); ok {
		return t, nil
	}
	r, ok := b.store.(Reader)
	if !ok || s == "" {
		return nil, nil
	}
	read := r.UserToken
	if byRefresh {
		read = r.UserTokenByRefresh
	}
	t, found, err := read(s)
	if err != nil {
		return nil, trade.StoreFailed(err)
	}
	if !found || t.Replaced {
		return nil, nil
	}
	b.keepToken(&t)
	return &t, nil
}
