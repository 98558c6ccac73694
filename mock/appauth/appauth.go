// Package appauth is third-party app authorisation (第三方应用授权): a
// merchant authorises an ISV's app, the ISV exchanges the one-time
// app_auth_code for an app_auth_token with alipay.open.auth.token.app, and
// requests carrying the token act for the merchant. Plain Go, time from an
// injected clock.
package appauth

import (
	"sort"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// Lifetimes, as production gives them: a code is good once within 24 h;
// tokens last 365 days (expires_in 31536000), refresh tokens 372 days
// (re_expires_in 32140800).
const (
	CodeLifetime    = 24 * time.Hour
	TokenLifetime   = 365 * 24 * time.Hour
	RefreshLifetime = 372 * 24 * time.Hour
)

// Merchant is the authorising side: its app (auth_app_id), its account
// (user_id) and the seller its trades belong to.
type Merchant struct {
	AuthAppID string          `json:"auth_app_id"`
	Seller    fixtures.Seller `json:"seller"`
}

// Code is an app_auth_code: what the merchant's click hands the ISV.
type Code struct {
	Code     string    `json:"app_auth_code"`
	ISVAppID string    `json:"app_id"`
	Merchant Merchant  `json:"merchant"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	Used     bool      `json:"used"`
}

// Token is an app_auth_token with its refresh token.
type Token struct {
	AppAuthToken   string    `json:"app_auth_token"`
	RefreshToken   string    `json:"app_refresh_token"`
	ISVAppID       string    `json:"app_id"`
	Merchant       Merchant  `json:"merchant"`
	Created        time.Time `json:"created"`
	Expires        time.Time `json:"expires"`
	RefreshExpires time.Time `json:"refresh_expires"`
	// Refreshed is set once the refresh token was used; it stays usable
	// until RefreshExpires, as production says.
	Refreshed bool `json:"refreshed,omitempty"`
}

// Errors of alipay.open.auth.token.app (40004, sub_codes without a prefix;
// the texts are inferred) and of requests carrying app_auth_token (20001).
var (
	ErrGrantType         = apierr.Business("GRANT_TYPE_INVALID", "grant_type参数不正确")
	ErrCodeNotExist      = apierr.Business("AUTH_CODE_NOT_EXIST", "授权码不存在")
	ErrCodeNotValid      = apierr.Business("AUTH_CODE_NOT_VALID", "授权码无效")
	ErrAppIDInconsistent = apierr.Business("APP_ID_NOT_CONSISTENT", "授权码或刷新令牌与当前应用不一致")
	ErrRefreshNotExist   = apierr.Business("REFRESH_TOKEN_NOT_EXIST", "刷新令牌不存在")
	ErrRefreshTimeOut    = apierr.Business("REFRESH_TOKEN_TIME_OUT", "刷新令牌已过期")

	ErrInvalidToken = apierr.New(apierr.CodeTokenInvalid, "aop.invalid-app-auth-token", "无效的应用授权令牌")
	ErrTokenTimeOut = apierr.New(apierr.CodeTokenInvalid, "aop.app-auth-token-time-out", "应用授权令牌已过期")
)

// Store is where the book writes codes and tokens through when
// persistence is on.
type Store interface {
	PutCode(Code) error
	PutToken(Token) error
}

// Book holds codes and tokens. Safe for concurrent use.
type Book struct {
	mu     sync.Mutex
	clock  clock.Clock
	ids    *fixtures.Generator
	codes  map[string]*Code
	tokens map[string]*Token // by app_auth_token
	byRef  map[string]*Token // by refresh token
	store  Store
}

// NewBook makes an empty book.
func NewBook(c clock.Clock, ids *fixtures.Generator) *Book {
	return &Book{clock: c, ids: ids, codes: map[string]*Code{}, tokens: map[string]*Token{}, byRef: map[string]*Token{}}
}

// token is production's shape: the month, "BB", 32 hex characters.
func (b *Book) token(now time.Time) string {
	return now.Format("200601") + "BB" + b.ids.UUIDHex()
}

// NewMerchant makes a merchant that has no app registered in the mock.
func (b *Book) NewMerchant() Merchant {
	return Merchant{AuthAppID: "2021" + b.ids.UserID()[4:], Seller: b.ids.Seller()}
}

// Authorise is the merchant's click: a new app_auth_code for isvAppID.
func (b *Book) Authorise(isvAppID string, m Merchant) (Code, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	c := &Code{Code: b.ids.UUIDHex(), ISVAppID: isvAppID, Merchant: m, Created: now, Expires: now.Add(CodeLifetime)}
	if err := b.putCode(c); err != nil {
		return Code{}, err
	}
	b.codes[c.Code] = c
	return *c, nil
}

func (b *Book) putCode(c *Code) error {
	if b.store == nil {
		return nil
	}
	return b.store.PutCode(*c)
}

func (b *Book) putToken(t *Token) error {
	if b.store == nil {
		return nil
	}
	return b.store.PutToken(*t)
}

// Exchange trades a code for a token (grant_type authorization_code).
func (b *Book) Exchange(isvAppID, code string) (Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	c := b.codeLocked(code)
	switch {
	case c == nil:
		return Token{}, ErrCodeNotExist
	case c.ISVAppID != isvAppID:
		return Token{}, ErrAppIDInconsistent
	case c.Used || !now.Before(c.Expires):
		return Token{}, ErrCodeNotValid
	}
	c.Used = true
	if err := b.putCode(c); err != nil {
		c.Used = false // not stored, so not spent
		return Token{}, err
	}
	return b.issue(isvAppID, c.Merchant, now, now.Add(RefreshLifetime))
}

func (b *Book) issue(isvAppID string, m Merchant, now, refreshExpires time.Time) (Token, error) {
	t := &Token{AppAuthToken: b.token(now), RefreshToken: b.token(now), ISVAppID: isvAppID, Merchant: m,
		Created: now, Expires: now.Add(TokenLifetime), RefreshExpires: refreshExpires}
	if err := b.putToken(t); err != nil {
		return Token{}, err
	}
	b.tokens[t.AppAuthToken], b.byRef[t.RefreshToken] = t, t
	return *t, nil
}

// Refresh issues a new token from a refresh token (grant_type
// refresh_token). The old tokens keep working until they expire.
func (b *Book) Refresh(isvAppID, refresh string) (Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	old := b.tokenLocked(refresh, true)
	switch {
	case old == nil:
		return Token{}, ErrRefreshNotExist
	case old.ISVAppID != isvAppID:
		return Token{}, ErrAppIDInconsistent
	case !now.Before(old.RefreshExpires):
		return Token{}, ErrRefreshTimeOut
	}
	old.Refreshed = true
	if err := b.putToken(old); err != nil {
		return Token{}, err
	}
	return b.issue(isvAppID, old.Merchant, now, now.Add(RefreshLifetime))
}

// Resolve finds the merchant a request's app_auth_token acts for: 20001
// when the token is unknown, another app's, or expired.
func (b *Book) Resolve(isvAppID, token string) (Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.tokenLocked(token, false)
	switch {
	case t == nil || t.ISVAppID != isvAppID:
		return Token{}, ErrInvalidToken
	case !b.clock.Now().Before(t.Expires):
		return Token{}, ErrTokenTimeOut
	}
	return *t, nil
}

// Tokens lists the tokens issued to an app (all apps when empty), oldest first.
func (b *Book) Tokens(isvAppID string) []Token {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []Token{}
	for _, t := range b.tokens {
		if isvAppID == "" || t.ISVAppID == isvAppID {
			out = append(out, *t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// Persist makes the book write through s from now on.
func (b *Book) Persist(s Store) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store = s
}

// Restore puts stored codes and tokens back.
func (b *Book) Restore(codes []Code, tokens []Token) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range codes {
		c := codes[i]
		b.codes[c.Code] = &c
	}
	for i := range tokens {
		t := tokens[i]
		b.tokens[t.AppAuthToken], b.byRef[t.RefreshToken] = &t, &t
	}
}
