package appauth

// Reader is a Store that also reads what other mock processes sharing it
// wrote (pgstore): a code or token made on another replica is found there
// when this one has not heard of it yet.
type Reader interface {
	Code(code string) (Code, bool, error)
	Token(appAuthToken string) (Token, bool, error)
	TokenByRefresh(refreshToken string) (Token, bool, error)
}

// codeLocked finds a code in memory, else in a shared store; the lock is held.
func (b *Book) codeLocked(code string) *Code {
	if c, ok := b.codes.get(code); ok {
		return c
	}
	if r, ok := b.store.(Reader); ok && code != "" {
		if c, found, err := r.Code(code); err == nil && found {
			b.drop(b.codes.put(c.Code, &c), nil)
			return &c
		}
	}
	return nil
}

// tokenLocked finds a token by app_auth_token, or by refresh token when
// byRefresh, in memory, else in a shared store; the lock is held.
func (b *Book) tokenLocked(s string, byRefresh bool) *Token {
	if byRefresh {
		if t := b.byRef[s]; t != nil {
			return t
		}
	} else if t, ok := b.tokens.get(s); ok {
		return t
	}
	r, ok := b.store.(Reader)
	if !ok || s == "" {
		return nil
	}
	read := r.Token
	if byRefresh {
		read = r.TokenByRefresh
	}
	t, found, err := read(s)
	if err != nil || !found {
		return nil
	}
	b.keepToken(&t, b.clock.Now())
	return &t
}
