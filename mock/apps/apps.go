// Package apps is the registry of merchant apps the mock knows: each app's
// id, public key and sign type, and the merchant account behind it.
package apps

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// App is one registered app.
type App struct {
	AppID     string
	Name      string
	PublicKey *rsa.PublicKey
	// SignType is the algorithm of the app's key in Alipay's console; the
	// gateway accepts only requests signed with it.
	SignType sign.Type
	Seller   fixtures.Seller
	// Methods, when set, are the only methods the app has products for;
	// others answer 40006 isv.insufficient-isv-permissions.
	Methods []string
	// EncryptKey is the app's AES content key (base64), set when the app
	// turned on content encryption (接口内容加密).
	EncryptKey string
	// CertSN is the SN of the app's public-key certificate when the app is
	// in certificate mode (公钥证书): requests must carry it as app_cert_sn,
	// and answers carry alipay_cert_sn. Empty in public-key mode.
	CertSN string
	// CertExpires is when the app certificate stops being accepted.
	CertExpires time.Time
	// ShowUnscanned, when set, overrides --show-unscanned for this app's
	// precreate trades (docs/differences.md).
	ShowUnscanned *bool
	// AppGatewayURL is the app's 应用网关: where Alipay's messages
	// (蚂蚁消息, such as alipay.trade.order.settle.notify) go. Empty sends
	// none.
	AppGatewayURL string
	// AuthRedirectURI is the app's 授权回调地址: the only redirect_uri its
	// authorisation page accepts (any http(s) URL when empty).
	AuthRedirectURI string
	// OpenID is set when the app identifies users by open id (user_id_type
	// open_id): its trades, notifications and sign-in carry open ids.
	OpenID bool

	fingerprint string
}

// User id types an app can have (user_id_type).
const (
	UserIDTypeUserID = "user_id"
	UserIDTypeOpenID = "open_id"
)

// Allows reports whether the app may call a method.
func (a *App) Allows(method string) bool {
	if len(a.Methods) == 0 {
		return true
	}
	for _, m := range a.Methods {
		if m == method {
			return true
		}
	}
	return false
}

// Fingerprint of the app's public key.
func (a *App) Fingerprint() string {
	if a.fingerprint == "" {
		return keys.Fingerprint(a.PublicKey)
	}
	return a.fingerprint
}

// Spec is how an app is described in flags and config files.
type Spec struct {
	AppID       string `yaml:"app_id" json:"app_id"`
	Name        string `yaml:"name" json:"name,omitempty"`
	PublicKey   string `yaml:"public_key" json:"public_key"` // PEM, raw base64, or a file path
	SignType    string `yaml:"sign_type" json:"sign_type,omitempty"`
	SellerID    string `yaml:"seller_id" json:"seller_id,omitempty"`
	SellerEmail string `yaml:"seller_email" json:"seller_email,omitempty"`
	// Methods limits the app to these methods (its signed products).
	Methods []string `yaml:"methods" json:"methods,omitempty"`
	// EncryptKey is the AES content key, base64 of 16, 24 or 32 bytes.
	EncryptKey string `yaml:"encrypt_key" json:"encrypt_key,omitempty"`
	// AppCert (PEM or a file path) puts the app in certificate mode; its
	// key is the app public key, so PublicKey may be left out.
	AppCert string `yaml:"app_cert" json:"app_cert,omitempty"`
	// ShowUnscanned, when set, overrides --show-unscanned for this app:
	// true shows an unscanned precreate trade as WAIT_BUYER_PAY at once,
	// false keeps production's ACQ.TRADE_NOT_EXIST until a buyer scans.
	ShowUnscanned *bool `yaml:"show_unscanned" json:"show_unscanned,omitempty"`
	// AppGatewayURL is the app's 应用网关, an http(s) URL that receives
	// messages (蚂蚁消息); none are sent without it.
	AppGatewayURL string `yaml:"app_gateway_url" json:"app_gateway_url,omitempty"`
	// AuthRedirectURI is the app's 授权回调地址 (authorisation callback): when
	// set, the authorisation page accepts only a redirect_uri on its host
	// (docs/sign-in.md).
	AuthRedirectURI string `yaml:"auth_redirect_uri" json:"auth_redirect_uri,omitempty"`
	// UserIDType is how the app's answers name users: user_id (2088…, the
	// default) or open_id (per app).
	UserIDType string `yaml:"user_id_type" json:"user_id_type,omitempty"`
}

