// Package appauth is third-party app authorisation (第三方应用授权): a
// merchant authorises an ISV's app, the ISV exchanges the one-time
// app_auth_code for an app_auth_token with alipay.open.auth.token.app, and
// requests carrying the token act for the merchant. Plain Go, time from an
// injected clock.
package appauth

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/bounded"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Lifetimes, as production gives them: a code is good once within 24 h;
// a refresh token lasts 372 days (re_expires_in 32140800). An
// app_auth_token's answer says 365 days (expires_in 31536000), but the
// token lasts until a new one is issued for the same ISV and merchant:
// "app_auth_token 在没有重新授权、取消授权或刷新授权的情况下，永久有效"
// (Alipay's 授权 FAQ; "该字段已作废，应用令牌长期有效" on expires_in in
// the SDKs' AlipayOpenAuthTokenAppResponse).
const (
	CodeLifetime    = 24 * time.Hour
	TokenLifetime   = 365 * 24 * time.Hour
	RefreshLifetime = 372 * 24 * time.Hour
	// RefreshGrace is how long a replaced app_auth_token keeps working:
	// "刷新令牌后，我们会保证老的app_auth_token从刷新开始10分钟内可继续使用"
	// (the field description of app_refresh_token in Alipay's SDKs, e.g.
	// AlipayOpenAuthTokenAppResponse). A re-authorisation's old token gets
	// the same (inferred: the FAQ says only "旧的值会失效").
	RefreshGrace = 10 * time.Minute
)

// never is the end of a token in use: nothing but a newer one ends it.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Bounds on what the book keeps, as mock/userauth's: on a frozen clock
// nothing expires, so past the bound the ISV app holding the most loses
// its spent tokens first (see spent), soonest end first, and only then its
// oldest (codes: the oldest of the app holding the most). Another app's
// spent tokens stay: their grace and refresh tokens still work.
const (
	MaxCodes  = 4096
	MaxTokens = 16384
	// ExpiredKept is how long a replaced token is still kept past its
	// refresh token's term, so that a late refresh gets
	// REFRESH_TOKEN_TIME_OUT rather than "does not exist"; then it goes.
	// Production keeps its records; the number is the mock's (inferred),
	// to bound memory.
	ExpiredKept = 30 * 24 * time.Hour
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
	// Made is the order it was made in (bounded.Made; 0 when stored
	// before it was): what orders codes at a restart (bounded.ByMade).
	Made    int64     `json:"made,omitempty"`
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used"`
}

// Callback is where the merchant's consent sends the browser:
// redirectURI with source=alipay_app_auth (production's, as ISVs log it),
// the ISV's app_id, the app_auth_code and the ISV's state when it sent one
// (inferred, as sign-in's).
func (c Code) Callback(redirectURI, state string) string {
	q := url.Values{"source": {"alipay_app_auth"}, "app_id": {c.ISVAppID}, "app_auth_code": {c.Code}}
	if state != "" {
		q.Set("state", state)
	}
	return apps.AuthCallback(redirectURI, q)
}

// Token is an app_auth_token with its refresh token.
type Token struct {
	AppAuthToken string   `json:"app_auth_token"`
	RefreshToken string   `json:"app_refresh_token"`
	ISVAppID     string   `json:"app_id"`
	Merchant     Merchant `json:"merchant"`
	// Grant is the app_auth_code of the authorisation the token comes
	// from, by exchange or refresh; Gen counts the tokens of its ISV and
	// merchant before it, 1 for the first (0: stored before gen was); a
	// shared store gives it (Issuer).
	Grant   string    `json:"grant,omitempty"`
	Gen     uint64    `json:"gen,omitempty"`
	Created time.Time `json:"created"`
	// Made is the order it was made in, as Code's.
	Made int64 `json:"made,omitempty"`
	// Expires is what expires_in says; the token does not end then.
	Expires        time.Time `json:"expires"`
	RefreshExpires time.Time `json:"refresh_expires"`
	// Refreshed is set once the refresh token was first used, at
	// RefreshedAt; it works on until RefreshExpires (see Book.Refresh).
	Refreshed   bool       `json:"refreshed,omitempty"`
	RefreshedAt *time.Time `json:"refreshed_at,omitempty"`
	// ReplacedAt is when a newer token for the same ISV and merchant was
	// issued (a re-authorisation, or a refresh with an older refresh
	// token). The book derives it from the tokens it holds (newer).
	ReplacedAt *time.Time `json:"replaced_at,omitempty"`
}

