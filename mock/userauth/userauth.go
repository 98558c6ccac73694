// Package userauth is user authorisation (用户授权, sign-in with Alipay):
// a user consents on the authorisation page, the app exchanges the
// one-time auth_code for an access token with alipay.system.oauth.token,
// and alipay.user.info.share with that token tells the app who the user
// is. Plain Go, time from an injected clock.
package userauth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/bounded"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Lifetimes. A code is good once, within 3 minutes: production promises
// "不会低于 3 分钟，同时也不会超过 24 小时" and the mock holds apps to the
// shortest. Tokens: expires_in 1296000 (15 days) and re_expires_in 2592000
// (30 days), the values production's answers carry. A consent form is good
// for 10 minutes (the mock's own; production's login page has its own).
const (
	CodeLifetime    = 3 * time.Minute
	TokenLifetime   = 1296000 * time.Second
	RefreshLifetime = 2592000 * time.Second
	FormLifetime    = 10 * time.Minute
)

// Bounds on what the book keeps: on a frozen clock nothing expires, so past
// a bound the oldest of the app holding the most goes: one app's flood
// evicts its own forms, codes and tokens while it holds the most (an app
// holding more loses its oldest).
const (
	MaxForms  = 1024
	MaxCodes  = 4096
	MaxTokens = 16384
)

// Scopes an authorisation URL may ask for.
const (
	ScopeBase = "auth_base" // silent: the user id only
	ScopeUser = "auth_user" // the profile too (alipay.user.info.share)
)

var errScope = errors.New("scope must be auth_user or auth_base (or both, comma-separated)")

// ParseScope reads the scope an app asks for, on the sign-in page and at
// the control API alike: auth_user, auth_base or both comma-separated
// (the token then has the wider, auth_user).
func ParseScope(s string) (string, error) {
	if s == "" {
		return "", errScope
	}
	out := ScopeBase
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case ScopeUser:
			out = ScopeUser
		case ScopeBase:
		default:
			return "", errScope
		}
	}
	return out, nil
}

// Form is an authorisation page shown to a user: what the app asked for,
// kept under a one-time token the consent form posts back.
type Form struct {
	Token       string    `json:"token"`
	AppID       string    `json:"app_id"`
	Scope       string    `json:"scope"`
	RedirectURI string    `json:"redirect_uri"`
	State       string    `json:"state,omitempty"`
	Expires     time.Time `json:"expires"`
	// Made is the order it was made in, as Code's.
	Made int64 `json:"made,omitempty"`
}

// Callback is where the consent sends the browser: redirect_uri with the
// parameters production adds (app_id, source, scope, auth_code, and state
// when the app sent one).
func (f Form) Callback(code string) string {
	q := url.Values{"app_id": {f.AppID}, "source": {"alipay_wallet"}, "scope": {f.Scope}, "auth_code": {code}}
	if f.State != "" {
		q.Set("state", f.State)
	}
	return apps.AuthCallback(f.RedirectURI, q)
}

// Code is an auth_code: what the user's consent hands the app.
type Code struct {
	Code    string    `json:"auth_code"`
	AppID   string    `json:"app_id"`
	UserID  string    `json:"user_id"`
	Scope   string    `json:"scope"`
	Created time.Time `json:"created"`
	// Made is the order it was made in (bounded.Made; 0 when stored
	// before it was): what orders codes at a restart (bounded.ByMade).
	Made    int64     `json:"made,omitempty"`
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used,omitempty"`
}

// Token is an access token with its refresh token.
type Token struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	AppID        string `json:"app_id"`
	UserID       string `json:"user_id"`
	Scope        string `json:"scope"`
	// AuthStart is when the access token's lifetime began (auth_start).
	AuthStart time.Time `json:"auth_start"`
	// Made is the order it was made in, as Code's.
	Made           int64     `json:"made,omitempty"`
	Expires        time.Time `json:"expires"`
	RefreshExpires time.Time `json:"refresh_expires"`
	// Replaced is set once the refresh token was used: production makes
	// the old access and refresh tokens invalid at once. The book then lets
	// the pair go (it answers as one never made); the store holds it
	// replaced, written with its successor, until it is deleted (Restore
	// deletes any left).
	Replaced bool `json:"replaced,omitempty"`
}

