package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/bill"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// tokenFields are what alipay.open.auth.token.app answers, for one token.
type tokenFields struct {
	AppAuthToken    string `json:"app_auth_token"`
	AppRefreshToken string `json:"app_refresh_token"`
	AuthAppID       string `json:"auth_app_id"`
	ExpiresIn       int64  `json:"expires_in"`
	ReExpiresIn     int64  `json:"re_expires_in"`
	UserID          string `json:"user_id"`
}

// tokenRequest is the biz_content of alipay.open.auth.token.app.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	Code         string `json:"code"`
	RefreshToken string `json:"refresh_token"`
}

func (g *Gateway) authToken(cl *call, in tokenRequest) (any, *apierr.Error) {
	var t appauth.Token
	var err error
	switch in.GrantType {
	case "authorization_code":
		t, err = g.Auth.Exchange(cl.app.AppID, in.Code)
	case "refresh_token":
		t, err = g.Auth.Refresh(cl.app.AppID, in.RefreshToken)
	default:
		err = appauth.ErrGrantType
	}
	if err != nil {
		return nil, g.asAPI(err)
	}
	f := tokenFields{AppAuthToken: t.AppAuthToken, AppRefreshToken: t.RefreshToken, AuthAppID: t.Merchant.AuthAppID,
		ExpiresIn: int64(t.Expires.Sub(cl.now) / time.Second), ReExpiresIn: int64(t.RefreshExpires.Sub(cl.now) / time.Second),
		UserID: t.Merchant.Seller.UserID}
	return struct {
		tokenFields
		Tokens []tokenFields `json:"tokens"`
	}{f, []tokenFields{f}}, nil
}

// tokenQueryRequest is the biz_content of alipay.open.auth.token.app.query
// (on v3, the query of GET /v3/alipay/open/auth/token/app/query).
type tokenQueryRequest struct {
	AppAuthToken string `json:"app_auth_token"`
}

// authTokenQuery answers alipay.open.auth.token.app.query with the fields
// of the SDKs' AlipayOpenAuthTokenAppQueryResponse. A token the app was
// given and the book keeps is "valid" while it acts for the merchant and
// "invalid" once replaced and past its grace; an unknown one, or another
// app's, is 20001 aop.invalid-app-auth-token (inferred, as the errors:
// production's are not published). auth_start is when the token was
// issued, auth_end and expires_in what alipay.open.auth.token.app said
// (inferred), auth_methods what the ISV can call with it.
func (g *Gateway) authTokenQuery(cl *call, in tokenQueryRequest) (any, *apierr.Error) {
	t, valid, err := g.Auth.Lookup(cl.app.AppID, in.AppAuthToken)
	if err != nil {
		return nil, g.asAPI(err)
	}
	status := "invalid"
	if valid {
		status = "valid"
	}
	return struct {
		UserID      string   `json:"user_id"`
		AuthAppID   string   `json:"auth_app_id"`
		ExpiresIn   int64    `json:"expires_in"`
		AuthMethods []string `json:"auth_methods"`
		AuthStart   string   `json:"auth_start"`
		AuthEnd     string   `json:"auth_end"`
		Status      string   `json:"status"`
		IsByAppAuth bool     `json:"is_by_app_auth"`
	}{UserID: t.Merchant.Seller.UserID, AuthAppID: t.Merchant.AuthAppID, ExpiresIn: max(0, int64(t.Expires.Sub(cl.now)/time.Second)),
		AuthMethods: g.authMethods(cl, t), AuthStart: timestamp.Format(t.Created), AuthEnd: timestamp.Format(t.Expires), Status: status}, nil
}

// isvOwn reports whether method is the ISV's own (alipay.open.*: its
// tokens, certificates), not one it calls for the merchant: a merchant's
// app_auth_token on it does not hold it to the merchant's methods (admit),
// and auth_methods leaves it out.
func isvOwn(method string) bool {
	return strings.HasPrefix(method, "alipay.open.")
}

// authMethods are the methods an ISV can call with t: those of the mock
// that both the ISV's app and, when it is one of the mock's apps, the
// merchant's allow (admit), but the ISV's own.
func (g *Gateway) authMethods(cl *call, t appauth.Token) []string {
	m, known := g.Apps.Get(t.Merchant.AuthAppID)
	out := []string{}
	for _, name := range alipay.Names() {
		if !isvOwn(name) && cl.app.Allows(name) && (!known || m.Allows(name)) {
			out = append(out, name)
		}
	}
	return out
}