// ErrMerchantChange refuses a registered app given another merchant
// (seller_id): as in production, an app's merchant never changes, and its
// payments and transfers stay in that merchant's account.
var ErrMerchantChange = errors.New("apps: seller_id cannot change")

var (
	appIDPattern = regexp.MustCompile(`^[0-9]{16}$`)
	pidPattern   = regexp.MustCompile(`^2088[0-9]{12}$`)
)

// Registry holds apps by id. It is safe for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	ids    *fixtures.Generator
	apps   map[string]*App
	store  Store
	checks Checks
}

// NewRegistry makes an empty registry; ids makes the merchant accounts.
func NewRegistry(ids *fixtures.Generator) *Registry {
	return &Registry{ids: ids, apps: map[string]*App{}}
}

// Add registers (or replaces) an app from its spec. PublicKey and AppCert
// may be file paths: it is for flags and the apps file.
func (r *Registry) Add(s Spec) (*App, error) {
	return r.register(s, fromFileOrText)
}

// AddOf is Add for another app of the merchant of the registered app
// sibling: it takes that app's merchant account (seller) instead of a new
// one, as the shipped certificate-mode dev app takes the dev app's.
func (r *Registry) AddOf(s Spec, sibling string) (*App, error) {
	a, ok := r.Get(sibling)
	if !ok {
		return r.Add(s)
	}
	seller := a.Seller
	return r.registerAs(s, fromFileOrText, &seller)
}

// AddText is Add for a spec whose key and certificate are text, PEM or
// base64 DER, and never file paths: it is for the HTTP API, which must not
// read the server's files nor tell which exist.
func (r *Registry) AddText(s Spec) (*App, error) {
	return r.register(s, fromText)
}

// material reads a public key and an app certificate from a spec's values.
type material struct {
	publicKey func(string) (*rsa.PublicKey, error)
	cert      func(string) (*x509.Certificate, error)
}

var (
	fromFileOrText = material{publicKey: keys.LoadPublicKey, cert: loadCert}
	fromText       = material{publicKey: textPublicKey, cert: textCert}
)

var errNotRSA = errors.New("not an RSA certificate")

// errNotText is the one answer for key material that is not PEM or base64
// DER text, whatever the value names on the server's disk.
var errNotText = errors.New("must be the PEM text or base64 DER text itself (the HTTP API never reads files)")

func textPublicKey(v string) (*rsa.PublicKey, error) {
	k, err := keys.ParsePublicKey([]byte(v))
	if err != nil && !errors.Is(err, keys.ErrNotPublicKey) {
		return nil, errNotText
	}
	return k, err
}

func textCert(v string) (*x509.Certificate, error) {
	data := []byte(v)
	if !keys.IsPEM(v) {
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), ""))
		if err != nil {
			return nil, errNotText
		}
		data = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b})
	}
	c, err := firstCert(data)
	if err != nil && !errors.Is(err, errNotRSA) {
		return nil, errNotText
	}
	return c, err
}

// CheckAppID refuses an app id that is not one: 16 digits.
func CheckAppID(id string) error {
	if !appIDPattern.MatchString(id) {
		return fmt.Errorf("apps: app_id %q must be 16 digits", id)
	}
	return nil
}

func (r *Registry) register(s Spec, m material) (*App, error) {
	return r.registerAs(s, m, nil)
}