// pair is the ISV and merchant t acts between: one token is theirs at a time.
func (t *Token) pair() string { return t.ISVAppID + "\x00" + t.Merchant.AuthAppID }

// newer reports whether t came after o, of the same pair: by Gen, then
// Created; of two made at once the one in use, as a refreshed or replaced
// token's successor is.
func (t *Token) newer(o *Token) bool {
	switch {
	case t.Gen != o.Gen:
		return t.Gen > o.Gen
	case !t.Created.Equal(o.Created):
		return t.Created.After(o.Created)
	}
	return !t.spent() && o.spent()
}

// replace notes that a newer token for t's pair was issued at.
func (t *Token) replace(at time.Time) {
	if t.ReplacedAt == nil {
		t.ReplacedAt = &at
	}
}

// graceEnds is when t stops working: RefreshGrace after it was refreshed
// or replaced, never while neither happened.
func (t *Token) graceEnds() time.Time {
	end := never
	if t.Refreshed {
		if t.RefreshedAt == nil { // stored before refreshed_at was
			return time.Time{}
		}
		end = t.RefreshedAt.Add(RefreshGrace)
	}
	if t.ReplacedAt != nil && t.ReplacedAt.Add(RefreshGrace).Before(end) {
		end = t.ReplacedAt.Add(RefreshGrace)
	}
	return end
}

// end is when the book lets t go: never while it is in use; once spent,
// when its grace is over and its refresh token's term ended ExpiredKept
// ago, whichever is later.
func (t *Token) end() time.Time {
	if !t.spent() {
		return never
	}
	last := t.graceEnds()
	if r := t.RefreshExpires.Add(ExpiredKept); r.After(last) {
		last = r
	}
	return last
}

// dead reports whether the book lets t go at now (see end).
func (t *Token) dead(now time.Time) bool { return !now.Before(t.end()) }

// spent reports whether t is no longer a merchant's authorisation:
// refreshed or replaced (a newer token is; at most its grace and its
// refresh token are left). Every token in use ends never: the head of the
// queue by end is where the spent ones are.
func (t *Token) spent() bool { return t.Refreshed || t.ReplacedAt != nil }

// Errors of alipay.open.auth.token.app (40004, sub_codes without a prefix;
// the texts are inferred) and of requests carrying app_auth_token (20001;
// production's aop.app-auth-token-time-out is not given: tokens do not
// expire).
var (
	ErrGrantType         = apierr.Business("GRANT_TYPE_INVALID", "grant_type参数不正确")
	ErrCodeNotExist      = apierr.Business("AUTH_CODE_NOT_EXIST", "授权码不存在")
	ErrCodeNotValid      = apierr.Business("AUTH_CODE_NOT_VALID", "授权码无效")
	ErrAppIDInconsistent = apierr.Business("APP_ID_NOT_CONSISTENT", "授权码或刷新令牌与当前应用不一致")
	ErrRefreshNotExist   = apierr.Business("REFRESH_TOKEN_NOT_EXIST", "刷新令牌不存在")
	ErrRefreshNotValid   = apierr.Business("REFRESH_TOKEN_NOT_VALID", "刷新令牌无效")
	ErrRefreshTimeOut    = apierr.Business("REFRESH_TOKEN_TIME_OUT", "刷新令牌已过期")

	ErrInvalidToken = apierr.New(apierr.CodeTokenInvalid, "aop.invalid-app-auth-token", "无效的应用授权令牌")
)

// Store is where the book writes codes and tokens through when
// persistence is on. Storing a token marked Refreshed whose stored copy
// already is answers ErrRefreshNotValid when the store is shared.
type Store interface {
	PutCode(Code) error
	PutToken(Token) error
	// DeleteAppAuth deletes codes and tokens by code and app_auth_token.
	DeleteAppAuth(keys []string) error
}