// Store is where the book writes codes and tokens through when
// persistence is on (consent forms are not kept: they last minutes; with
// replicas they are shared: FormStore). A code or token the store failed
// to write is not issued, and a code whose spending it failed to write is
// not exchanged (trade.StoreFailed); a deletion's failed write leaves
// nothing in force (a replaced pair is stored as such first), so it is
// the store's to report. A store replicas share answers a code another
// replica spent first ErrCodeInvalid, a pair it replaced first
// ErrRefreshInvalid: verdicts, not failures.
type Store interface {
	// PutUserCode stores a code; one marked Used only over a stored
	// copy that is not.
	PutUserCode(Code) error
	// PutUserToken stores tokens in one write: all of them or none; one
	// marked Replaced only over a stored copy that is not.
	PutUserToken(...Token) error
	// DeleteUserAuth deletes codes and tokens by code and access token.
	DeleteUserAuth(keys []string) error
}

// Errors of alipay.system.oauth.token, answered in error_response (40002;
// alipay-easysdk's OAuth tests and captured answers give code, msg,
// sub_code and the sub_msg of isv.code-invalid and
// isv.refresh-token-invalid, yansongda/pay#527 those of
// isv.isv.grant-type-invalid, its prefix doubled; the other sub_msgs are
// inferred), and of
// requests carrying auth_token (20001, the gateway's error table).
var (
	ErrGrantType      = apierr.Invalid("isv.isv.grant-type-invalid", "grant_type参数不正确")
	ErrCodeInvalid    = apierr.Invalid("isv.code-invalid", "授权码code无效")
	ErrRefreshInvalid = apierr.Invalid("isv.refresh-token-invalid", "刷新令牌refresh_token无效")
	ErrRefreshTimeOut = apierr.Invalid("isv.refresh-token-time-out", "刷新令牌refresh_token已过期")
	ErrUnmatchedApp   = apierr.Invalid("isv.unmatched-app-id", "调用接口的应用标识(app_id)与令牌授权的应用不相符")

	ErrInvalidToken = apierr.New(apierr.CodeTokenInvalid, "aop.invalid-auth-token", "无效的访问令牌")
	ErrTokenTimeOut = apierr.New(apierr.CodeTokenInvalid, "aop.auth-token-time-out", "访问令牌已过期")
)

// ErrFormUnknown is a consent form whose token is unknown, used or expired.
var ErrFormUnknown = fmt.Errorf("userauth: the authorisation page expired or was already used: open the authorisation URL again")

// Book holds forms, codes and tokens. Safe for concurrent use.
type Book struct {
	mu     sync.Mutex
	clock  clock.Clock
	forms  bounded.Map[*Form]
	codes  bounded.Map[*Code]
	tokens bounded.Map[*Token] // by access token
	byRef  map[string]*Token
	// opens are the users of the pairs kept, by app and open id
	// (SignedIn): as bounded as the pairs.
	opens map[string]*signedIn
	store Store
	// shared, when replicas share a database, holds the forms for all.
	shared FormStore
	// dropping, while Restore runs, collects the keys to delete in one
	// call (one commit) instead of one each.
	dropping *[]string
}

// NewBook makes an empty book.
func NewBook(c clock.Clock) *Book {
	return &Book{clock: c, forms: bounded.Grouped(bounded.New[*Form](MaxForms), func(f *Form) string { return f.AppID }),
		codes:  bounded.Grouped(bounded.New[*Code](MaxCodes), func(c *Code) string { return c.AppID }),
		tokens: bounded.Grouped(bounded.New[*Token](MaxTokens), func(t *Token) string { return t.AppID }),
		byRef:  map[string]*Token{}, opens: map[string]*signedIn{}}
}

// signedIn is a user some kept pairs of an app are for.
type signedIn struct {
	user string
	n    int // pairs kept
}

func openKey(app, openID string) string { return app + "\x00" + openID }

// index counts (1) or uncounts (-1) a pair kept in opens; the lock is held.
func (b *Book) index(t *Token, d int) {
	k := openKey(t.AppID, fixtures.OpenID(t.AppID, t.UserID))
	e := b.opens[k]
	if e == nil {
		if d < 0 {
			return
		}
		e = &signedIn{user: t.UserID}
		b.opens[k] = e
	}
	if e.n += d; e.n <= 0 {
		delete(b.opens, k)
	}
}

// SignedIn is the user whose open id for app is openID, when a pair of
// the app's sign-in for that user is kept: the app learnt the open id from
// it (alipay.system.oauth.token), and may pay the user with it.
func (b *Book) SignedIn(app, openID string) (userID string, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.opens[openKey(app, openID)]; e != nil {
		return e.user, true
	}
	return "", false
}