// Bill errors, as production answers them (40004 without an ACQ. prefix;
// the sub_msg of invalid_arguments is inferred).
var (
	errBillArguments = apierr.Business("isv.invalid_arguments", "入参不合法")
	errBillNotExist  = apierr.Business("isp.bill_not_exist", "账单不存在")
	// A bill_type the account has no product (or no data) for; the code and
	// text of the method's current error table.
	errBillTypeNotSupported = apierr.Business("TYPE_NOT_SUPPORTED", "此账单类型不支持下载")
)

// billLifetime is how long a bill_download_url works, on the mock's clock.
const billLifetime = 30 * time.Second

// billFile is a bill built when its URL was asked for.
type billFile struct {
	name    string
	zip     *billZip
	expires time.Time
}

// billZip is a bill's zip, shared by the URLs of identical bills (same
// app, type, period and bytes: asked for again before the clock moved).
type billZip struct {
	key   string
	bytes []byte
	urls  int // billFiles pointing to it
}

// billFiles holds the files behind the URLs handed out, by token, within
// maxBillFiles URLs and maxBytes of zips (each distinct zip counted once).
type billFiles struct {
	mu    sync.Mutex
	files map[string]billFile
	order []string // tokens in files, oldest first
	zips  map[string]*billZip
	bytes int64 // of zips
	// slots has one element per bill being built (see acquire).
	once  sync.Once
	slots chan struct{}
}

// maxBillFiles bounds the bills kept: on a frozen clock none expire.
const maxBillFiles = 32

// DefaultBillMaxBytes bounds the bytes of the bill files kept (a bill of
// 20,000 trades zips to about 0.4 MB: docs/limits.md).
const DefaultBillMaxBytes = 64 << 20

// MinBillMaxBytes is the smallest byte budget --bill-max-bytes takes.
const MinBillMaxBytes = 1 << 20

// maxBillBuilds bounds the bills built at once; billPage is how many
// trades (or transfers) a build reads at a time.
const (
	maxBillBuilds = 2
	billPage      = 256
)

// acquire takes one of the maxBillBuilds slots, waiting while r's context
// lasts (not at all without a request); false when none came free.
func (b *billFiles) acquire(r *http.Request) bool {
	b.once.Do(func() { b.slots = make(chan struct{}, maxBillBuilds) })
	select {
	case b.slots <- struct{}{}:
		return true
	default:
	}
	if r == nil {
		return false
	}
	select {
	case b.slots <- struct{}{}:
		return true
	case <-r.Context().Done():
		return false
	}
}

// release gives back a slot acquire took.
func (b *billFiles) release() { <-b.slots }

// put keeps a bill under token: expired ones go, then the oldest while
// more than maxBillFiles URLs or maxBytes are kept (never the one put, so
// its URL works even when it alone is larger). A zip already kept under
// key is shared rather than kept twice.
func (b *billFiles) put(token, key, name string, zip []byte, expires, now time.Time, maxBytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.files == nil {
		b.files, b.zips = map[string]billFile{}, map[string]*billZip{}
	}
	b.expire(now)
	z := b.zips[key]
	if z == nil {
		z = &billZip{key: key, bytes: zip}
		b.zips[key] = z
		b.bytes += int64(len(zip))
	}
	z.urls++
	b.files[token] = billFile{name: name, zip: z, expires: expires}
	b.order = append(b.order, token)
	for len(b.order) > 1 && (len(b.order) > maxBillFiles || b.bytes > maxBytes) {
		b.drop(b.order[0])
		b.order = b.order[1:]
	}
}

// expire drops the files whose URL has expired.
func (b *billFiles) expire(now time.Time) {
	kept := b.order[:0]
	for _, token := range b.order {
		if now.Before(b.files[token].expires) {
			kept = append(kept, token)
		} else {
			b.drop(token)
		}
	}
	clear(b.order[len(kept):])
	b.order = kept
}

// drop forgets token's file, and its zip once no URL names it.
func (b *billFiles) drop(token string) {
	f, ok := b.files[token]
	if !ok {
		return
	}
	delete(b.files, token)
	if f.zip.urls--; f.zip.urls == 0 {
		delete(b.zips, f.zip.key)
		b.bytes -= int64(len(f.zip.bytes))
	}
}

