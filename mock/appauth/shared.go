package appauth

import (
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Reader is a Store that also reads what other mock processes sharing it
// wrote (pgstore): a code or token made on another replica is found there
// when this one has not heard of it yet.
type Reader interface {
	Code(code string) (Code, bool, error)
	Token(appAuthToken string) (Token, bool, error)
	TokenByRefresh(refreshToken string) (Token, bool, error)
}

// Issuer is a store that replicas share and that gives each new token
// its Gen: one more than the highest of its ISV and merchant stored when
// it commits, so the token committed last is the newest on every replica,
// whatever each replica had heard of.
type Issuer interface {
	IssueToken(Token) (gen uint64, err error)
}

// codeLocked finds a code in memory, else in a shared store; the lock is
// held. An error is the store's failure (trade.StoreFailed): not "no such
// code", which the store could not tell.
func (b *Book) codeLocked(code string) (*Code, error) {
	if c, ok := b.codes.Get(code); ok {
		return c, nil
	}
	if r, ok := b.store.(Reader); ok && code != "" {
		c, found, err := r.Code(code)
		if err != nil {
			return nil, trade.StoreFailed(err)
		}
		if found {
			b.name(c.Merchant.AuthAppID, 1)
			b.drop(b.codes.Put(c.Code, &c), nil)
			return &c, nil
		}
	}
	return nil, nil
}

// tokenLocked finds a token by app_auth_token, or by refresh token when
// byRefresh, in memory, else in a shared store; the lock is held. An
// error is the store's failure, as for codeLocked.
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
	read := r.Token
	if byRefresh {
		read = r.TokenByRefresh
	}
	t, found, err := read(s)
	if err != nil {
		return nil, trade.StoreFailed(err)
	}
	if !found {
		return nil, nil
	}
	b.keepToken(&t)
	return &t, nil
}
