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
	if c := b.codes[code]; c != nil {
		return c
	}
	if r, ok := b.store.(Reader); ok && code != "" {
		if c, found, err := r.Code(code); err == nil && found {
			b.codes[c.Code] = &c
			return &c
		}
	}
	return nil
}

// tokenLocked finds a token by app_auth_token, or by refresh token when
// byRefresh, in memory, else in a shared store; the lock is held.
func (b *Book) tokenLocked(s string, byRefresh bool) *Token {
	m := b.tokens
	if byRefresh {
		m = b.byRef
	}
	if t := m[s]; t != nil {
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
	b.tokens[t.AppAuthToken], b.byRef[t.RefreshToken] = &t, &t
	return &t
}