// Persist makes the book write through s from now on.
func (b *Book) Persist(s Store) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store = s
}

// Restore makes the stored codes and tokens the book's, oldest first (in
// the order they were made in: bounded.ByMade), within the book's bounds
// (what does not fit, and a replaced pair, is deleted from the store too,
// in one call). A replica calls it with everything stored at start and
// when it may have missed changes (Heard applies the others): each
// refills in the same order, so past a bound every replica evicts the
// same.
func (b *Book) Restore(codes []Code, tokens []Token) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes, b.tokens, b.byRef, b.opens = b.codes.Empty(), b.tokens.Empty(), map[string]*Token{}, map[string]*signedIn{}
	var gone []string
	b.dropping = &gone
	defer func() {
		b.dropping = nil
		if len(gone) > 0 && b.store != nil {
			_ = b.store.DeleteUserAuth(gone)
		}
	}()
	byMade(codes, tokens)
	for i := range codes {
		c := codes[i]
		b.keepCode(&c)
	}
	for i := range tokens {
		t := tokens[i]
		if t.Replaced {
			b.drop(t.AccessToken)
			continue
		}
		b.keepToken(&t)
	}
}

// byMade sorts codes and tokens in the order they were made in.
func byMade(codes []Code, tokens []Token) {
	slices.SortStableFunc(codes, func(a, b Code) int {
		return bounded.ByMade(bounded.MadeOr(a.Made, a.Created), a.Code, bounded.MadeOr(b.Made, b.Created), b.Code)
	})
	slices.SortStableFunc(tokens, func(a, b Token) int {
		return bounded.ByMade(bounded.MadeOr(a.Made, a.AuthStart), a.AccessToken, bounded.MadeOr(b.Made, b.AuthStart), b.AccessToken)
	})
}

// Changes are sign-in rows a shared store announced written or deleted:
// the codes and tokens as stored now, the keys of those gone.
type Changes struct {
	Codes      []Code
	Tokens     []Token
	GoneCodes  []string
	GoneTokens []string
}

// Heard applies what a replica (this one too) wrote to a shared store:
// the rows it changed as stored now, in the order made, and those it
// deleted (the store's bound's too: Bounder); a pair stored replaced
// goes. What this puts past a bound leaves the book only: a row still
// stored is read again where used.
func (b *Book) Heard(ch Changes) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range ch.GoneCodes {
		b.codes.Del(k)
	}
	for _, k := range ch.GoneTokens {
		b.forgetToken(k)
	}
	byMade(ch.Codes, ch.Tokens)
	for i := range ch.Codes {
		c := ch.Codes[i]
		b.holdCode(&c)
	}
	for i := range ch.Tokens {
		t := ch.Tokens[i]
		if t.Replaced {
			b.forgetToken(t.AccessToken)
			continue
		}
		b.holdToken(&t)
	}
}

// forgetToken lets the pair of an access token go from the book only.
func (b *Book) forgetToken(access string) {
	if t, ok := b.tokens.Get(access); ok {
		delete(b.byRef, t.RefreshToken)
		b.tokens.Del(access)
		b.index(t, -1)
	}
}

// saveCode writes c through; a failed write is trade.StoreFailed.
func (b *Book) saveCode(c *Code) error {
	if b.store == nil {
		return nil
	}
	return trade.StoreFailedUnlessAnswer(b.store.PutUserCode(*c))
}

// saveTokens writes ts through in one write; a failed write is
// trade.StoreFailed.
func (b *Book) saveTokens(ts ...Token) error {
	if b.store == nil {
		return nil
	}
	return trade.StoreFailedUnlessAnswer(b.store.PutUserToken(ts...))
}

func (b *Book) drop(key string) {
	switch {
	case b.dropping != nil:
		*b.dropping = append(*b.dropping, key)
	case b.store != nil:
		_ = b.store.DeleteUserAuth([]string{key})
	}
}

// Open keeps a form for the page to show and returns it with its token.
// The token comes from crypto/rand: it is all that guards the consent. A
// form the shared store failed to take is trade.StoreFailed: not shown.
func (b *Book) Open(f Form) (Form, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f.Token = randomHex(16)
	f.Expires = b.clock.Now().Add(FormLifetime)
	f.Made = bounded.Made()
	if b.shared != nil {
		if err := b.shared.PutAuthForm(f); err != nil {
			return Form{}, trade.StoreFailed(err)
		}
	}
	b.keepForm(&f)
	return f, nil
}