func (b *billFiles) get(token string) (billFile, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.files[token]
	return f, ok
}

// BillStats are the bill URLs that still work, the bytes of their zips
// (identical ones counted once), and the bounds of both.
type BillStats struct {
	URLs, Keep      int
	Bytes, MaxBytes int64
}

// BillFiles is what the bill files hold now, for GET /_mock/memory.
func (g *Gateway) BillFiles() BillStats {
	b := &g.bills
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(g.Clock.Now())
	return BillStats{URLs: len(b.order), Keep: maxBillFiles, Bytes: b.bytes, MaxBytes: g.billMaxBytes()}
}

// billMaxBytes is BillMaxBytes or its default.
func (g *Gateway) billMaxBytes() int64 {
	if g.BillMaxBytes > 0 {
		return g.BillMaxBytes
	}
	return DefaultBillMaxBytes
}

// billRequest is the biz_content of alipay.data.dataservice.bill.downloadurl.query.
type billRequest struct {
	BillType string `json:"bill_type"`
	BillDate string `json:"bill_date"`
	// Smid is a 直付通 sub-merchant, "只在bill_type是trade_zft_merchant时才能使用".
	Smid string `json:"smid"`
}

func (g *Gateway) billURL(cl *call, in billRequest) (any, *apierr.Error) {
	typ := bill.Type(in.BillType)
	if !typ.Known() || (in.Smid != "" && typ != bill.TradeZftMerchant) {
		return nil, errBillArguments
	}
	p, err := bill.ParsePeriod(in.BillDate)
	if err != nil || !typ.Ready(p, cl.now, g.BillsAtPeriodEnd) {
		return nil, errBillArguments
	}
	// The mock's merchants have no 直付通 platform, sub-merchants, bank
	// settlement or marketing campaigns: production's answer for those.
	if !typ.Built() {
		return nil, errBillTypeNotSupported
	}
	// Building a bill holds its period's trades and the files' text:
	// at most maxBillBuilds at once, the rest wait (as long as their
	// request does) and then get production's "系统繁忙".
	if !g.bills.acquire(cl.req) {
		return nil, apierr.SystemBusy()
	}
	defer g.bills.release()
	m := cl.merchant()
	input := bill.Input{Type: typ, Period: p, UserID: bill.UserID(m.Seller.UserID),
		FeeRate: g.BillFeeRate, ExportedAt: cl.now}
	// Both bills are the merchant account's (the PID's): every app of
	// that seller adds its trades, and the ledger (signcustomer) its
	// transfers, from the account's base (less what transfers no longer
	// kept took: fund.Book.Base), so that its last 账户余额 is what
	// alipay.fund.account.query answers any of those apps.
	if typ == bill.SignCustomer && g.Fund != nil {
		base, err := g.Fund.Base(m.AppID)
		if err != nil { // not a bill from the opening balance: the database failed
			g.Log.Error("bill: the opening balance not read", "app_id", m.AppID, "err", err)
			return nil, g.asAPI(trade.StoreFailed(err))
		}
		input.OpeningBalance += base
	}
	account := g.Apps.Account(m.AppID)
	for _, app := range g.Apps.AccountApps(account) {
		if e := g.addToBill(&input, app); e != nil {
			return nil, e
		}
	}
	if e := g.addReceived(&input, account); e != nil {
		return nil, e
	}
	if e := g.addSettled(&input, account); e != nil {
		return nil, e
	}
	files, err := bill.Render(input)
	if err != nil {
		return nil, g.asAPI(err)
	}
	if files.Rows == 0 && typ == bill.SignCustomer {
		return nil, errBillNotExist
	}
	zip, err := bill.Zip(input, files)
	if err != nil {
		return nil, g.asAPI(err)
	}
	// The token is all that guards the download: drawn from crypto/rand,
	// not from the ids' generator, which --seed makes predictable.
	token := randomHex32()
	name := bill.FileName(input.UserID, p)
	sum := sha256.Sum256(zip)
	key := input.UserID + "\x00" + string(typ) + "\x00" + p.Label() + "\x00" + string(sum[:])
	g.bills.put(token, key, name, zip, cl.now.Add(billLifetime), cl.now, g.billMaxBytes())
	q := url.Values{"bizType": {string(typ)}, "userId": {input.UserID}, "fileType": {"csv.zip"},
		"bizDates": {p.Label()}, "downloadFileName": {name}, "fileId": {"/" + string(typ) + "/" + input.UserID + "/" + p.Label() + ".csv.zip"},
		"timestamp": {strconv.FormatInt(cl.now.Unix(), 10)}, "token": {token}}
	out := struct {
		BillDownloadURL string `json:"bill_download_url"`
		BillFileCode    string `json:"bill_file_code,omitempty"`
	}{BillDownloadURL: g.publicURL(cl) + BillPath + "?" + q.Encode()}
	if files.Rows == 0 {
		out.BillFileCode = "EMPTY_DATA_WITH_BILL_FILE"
	}
	return out, nil
}