// registerAs registers s with the merchant account seller, or (nil) the
// one add gives.
func (r *Registry) registerAs(s Spec, m material, seller *fixtures.Seller) (*App, error) {
	if err := CheckAppID(s.AppID); err != nil {
		return nil, err
	}
	if s.SellerID != "" && !pidPattern.MatchString(s.SellerID) {
		return nil, fmt.Errorf("apps: app %s: seller_id %q must be an Alipay account id: 2088 and 12 digits", s.AppID, s.SellerID)
	}
	var cert *x509.Certificate
	if s.AppCert != "" {
		var err error
		if cert, err = m.cert(s.AppCert); err != nil {
			return nil, fmt.Errorf("apps: app %s: app_cert: %w", s.AppID, err)
		}
		s.AppCert = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
		if s.PublicKey == "" {
			s.PublicKey = string(keys.PublicPEM(cert.PublicKey.(*rsa.PublicKey)))
		}
	}
	if s.PublicKey == "" {
		return nil, fmt.Errorf("apps: app %s has no public key (or app certificate)", s.AppID)
	}
	pub, err := m.publicKey(s.PublicKey)
	if err != nil {
		if errors.Is(err, keys.ErrNotPublicKey) {
			return nil, fmt.Errorf("apps: app %s: give the app's PUBLIC key, not its private key", s.AppID)
		}
		return nil, fmt.Errorf("apps: app %s: public_key: %w", s.AppID, err)
	}
	if cert != nil && !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("apps: app %s: public_key is not the key of app_cert", s.AppID)
	}
	if err := r.check(s, pub); err != nil {
		return nil, err
	}
	st := sign.RSA2
	if s.SignType != "" {
		if st, err = sign.ParseType(s.SignType); err != nil {
			return nil, fmt.Errorf("apps: app %s: %w", s.AppID, err)
		}
	}
	if err := r.checkKeys(s, pub, st); err != nil {
		return nil, err
	}
	if s.SellerID != "" || seller != nil {
		// The app as registered on another replica, which this one may
		// not have heard of yet: add checks its merchant.
		if _, err := r.Find(s.AppID); err != nil {
			return nil, trade.StoreFailed(fmt.Errorf("apps: app %s not stored: %w", s.AppID, err))
		}
	}
	return r.add(s, pub, st, seller, true, false)
}

// add registers an app. Its merchant account is seller when given, else
// the one it had if it is already registered (re-registering an app keeps
// its trades' seller_id), else a new one. write stores it (an app read
// from the store is not written back: with replicas, that could put back a
// copy older than another replica's change). keep adds it only if no app
// of its id is registered meanwhile, and returns that one if there is.
func (r *Registry) add(s Spec, pub *rsa.PublicKey, st sign.Type, seller *fixtures.Seller, write, keep bool) (*App, error) {
	if s.AppGatewayURL != "" && !notify.ValidURL(s.AppGatewayURL) {
		return nil, fmt.Errorf("apps: app %s: app_gateway_url must be an http or https URL of at most %d characters", s.AppID, notify.MaxURLLen)
	}
	if s.AuthRedirectURI != "" && !notify.ValidURL(s.AuthRedirectURI) {
		return nil, fmt.Errorf("apps: app %s: auth_redirect_uri must be an http or https URL of at most %d characters", s.AppID, notify.MaxURLLen)
	}
	if s.UserIDType != "" && s.UserIDType != UserIDTypeUserID && s.UserIDType != UserIDTypeOpenID {
		return nil, fmt.Errorf("apps: app %s: user_id_type %q must be %s or %s", s.AppID, s.UserIDType, UserIDTypeUserID, UserIDTypeOpenID)
	}
	if s.EncryptKey != "" {
		if _, err := sign.EncryptContent(s.EncryptKey, nil); err != nil {
			return nil, fmt.Errorf("apps: app %s: encrypt_key: %w", s.AppID, err)
		}
	}
	a := &App{AppID: s.AppID, Name: s.Name, PublicKey: pub, SignType: st, Methods: s.Methods,
		EncryptKey: s.EncryptKey, ShowUnscanned: s.ShowUnscanned, AppGatewayURL: s.AppGatewayURL, AuthRedirectURI: s.AuthRedirectURI,
		OpenID: s.UserIDType == UserIDTypeOpenID, fingerprint: keys.Fingerprint(pub)}
	if s.AppCert != "" {
		cert, _ := loadCert(s.AppCert)
		a.CertSN, a.CertExpires = keys.CertSN(cert), cert.NotAfter
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.apps[a.AppID]; ok && keep {
		return old, nil
	}
	switch old, ok := r.apps[a.AppID]; {
	case seller != nil:
		a.Seller = *seller
	case ok:
		a.Seller = old.Seller
	default:
		a.Seller = r.ids.Seller()
	}
	if a.Name == "" {
		a.Name = a.Seller.Name
	}
	if s.SellerID != "" {
		a.Seller.UserID = s.SellerID
	}
	if old, ok := r.apps[a.AppID]; ok && write && a.Seller.UserID != old.Seller.UserID {
		return nil, fmt.Errorf("%w: app %s belongs to %s, not seller_id %s; register another app_id for that merchant",
			ErrMerchantChange, a.AppID, old.Seller.UserID, a.Seller.UserID)
	}
	if s.SellerEmail != "" {
		a.Seller.Email = s.SellerEmail
	}
	if r.store != nil && write {
		rec := Record{Spec: s, Seller: a.Seller}
		rec.Spec.PublicKey = string(keys.PublicPEM(pub))
		if err := r.store.PutApp(rec); err != nil {
			return nil, trade.StoreFailed(fmt.Errorf("apps: app %s not stored: %w", s.AppID, err))
		}
	}
	r.apps[a.AppID] = a
	return a, nil
}

// Get returns an app by id.
func (r *Registry) Get(appID string) (*App, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, ok := r.apps[appID]
	return a, ok
}

// All returns the apps sorted by id.
func (r *Registry) All() []*App {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*App, 0, len(r.apps))
	for _, a := range r.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AppID < out[j].AppID })
	return out
}