// Book holds codes and tokens. Safe for concurrent use.
type Book struct {
	mu     sync.Mutex
	clock  clock.Clock
	ids    *fixtures.Generator
	codes  bounded.Map[*Code]
	tokens bounded.Map[*Token] // by app_auth_token
	byRef  map[string]*Token   // by refresh token
	// current is the newest token of each pair (Token.pair) kept.
	current map[string]*Token
	// named counts the codes and tokens kept that name each merchant's
	// app (Knows); onForget is told, the lock held, of one no longer named.
	named    map[string]int
	onForget func(authAppID string)
	store    Store
}

// NewBook makes an empty book.
func NewBook(c clock.Clock, ids *fixtures.Generator) *Book {
	return &Book{clock: c, ids: ids, codes: bounded.Grouped(bounded.NewUntil(MaxCodes, codeEnd), codeApp), tokens: newTokens(),
		byRef: map[string]*Token{}, current: map[string]*Token{}, named: map[string]int{}}
}

// OnForget registers a function told, with the book's lock held, of a
// merchant's app once no code or token kept names it (Knows turns false).
func (b *Book) OnForget(f func(authAppID string)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onForget = f
}

// name counts (1) or uncounts (-1) a code or token naming app; the lock is
// held.
func (b *Book) name(app string, d int) {
	if b.named[app] += d; b.named[app] > 0 {
		return
	}
	delete(b.named, app)
	if b.onForget != nil {
		b.onForget(app)
	}
}

// newTokens is an empty map of tokens, each going at its end, grouped by
// ISV app.
func newTokens() bounded.Map[*Token] {
	return bounded.SpentFirst(bounded.Grouped(bounded.NewUntil(MaxTokens, (*Token).end), tokenApp), (*Token).spent)
}

// codeEnd is when a code goes, used or not: its deadline.
func codeEnd(c *Code) time.Time { return c.Expires }

// codeApp and tokenApp are what the bounds group by: the ISV's app, so
// that past a bound an app's flood evicts its own codes and tokens first.
func codeApp(c *Code) string   { return c.ISVAppID }
func tokenApp(t *Token) string { return t.ISVAppID }

// sweep lets go the tokens whose end came, wherever they stand in the
// list, and deletes them from the store; the lock is held. It reads the
// head of the tokens' queue by end: nothing that grows with what is kept.
func (b *Book) sweep(now time.Time) {
	b.drop(nil, b.tokens.Expire(now))
}

// token is production's shape of app_auth_token and app_refresh_token
// (201904BBf9c9781043854fe58c25b4b378350A89, in Alipay's 第三方应用授权
// guide): the month in Beijing time, "BB", 29 hex digits, a capital letter
// and the merchant's two digits; 40 characters.
func (b *Book) token(now time.Time, m Merchant) string {
	return now.In(timestamp.Zone).Format("200601") + "BB" + b.tail(m)
}

// code is production's shape of app_auth_code
// (603d0219f1884fc4b66093900e6b8X89, the same guide): 29 hex digits, a
// capital letter and the merchant's two digits; 32 characters.
func (b *Book) code(m Merchant) string { return b.tail(m) }

// tail is 29 hex digits from the ids' generator, a capital letter and two
// digits of the merchant's app id (its code and tokens end alike, as the
// guide's do).
func (b *Book) tail(m Merchant) string {
	h := b.ids.UUIDHex()
	f := fnv.New32a()
	f.Write([]byte(m.AuthAppID))
	return fmt.Sprintf("%s%c%02d", h[:29], 'A'+h[29]%26, f.Sum32()%100)
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
	c := &Code{Code: b.code(m), ISVAppID: isvAppID, Merchant: m, Created: now, Made: bounded.Made(),
		Expires: now.Add(CodeLifetime)}
	if err := b.putCode(c); err != nil {
		return Code{}, err
	}
	// The expired ones, used or not, go wherever they stand (the clock
	// may have been set back since), with the code past the bound.
	gone := b.codes.Expire(now)
	b.name(m.AuthAppID, 1)
	gone = append(gone, b.codes.Put(c.Code, c)...)
	b.drop(gone, nil)
	return *c, nil
}