// addToBill adds one app's part to the bill in: its trades a page at a
// time (the book's lock is held for at most 256 of them), keeping only
// those of the period, and for the ledger its transfers (mock/fund) and
// red packets (mock/coupon).
func (g *Gateway) addToBill(in *bill.Input, app string) *apierr.Error {
	if in.Type == bill.SignCustomer && g.Fund != nil {
		for after := uint64(0); ; {
			page, next, err := g.Fund.Page(app, after, billPage)
			if err != nil { // not a bill without them: the database failed
				g.Log.Error("bill: transfers not read", "app_id", app, "err", err)
				return g.asAPI(trade.StoreFailed(err))
			}
			in.AddTransfers(page)
			if next == 0 {
				break
			}
			after = next
		}
	}
	if in.Type == bill.SignCustomer && g.Coupons != nil {
		for at := uint64(0); ; {
			page, next, err := g.Coupons.Page(app, "", at, billPage, false)
			if err != nil { // not a bill without them: the database failed
				g.Log.Error("bill: red packets not read", "app_id", app, "err", err)
				return g.asAPI(trade.StoreFailed(err))
			}
			in.AddRedPackets(page)
			if next == 0 {
				break
			}
			at = next
		}
	}
	for at := uint64(0); ; {
		page, next, err := g.Trades.Page(trade.Filter{AppID: app}, at, billPage, false)
		if err != nil {
			return g.asAPI(err) // the store's failure (系统繁忙), not a bill without the trades
		}
		in.AddTrades(page)
		if next == 0 {
			break
		}
		at = next
	}
	return nil
}

// addReceived adds to the ledger in the transfers other merchants made
// to account: every app's transfers, a page at a time.
func (g *Gateway) addReceived(in *bill.Input, account string) *apierr.Error {
	if in.Type != bill.SignCustomer || g.Fund == nil {
		return nil
	}
	for after := uint64(0); ; {
		page, next, err := g.Fund.Page("", after, billPage)
		if err != nil { // not a bill without them: the database failed
			g.Log.Error("bill: transfers received not read", "account", account, "err", err)
			return g.asAPI(trade.StoreFailed(err))
		}
		in.AddReceived(page, account)
		if next == 0 {
			return nil
		}
		after = next
	}
}

// addSettled adds to the ledger what other merchants' settlements paid
// into account (a mock merchant's PID: none for another) less what their
// refunds took back: every app's trades, a page at a time.
func (g *Gateway) addSettled(in *bill.Input, account string) *apierr.Error {
	if in.Type != bill.SignCustomer || !g.Apps.IsMerchant(account) {
		return nil
	}
	creditOf := func(user string) string {
		if g.Apps.IsMerchant(user) {
			return user
		}
		return ""
	}
	for at := uint64(0); ; {
		page, next, err := g.Trades.Page(trade.Filter{}, at, billPage, false)
		if err != nil {
			return g.asAPI(err) // the store's failure (系统繁忙), not a bill without the trades
		}
		in.AddSettled(page, account, creditOf)
		if next == 0 {
			return nil
		}
		at = next
	}
}

// randomHex32 is 32 hex digits from crypto/rand.
func randomHex32() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// BillPath is where bill_download_url points, as dwbillcenter.alipay.com's does.
const BillPath = "/downloadBillFile.resource"

// DownloadBill serves the zip behind a bill_download_url until it expires.
func (g *Gateway) DownloadBill(c echo.Context) error {
	f, ok := g.bills.get(c.QueryParam("token"))
	if !ok || !g.Clock.Now().Before(f.expires) {
		return c.String(http.StatusNotFound, "bill download url expired or unknown: ask alipay.data.dataservice.bill.downloadurl.query for a new one (URLs last 30 s on the mock's clock)")
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
	return c.Blob(http.StatusOK, "application/zip", f.zip.bytes)
}