// Form finds an open form without using it up. A form the shared store
// failed to read is trade.StoreFailed, not ErrFormUnknown.
func (b *Book) Form(token string) (Form, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := b.openForm(token)
	if err != nil {
		return Form{}, err
	}
	return *f, nil
}

// Consent is the user's yes: it uses the form up and issues an auth_code
// for userID. A code the store failed to write is trade.StoreFailed: no
// code, and the form stays open for the retry. With shared forms the code
// is kept only once the form is spent in the database (spend): a form
// another replica spent first is ErrFormUnknown, one the database failed
// to spend trade.StoreFailed (open still), and no code is handed out.
func (b *Book) Consent(token, userID string) (Form, Code, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	f, err := b.openForm(token)
	if err != nil {
		return Form{}, Code{}, err
	}
	c := newCode(f.AppID, userID, f.Scope, now)
	if err := b.saveCode(c); err != nil {
		return Form{}, Code{}, err
	}
	if err := b.spend(token); err != nil {
		b.drop(c.Code) // stored, never handed out
		return Form{}, Code{}, err
	}
	b.keepCode(c)
	return *f, *c, nil
}

// Grant issues an auth_code as if userID had consented on the page: for
// tests that skip the browser (POST /_mock/user-auth-codes). A code the
// store failed to write is trade.StoreFailed.
func (b *Book) Grant(appID, scope, userID string) (Code, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.code(appID, userID, scope, b.clock.Now())
}

// code makes a code and keeps it once it is stored.
func (b *Book) code(appID, userID, scope string, now time.Time) (Code, error) {
	c := newCode(appID, userID, scope, now)
	if err := b.saveCode(c); err != nil {
		return Code{}, err
	}
	b.keepCode(c)
	return *c, nil
}

// newCode is a code for userID, neither stored nor kept yet.
func newCode(appID, userID, scope string, now time.Time) *Code {
	return &Code{Code: codeText(userID), AppID: appID, UserID: userID, Scope: scope, Created: now, Made: bounded.Made(),
		Expires: now.Add(CodeLifetime)}
}

// Decline is the user's no: it uses the form up.
func (b *Book) Decline(token string) (Form, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := b.openForm(token)
	if err != nil {
		return Form{}, err
	}
	if err := b.spend(token); err != nil {
		return Form{}, err
	}
	return *f, nil
}

// Exchange trades a code for a token (grant_type authorization_code). A
// code is spent by any attempt, as production says ("使用后就失效（无论是否
// 调用成功）"); another app's code is invalid for the caller. A spending
// the store failed to write is trade.StoreFailed and the code stays
// unspent (as stored): a token issued then would let a restart exchange
// the code again. With a shared store the spending is the database's
// conditional write: one replica's wins, any other's is ErrCodeInvalid.
func (b *Book) Exchange(appID, code string) (Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	c, err := b.codeLocked(code)
	switch {
	case err != nil:
		return Token{}, err
	case c == nil || c.Used:
		return Token{}, ErrCodeInvalid
	}
	c.Used = true
	if err := b.saveCode(c); err != nil {
		if !errors.Is(err, ErrCodeInvalid) { // else spent on another replica: so it is here
			c.Used = false
		}
		return Token{}, err
	}
	if c.AppID != appID || !now.Before(c.Expires) {
		return Token{}, ErrCodeInvalid
	}
	t := b.mint(c.AppID, c.UserID, c.Scope, now, now.Add(RefreshLifetime))
	if err := b.saveTokens(*t); err != nil {
		return Token{}, err // the code stays spent
	}
	b.keepToken(t)
	return *t, nil
}

// Refresh issues a new token from a refresh token (grant_type
// refresh_token): the old access and refresh tokens stop working at once,
// and the new refresh token keeps the old one's deadline (re_expires_in
// goes down). The old pair then answers as one never made, so it goes:
// kept, a chain of refreshes filled the bound and evicted older tokens
// still in use.
func (b *Book) Refresh(appID, refresh string) (Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	old, err := b.tokenLocked(refresh, true)
	switch {
	case err != nil:
		return Token{}, err
	case old == nil || old.Replaced:
		return Token{}, ErrRefreshInvalid
	case old.AppID != appID:
		return Token{}, ErrUnmatchedApp
	case !now.Before(old.RefreshExpires):
		return Token{}, ErrRefreshTimeOut
	}
	t := b.mint(old.AppID, old.UserID, old.Scope, now, old.RefreshExpires)
	// The new pair and the old one marked replaced are stored in one
	// write: a restart finds the old pair in force and no new one, or the
	// new one and the old replaced (Restore deletes it), never both in
	// force, never neither.
	gone := *old
	gone.Replaced = true
	if err := b.saveTokens(*t, gone); err != nil {
		if errors.Is(err, ErrRefreshInvalid) { // replaced (or deleted) on another replica first
			b.forgetToken(old.AccessToken)
		}
		return Token{}, err // else the old pair stays in force: the retry works
	}
	old.Replaced = true
	// The old pair goes first, so that at the bound the new one takes its
	// place and evicts no other user's.
	b.forgetToken(old.AccessToken)
	b.keepToken(t)
	b.drop(old.AccessToken) // stored replaced: a failed delete leaves nothing in force
	return *t, nil
}