// drop deletes evicted codes and tokens from the store; the lock is held.
func (b *Book) drop(codes []*Code, tokens []*Token) {
	b.remove(codes, tokens)
	for _, c := range codes {
		b.name(c.Merchant.AuthAppID, -1)
	}
	for _, t := range tokens {
		b.name(t.Merchant.AuthAppID, -1)
	}
}

// remove deletes codes and tokens no longer kept from the store; the lock
// is held.
func (b *Book) remove(codes []*Code, tokens []*Token) {
	var keys []string
	for _, c := range codes {
		keys = append(keys, c.Code)
	}
	for _, t := range tokens {
		if b.byRef[t.RefreshToken] == t {
			delete(b.byRef, t.RefreshToken)
		}
		if b.current[t.pair()] == t {
			delete(b.current, t.pair())
		}
		keys = append(keys, t.AppAuthToken)
	}
	if b.store != nil && len(keys) > 0 {
		_ = b.store.DeleteAppAuth(keys) // a failed delete is the store's to report
	}
}

func (b *Book) putCode(c *Code) error {
	if b.store == nil {
		return nil
	}
	return trade.StoreFailedUnlessAnswer(b.store.PutCode(*c))
}

func (b *Book) putToken(t *Token) error {
	if b.store == nil {
		return nil
	}
	return trade.StoreFailedUnlessAnswer(b.store.PutToken(*t))
}

// addToken stores a new token; a shared store gives its Gen (Issuer).
func (b *Book) addToken(t *Token) error {
	is, ok := b.store.(Issuer)
	if !ok {
		return b.putToken(t)
	}
	gen, err := is.IssueToken(*t)
	if err != nil {
		return trade.StoreFailedUnlessAnswer(err)
	}
	t.Gen = gen
	return nil
}