// DevSpec is the development app that ships with the mock.
func DevSpec() Spec {
	return Spec{AppID: keys.DevAppID, Name: "alipay-mock dev app", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA2"}
}

// DevCertSpec is the development app in certificate mode that ships with
// the mock (the same key pair, its own certificate): fund methods take
// only apps in certificate mode.
func DevCertSpec() Spec {
	return Spec{AppID: keys.DevCertAppID, Name: "alipay-mock dev app in certificate mode", AppCert: string(keys.DevCertAppCertPEM()), SignType: "RSA2"}
}

// loadCert reads the first certificate of a PEM text or file, the one SDKs
// take the SN and key of.
func loadCert(pathOrPEM string) (*x509.Certificate, error) {
	data := []byte(pathOrPEM)
	if !keys.IsPEM(pathOrPEM) {
		b, err := os.ReadFile(pathOrPEM)
		if err != nil {
			return nil, err
		}
		data = b
	}
	return firstCert(data)
}

// firstCert is the first certificate of PEM text.
func firstCert(data []byte) (*x509.Certificate, error) {
	certs, err := keys.ParseCertificates(data)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate")
	}
	if _, ok := certs[0].PublicKey.(*rsa.PublicKey); !ok {
		return nil, errNotRSA
	}
	return certs[0], nil
}

// UserIDType is how the app's answers name users: user_id or open_id.
func (a *App) UserIDType() string {
	if a.OpenID {
		return UserIDTypeOpenID
	}
	return UserIDTypeUserID
}

// Account is the balance account app's money moves in (the one rule,
// docs/transfers.md "The balance"): a registered app's is its merchant's,
// the seller's PID, shared by every app of that seller, as production's
// Alipay account is; any other id (a made-up merchant's auth_app_id, its
// merchant's only app) is its own. An app registered on another replica,
// not heard of here yet, is read from the shared store (Find); the
// store's writes of accounts check the stored app again (mock/pgstore).
func (r *Registry) Account(app string) string {
	if a, _ := r.Find(app); a != nil && a.Seller.UserID != "" {
		return a.Seller.UserID
	}
	return app
}

// IsMerchant reports whether user is a registered app's merchant (its
// seller's PID), whose balance account a transfer to it pays into.
func (r *Registry) IsMerchant(user string) bool {
	if user == "" {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, a := range r.apps {
		if a.Seller.UserID == user {
			return true
		}
	}
	return false
}

// AccountApps are the apps whose payments and transfers move account
// (Account), sorted: the registered apps of that seller, else the id
// itself.
func (r *Registry) AccountApps(account string) []string {
	r.mu.RLock()
	var out []string
	for id, a := range r.apps {
		if a.Seller.UserID == account {
			out = append(out, id)
		}
	}
	r.mu.RUnlock()
	if len(out) == 0 {
		return []string{account}
	}
	sort.Strings(out)
	return out
}