// mint makes a pair; the caller stores it before issuing it.
func (b *Book) mint(appID, userID, scope string, now, refreshExpires time.Time) *Token {
	return &Token{AccessToken: tokenText(userID), RefreshToken: tokenText(userID), AppID: appID, UserID: userID,
		Scope: scope, AuthStart: now, Made: bounded.Made(), Expires: now.Add(TokenLifetime), RefreshExpires: refreshExpires}
}

// keepToken keeps a pair mint made (or one restored); a pair evicted
// to make room goes from the store too, unless the store bounds its own
// (Bounder) and this is not Restore.
func (b *Book) keepToken(t *Token) {
	gone := b.holdToken(t)
	if b.caches() {
		return
	}
	for _, old := range gone {
		b.drop(old.AccessToken)
	}
}

// holdToken keeps a pair and returns those evicted to make room, gone
// from the book only.
func (b *Book) holdToken(t *Token) []*Token {
	if old, had := b.tokens.Get(t.AccessToken); had {
		b.index(old, -1)
	}
	b.index(t, 1)
	gone := b.tokens.Put(t.AccessToken, t)
	for _, old := range gone {
		delete(b.byRef, old.RefreshToken)
		b.index(old, -1)
	}
	b.byRef[t.RefreshToken] = t
	return gone
}

// keepCode keeps a code; one evicted to make room goes from the store
// too, as keepToken's.
func (b *Book) keepCode(c *Code) {
	gone := b.holdCode(c)
	if b.caches() {
		return
	}
	for _, old := range gone {
		b.drop(old.Code)
	}
}

// holdCode keeps a code and returns those evicted to make room, gone
// from the book only.
func (b *Book) holdCode(c *Code) []*Code { return b.codes.Put(c.Code, c) }

// Resolve finds the user an auth_token speaks for: 20001
// aop.invalid-auth-token when it is unknown, another app's or replaced,
// aop.auth-token-time-out when it expired; trade.StoreFailed when a
// shared store failed to read one this replica has not heard of.
func (b *Book) Resolve(appID, token string) (Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, err := b.tokenLocked(token, false)
	switch {
	case err != nil:
		return Token{}, err
	case t == nil || t.AppID != appID || t.Replaced:
		return Token{}, ErrInvalidToken
	case !b.clock.Now().Before(t.Expires):
		return Token{}, ErrTokenTimeOut
	}
	return *t, nil
}

// codeText is production's shape of an auth_code: 28 hex digits, two
// capital letters and two digits (fe1ae5abacd54ba2a6c8f6902533TX64); the
// digits are the user's, as the tokens issued for it end in them too.
func codeText(userID string) string {
	r := randomHex(14)
	return r + string(rune('A'+r[0]%26)) + string(rune('A'+r[1]%26)) + userDigits(userID)
}

// tokenText is production's shape of access and refresh tokens: "authusrB",
// 29 hex digits, a capital letter and the user's two digits
// (authusrB3379f70b688f4a63a3d5a5fdbea72X83).
func tokenText(userID string) string {
	r := randomHex(15)
	return "authusrB" + r[:29] + string(rune('A'+r[29]%26)) + userDigits(userID)
}

func userDigits(userID string) string {
	h := fnv.New32a()
	h.Write([]byte(userID))
	return fmt.Sprintf("%02d", h.Sum32()%100)
}

// randomHex is 2n hex digits from crypto/rand: codes and tokens are
// secrets, never drawn from the ids' generator, which --seed makes
// predictable.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// Len is how many forms, codes and tokens the book holds.
func (b *Book) Len() (forms, codes, tokens int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.forms.Len(), b.codes.Len(), b.tokens.Len()
}