// Exchange trades a code for a token (grant_type authorization_code).
func (b *Book) Exchange(isvAppID, code string) (Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	b.sweep(now)
	c, err := b.codeLocked(code)
	switch {
	case err != nil:
		return Token{}, err
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
	// The merchant authorised the ISV again: the earlier token is
	// replaced (keepToken), and its grant's refresh tokens are refused.
	return b.issue(isvAppID, c.Merchant, c.Code, now, now.Add(RefreshLifetime), nil)
}

// issue stores a new pair and keeps it, replacing the pair's earlier
// token. spent, for a first refresh, is the token it refreshed: its new
// end, like the replaced one's, is filed once the new pair is stored and
// before room is made, so that at the bound it goes before its app's
// oldest token in use; a pair not stored files nothing.
func (b *Book) issue(isvAppID string, m Merchant, grant string, now, refreshExpires time.Time, spent *Token) (Token, error) {
	t := &Token{AppAuthToken: b.token(now, m), RefreshToken: b.token(now, m), ISVAppID: isvAppID, Merchant: m,
		Grant: grant, Gen: 1, Created: now, Made: bounded.Made(), Expires: now.Add(TokenLifetime), RefreshExpires: refreshExpires}
	if cur := b.current[t.pair()]; cur != nil {
		t.Gen = cur.Gen + 1
	}
	if err := b.addToken(t); err != nil {
		return Token{}, err
	}
	if spent != nil {
		b.tokens.Queue(spent.AppAuthToken) // it goes at its new end now
	}
	b.sweep(now)
	b.keepToken(t)
	return *t, nil
}

// keepToken keeps t as its pair's token when it is the newest (the one
// it replaces goes at its new end), else as replaced by the newer; past
// the bound the ISV app holding the most loses its spent tokens first
// (soonest end first), then its oldest; the lock is held.
func (b *Book) keepToken(t *Token) {
	k := t.pair()
	switch cur := b.current[k]; {
	case cur == nil || cur == t:
		b.current[k] = t
	case !t.newer(cur): // an older one, read from a shared store
		t.replace(cur.Created)
	default:
		cur.replace(t.Created)
		b.tokens.Queue(cur.AppAuthToken)
		b.current[k] = t
	}
	if _, had := b.tokens.Get(t.AppAuthToken); !had {
		b.name(t.Merchant.AuthAppID, 1)
	}
	gone := b.tokens.Put(t.AppAuthToken, t)
	b.byRef[t.RefreshToken] = t
	b.drop(nil, gone)
}

// revoked reports whether t's authorisation was replaced by a newer one
// of the same ISV and merchant; the lock is held.
func (b *Book) revoked(t *Token) bool {
	cur := b.current[t.pair()]
	return cur != nil && cur.Grant != t.Grant
}

// Refresh issues a new token from a refresh token (grant_type
// refresh_token); the pair's token until then works for RefreshGrace
// more. A used refresh token works on until its term: "刷新后老的
// refresh_token会在一段时间后失效(失效时间为接口返回的re_expires_in)"
// (the method's doc; that it is the re_expires_in it was issued with is
// inferred), so a refresh whose answer was lost can be retried; each use
// issues a new pair. One of an authorisation the merchant made again
// answers REFRESH_TOKEN_NOT_VALID (inferred).
func (b *Book) Refresh(isvAppID, refresh string) (Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	b.sweep(now)
	old, err := b.tokenLocked(refresh, true)
	switch {
	case err != nil:
		return Token{}, err
	case old == nil:
		return Token{}, ErrRefreshNotExist
	case old.ISVAppID != isvAppID:
		return Token{}, ErrAppIDInconsistent
	case !now.Before(old.RefreshExpires):
		return Token{}, ErrRefreshTimeOut
	case b.revoked(old):
		return Token{}, ErrRefreshNotValid
	}
	var first *Token
	if !old.Refreshed {
		old.Refreshed, old.RefreshedAt = true, &now
		switch err := b.putToken(old); {
		case errors.Is(err, ErrRefreshNotValid): // another replica refreshed it first: so it is
		case err != nil:
			old.Refreshed, old.RefreshedAt = false, nil // not stored, so not refreshed
			return Token{}, err
		default:
			first = old
		}
	}
	t, err := b.issue(isvAppID, old.Merchant, old.Grant, now, now.Add(RefreshLifetime), first)
	if err != nil && first != nil {
		// No new pair was stored: the old token is not refreshed, and
		// its end did not move.
		old.Refreshed, old.RefreshedAt = false, nil
		_ = b.putToken(old) // a failure here is the store's to report
	}
	return t, err
}

// Resolve finds the merchant a request's app_auth_token acts for: 20001
// when the token is unknown, another app's, or past its grace after it
// was refreshed or replaced.
func (b *Book) Resolve(isvAppID, token string) (Token, error) {
	t, valid, err := b.Lookup(isvAppID, token)
	if err == nil && !valid {
		err = ErrInvalidToken
	}
	return t, err
}

// Lookup finds a token isvAppID was given, kept still, and whether it
// acts for its merchant (before the end of its grace once refreshed or
// replaced): 20001 when it is unknown or another app's.
func (b *Book) Lookup(isvAppID, token string) (t Token, valid bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	b.sweep(now)
	p, err := b.tokenLocked(token, false)
	switch {
	case err != nil:
		return Token{}, false, err
	case p == nil || p.ISVAppID != isvAppID:
		return Token{}, false, ErrInvalidToken
	}
	return *p, now.Before(p.graceEnds()), nil
}

// Tokens lists the tokens kept for an app (all apps when empty), oldest
// first: at most limit after position after (0: from the start), and the
// position to ask the next page after (0: none).
func (b *Book) Tokens(isvAppID string, after uint64, limit int) (out []Token, next uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(b.clock.Now())
	out = []Token{}
	var last uint64
	b.tokens.Each(after, func(seq uint64, t *Token) bool {
		if isvAppID != "" && t.ISVAppID != isvAppID {
			return true
		}
		if len(out) == limit {
			next = last
			return false
		}
		last = seq
		out = append(out, *t)
		return true
	})
	return out, next
}

// Knows reports whether a code or token kept names authAppID as its
// merchant's app: an app an authorisation made, which no apps file holds.
func (b *Book) Knows(authAppID string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(b.clock.Now())
	return b.named[authAppID] > 0
}

// Len is how many codes and tokens the book keeps, once the tokens whose
// end came are let go; an expired code is let go when the next code is
// made (until then its exchange answers AUTH_CODE_NOT_VALID).
func (b *Book) Len() (codes, tokens int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(b.clock.Now())
	return b.codes.Len(), b.tokens.Len()
}

// Persist makes the book write through s from now on.
func (b *Book) Persist(s Store) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store = s
}

// Restore makes the stored codes and tokens the book's, oldest first
// (in the order they were made in: bounded.ByMade),
// within the book's bounds: what does not fit, and what nothing can use
// any more, is deleted from the store too. A replica calls it again with
// everything stored whenever another one changed something: the list is
// in that order whatever each replica made, so that past a bound every
// replica evicts the same (see place).
func (b *Book) Restore(codes []Code, tokens []Token) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	slices.SortStableFunc(codes, func(a, b Code) int {
		return bounded.ByMade(bounded.MadeOr(a.Made, a.Created), a.Code, bounded.MadeOr(b.Made, b.Created), b.Code)
	})
	slices.SortStableFunc(tokens, func(a, b Token) int {
		return bounded.ByMade(bounded.MadeOr(a.Made, a.Created), a.AppAuthToken, bounded.MadeOr(b.Made, b.Created), b.AppAuthToken)
	})
	// Each pair's tokens newest first: each is replaced when the one
	// after it was made.
	byPair := map[string][]*Token{}
	for i := range tokens {
		byPair[tokens[i].pair()] = append(byPair[tokens[i].pair()], &tokens[i])
	}
	newest := map[string]*Token{}
	for k, ts := range byPair {
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].newer(ts[j]) })
		newest[k] = ts[0]
		for i := 1; i < len(ts); i++ {
			ts[i].replace(ts[i-1].Created)
		}
	}
	var goneCodes []*Code
	var last uint64
	nc := b.codes.Empty()
	for i := range codes {
		c := &codes[i]
		if !now.Before(c.Expires) {
			goneCodes = append(goneCodes, c)
			continue
		}
		last = place(&nc, c.Code, c, b.codes.Seq(c.Code), last)
	}
	goneCodes = append(goneCodes, nc.Settle()...)
	var goneTokens []*Token
	last = 0
	nt := b.tokens.Empty()
	for i := range tokens {
		t := &tokens[i]
		if t.dead(now) {
			goneTokens = append(goneTokens, t)
			continue
		}
		last = place(&nt, t.AppAuthToken, t, b.tokens.Seq(t.AppAuthToken), last)
	}
	goneTokens = append(goneTokens, nt.Settle()...)
	old := b.named
	b.codes, b.tokens, b.byRef, b.current, b.named = nc, nt, map[string]*Token{}, map[string]*Token{}, map[string]int{}
	nt.Each(0, func(_ uint64, t *Token) bool {
		b.byRef[t.RefreshToken] = t
		if newest[t.pair()] == t {
			b.current[t.pair()] = t
		}
		b.named[t.Merchant.AuthAppID]++
		return true
	})
	nc.Each(0, func(_ uint64, c *Code) bool {
		b.named[c.Merchant.AuthAppID]++
		return true
	})
	b.remove(goneCodes, goneTokens)
	for app := range old {
		if b.named[app] == 0 && b.onForget != nil {
			b.onForget(app)
		}
	}
}

// place adds v to m after the entry restored before it, at position last:
// at its position known, seq, while that comes after last (a page's cursor
// stays good), else at a new one after all; it returns v's position. So
// the list keeps the order restored even when another replica made an
// entry before those this one knew.
func place[V any](m *bounded.Map[V], key string, v V, seq, last uint64) uint64 {
	if seq <= last {
		seq = 0
	}
	m.Add(key, v, seq)
	return m.Seq(key)
}
