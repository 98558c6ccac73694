package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// stdin is what verify-notify reads without a file; tests replace it.
var stdin io.Reader = os.Stdin

// defaultGateway is the gateway of a mock started with no flags.
const defaultGateway = "http://" + defaultAddr + "/gateway.do"

// commonParams go among the common parameters when given as key=value;
// every other key goes into biz_content.
var commonParams = map[string]bool{"notify_url": true, "return_url": true, "app_auth_token": true}

// request is what call and sign share: the app, its key, the method and
// its parameters.
type request struct {
	fs                  *flag.FlagSet
	gateway, appID, key string
	alipayKey, signType string
	charset, biz, stamp string
	timeout             time.Duration
	params              multi
	method              string
	bizFields           map[string]json.RawMessage
	common              map[string]string
	positional          []string
	wantsMethod         bool
}

func requestFlags(name string) *request {
	r := &request{fs: newFlags(name)}
	fs := r.fs
	fs.StringVar(&r.gateway, "gateway", "", "the gateway URL (a base URL gets /gateway.do); default the one at ALIPAY_MOCK_ADDR, as healthcheck finds the mock, else "+defaultGateway)
	fs.StringVar(&r.appID, "app-id", keys.DevAppID, "the app to sign as; "+keys.DevCertAppID+", the dev app in certificate mode (fund methods need it), gets its app_cert_sn and alipay_root_cert_sn")
	fs.StringVar(&r.key, "key", "", "the app's private key: a file, or PEM or base64 text (default the dev app's keys/dev/app_private_key.pem)")
	fs.StringVar(&r.alipayKey, "alipay-public-key", "", "the Alipay public key answers and notifications are verified with: a file, PEM or base64 (default the mock's keys/dev/alipay_public_key.pem)")
	return r
}

func (r *request) signingFlags() {
	r.fs.StringVar(&r.biz, "biz", "", "biz_content as a JSON object; key=value arguments add to it")
	r.fs.StringVar(&r.signType, "sign-type", "RSA2", "RSA2 (SHA256withRSA) or RSA (SHA1withRSA), as the app's key is registered")
	r.fs.StringVar(&r.charset, "charset", "UTF-8", "UTF-8 or GBK")
	r.fs.Var(&r.params, "param", "a common parameter, key=value (repeatable), e.g. --param grant_type=authorization_code")
	r.wantsMethod = true
}

// parse reads flags before, between and after the arguments, then the
// environment, and the arguments into method, biz_content and common
// parameters.
func (r *request) parse(args []string, stdout io.Writer) error {
	fs := r.fs
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs)
			return errHelpShown
		} else if err != nil {
			return usageError{fs.Name(), err}
		}
		if fs.NArg() == 0 {
			break
		}
		r.positional = append(r.positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := parse(fs, nil, stdout); err != nil { // the ALIPAY_MOCK_* variables
		return err
	}
	if fs.Lookup("gateway") != nil && r.gateway == "" {
		// The mock's listen address, as healthcheck and audit read it.
		addr, ok := os.LookupEnv("ALIPAY_MOCK_ADDR")
		if !ok {
			addr = defaultAddr
		}
		base, err := mockBase(addr, "")
		if err != nil {
			return usageError{fs.Name(), fmt.Errorf("ALIPAY_MOCK_ADDR %q: %w (or give --gateway)", addr, errors.Unwrap(err))}
		}
		r.gateway = base + "/gateway.do"
	}
	if !r.wantsMethod {
		return nil
	}
	if len(r.positional) == 0 || strings.Contains(r.positional[0], "=") {
		return usageError{fs.Name(), errors.New("the first argument is the method, e.g. alipay.trade.query")}
	}
	r.method = r.positional[0]
	r.bizFields = map[string]json.RawMessage{}
	if r.biz != "" {
		if err := json.Unmarshal([]byte(r.biz), &r.bizFields); err != nil || r.bizFields == nil {
			return usageError{fs.Name(), fmt.Errorf("--biz must be a JSON object: %v", err)}
		}
	}
	r.common = map[string]string{}
	for _, p := range r.params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return usageError{fs.Name(), fmt.Errorf("--param %q: want key=value", p)}
		}
		r.common[k] = v
	}
	if r.appID == keys.DevCertAppID { // the shipped certificate-mode dev app: its certificates' SNs
		for k, v := range map[string]string{"app_cert_sn": keys.DevCertAppCertSN(), "alipay_root_cert_sn": keys.DevRootCertSN()} {
			if _, ok := r.common[k]; !ok {
				r.common[k] = v
			}
		}
	}
	for _, a := range r.positional[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" || k == ":" {
			return usageError{fs.Name(), fmt.Errorf("%q: want key=value or key:=JSON", a)}
		}
		switch {
		case strings.HasSuffix(k, ":"):
			if !json.Valid([]byte(v)) {
				return usageError{fs.Name(), fmt.Errorf("%q: the value after := must be JSON", a)}
			}
			r.bizFields[strings.TrimSuffix(k, ":")] = json.RawMessage(v)
		case commonParams[k]:
			r.common[k] = v
		default:
			b, _ := json.Marshal(v)
			r.bizFields[k] = b
		}
	}
	return nil
}

// client makes the client that signs (and, for call, sends and verifies:
// verify).
func (r *request) client(now func() time.Time, verify bool) (*client.Client, error) {
	cfg := client.Config{GatewayURL: gatewayURL(r.gateway), AppID: r.appID, Charset: r.charset,
		HTTPClient: &http.Client{Timeout: r.timeout}, Now: now}
	if r.signType != "" {
		st, err := sign.ParseType(r.signType)
		if err != nil {
			return nil, usageError{r.fs.Name(), fmt.Errorf("--sign-type: %w", err)}
		}
		cfg.SignType = st
	}
	if _, err := sign.ParseCharset(r.charset); err != nil {
		return nil, usageError{r.fs.Name(), fmt.Errorf("--charset: %w", err)}
	}
	if r.key == "" {
		cfg.PrivateKeyRSA = keys.DevAppPrivateKey()
	} else {
		k, err := keys.LoadPrivateKey(r.key)
		if err != nil {
			return nil, fmt.Errorf("--key: %w", err)
		}
		cfg.PrivateKeyRSA = k
	}
	own := &cfg.PrivateKeyRSA.PublicKey
	if !verify {
		// The client wants an Alipay public key that is not the signing
		// key's own half; sign verifies nothing with it.
		for _, k := range []*rsa.PrivateKey{keys.DevAlipayPrivateKey(), keys.DevAppPrivateKey()} {
			if !k.PublicKey.Equal(own) {
				cfg.AlipayPublicKeyRSA = &k.PublicKey
				break
			}
		}
		return client.New(cfg)
	}
	pub, err := r.alipayPublicKey()
	if err != nil {
		return nil, err
	}
	if pub.Equal(own) { // one key pair taken for both: name the flag given
		switch {
		case r.alipayKey == "":
			return nil, errors.New("--key is the private half of the Alipay public key answers are verified with (keys/dev/alipay_private_key.pem is the mock's own key): --key must be the app's private key, e.g. keys/dev/app_private_key.pem")
		case r.key == "":
			return nil, errors.New("--alipay-public-key is the dev app's public key: give the Alipay public key (default keys/dev/alipay_public_key.pem)")
		default:
			return nil, errors.New("--key and --alipay-public-key are one key pair: --key must be the app's private key, --alipay-public-key the Alipay public key")
		}
	}
	cfg.AlipayPublicKeyRSA = pub
	c, err := client.New(cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (r *request) alipayPublicKey() (*rsa.PublicKey, error) {
	if r.alipayKey == "" {
		return &keys.DevAlipayPrivateKey().PublicKey, nil
	}
	k, err := keys.LoadPublicKey(r.alipayKey)
	if err != nil {
		return nil, fmt.Errorf("--alipay-public-key: %w", err)
	}
	return k, nil
}

// bizArg is what the client marshals as biz_content: nil for none.
func (r *request) bizArg() any {
	if len(r.bizFields) == 0 {
		return nil
	}
	return r.bizFields
}

func (r *request) options() []client.CallOption {
	var opts []client.CallOption
	for k, v := range r.common {
		opts = append(opts, client.WithParam(k, v))
	}
	return opts
}

// browserMethod reports whether a method is opened by a browser or the
// Alipay app (a page, not a JSON answer).
func browserMethod(m string) bool {
	for _, suffix := range []string{".page.pay", ".wap.pay", ".app.pay"} {
		if strings.HasSuffix(m, suffix) {
			return true
		}
	}
	return false
}

// gatewayURL completes a base URL with /gateway.do.
func gatewayURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || strings.HasSuffix(u.Path, "gateway.do") {
		return v
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/gateway.do"
	return u.String()
}

// call signs a request, sends it, verifies the answer and prints it.
func call(args []string, stdout, stderr io.Writer) error {
	r := requestFlags("call")
	r.signingFlags()
	r.fs.DurationVar(&r.timeout, "timeout", 30*time.Second, "give up on the answer after this long")
	if err := r.parse(args, stdout); err != nil {
		return err
	}
	c, err := r.client(nil, true)
	if err != nil {
		return err
	}
	var node json.RawMessage
	err = c.Do(context.Background(), r.method, r.bizArg(), &node, r.options()...)
	var status *apierr.Error
	if err != nil && !errors.As(err, &status) {
		if browserMethod(r.method) {
			return fmt.Errorf("%w\n%s is not called server to server: a browser or the Alipay app opens it; 'alipay-mock sign %s … --print body' gives the signed form", err, r.method, r.method)
		}
		return err // not sent, no answer, or an answer that does not verify
	}
	if len(node) == 0 {
		return fmt.Errorf("%s: the answer has no %s node", r.method, sign.NodeName(r.method))
	}
	if status == nil {
		status = &apierr.Error{}
		_ = json.Unmarshal(node, status)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, node, "", "  "); err != nil {
		pretty.Reset()
		pretty.Write(node)
	}
	fmt.Fprintf(stdout, "%s\n%s\n", unescapeSlashes(pretty.Bytes()), statusLine(status))
	// An answer with no code (alipay.system.oauth.token's success, as
	// production's) is a success too.
	if status.Code == client.CodeSuccess || status.Code == "" && status.SubCode == "" {
		return nil
	}
	if status.SubCode == "isv.missing-app-cert-sn" && r.appID == keys.DevAppID {
		use := "one with an app certificate (app_cert)"
		if r.servesCertDevApp() {
			use = "--app-id " + keys.DevCertAppID + " (the dev app in certificate mode)"
		}
		fmt.Fprintf(stderr, "alipay-mock: hint: %s needs an app in certificate mode: %s\n", r.method, use)
	}
	if status.SubCode == "isv.invalid-signature" && r.key == "" && r.appID != keys.DevAppID {
		fmt.Fprintf(stderr, "alipay-mock: hint: --app-id %s was signed with the dev app's key; give its own with --key\n", r.appID)
	}
	return exitError{code: 3}
}

// servesCertDevApp reports whether the mock at r.gateway lists the shipped
// certificate-mode dev app (not under --no-dev-app). It asks the control
// API (GET /_mock/apps) without a token, as call takes none: a mock
// reached by another name than loopback's, or by an Alipay host name,
// refuses, and any failure is "no" (docs/configuration.md).
func (r *request) servesCertDevApp() bool {
	u, err := url.Parse(gatewayURL(r.gateway))
	if err != nil {
		return false
	}
	u.Path, u.RawQuery = strings.TrimSuffix(u.Path, "gateway.do")+"_mock/apps", ""
	resp, err := (&http.Client{Timeout: r.timeout}).Get(u.String())
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var list []struct {
		AppID     string `json:"app_id"`
		AppCertSN string `json:"app_cert_sn"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list) != nil {
		return false
	}
	for _, a := range list {
		if a.AppID == keys.DevCertAppID && a.AppCertSN != "" {
			return true
		}
	}
	return false
}

// unescapeSlashes turns Alipay's \/ back into / (qr_code and other URLs
// copy-paste as they are); an escaped backslash before a / is kept.
func unescapeSlashes(b []byte) string {
	var out strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			if b[i+1] != '/' {
				out.WriteByte(b[i])
			}
			out.WriteByte(b[i+1])
			i++
			continue
		}
		out.WriteByte(b[i])
	}
	return out.String()
}

// statusLine is the answer's code, msg, sub_code and sub_msg on one line.
func statusLine(e *apierr.Error) string {
	if e.Code == "" && e.SubCode == "" {
		return "no code: a success (as alipay.system.oauth.token answers)"
	}
	out := fmt.Sprintf("code=%s msg=%q", e.Code, e.Msg)
	if e.SubCode != "" {
		out += fmt.Sprintf(" sub_code=%s sub_msg=%q", e.SubCode, e.SubMsg)
	}
	return out
}

// signCmd prints what a request signs and its signature, without sending.
func signCmd(args []string, stdout, _ io.Writer) error {
	r := requestFlags("sign")
	r.signingFlags()
	what := r.fs.String("print", "all", "all, or only one of: string (the string-to-sign), sign (the signature), body (the form body)")
	r.fs.StringVar(&r.stamp, "timestamp", "", "the request's timestamp, GMT+8 yyyy-MM-dd HH:mm:ss (default now)")
	if err := r.parse(args, stdout); err != nil {
		return err
	}
	var now func() time.Time
	if r.stamp != "" {
		t, err := timestamp.Parse(r.stamp)
		if err != nil {
			return usageError{"sign", fmt.Errorf("--timestamp: %w", err)}
		}
		now = func() time.Time { return t }
	}
	c, err := r.client(now, false)
	if err != nil {
		return err
	}
	p, err := c.SignedParams(r.method, r.bizArg(), r.options()...)
	if err != nil {
		return err
	}
	cs, _ := sign.ParseCharset(p["charset"])
	body, err := sign.EncodeForm(p, cs)
	if err != nil {
		return err
	}
	toSign := sign.RequestContent(p)
	switch *what {
	case "string":
		fmt.Fprintln(stdout, toSign)
	case "sign":
		fmt.Fprintln(stdout, p["sign"])
	case "body":
		fmt.Fprintln(stdout, body)
	case "all":
		fmt.Fprintf(stdout, "# string to sign (every parameter but sign, sorted, key=value joined by &, in %s)\n%s\n", p["charset"], toSign)
		fmt.Fprintf(stdout, "# sign (%s with the key of app %s)\n%s\n", p["sign_type"], r.appID, p["sign"])
		fmt.Fprintf(stdout, "# form body: POST it to %s with Content-Type application/x-www-form-urlencoded;charset=%s\n%s\n", gatewayURL(r.gateway), p["charset"], body)
	default:
		return usageError{"sign", fmt.Errorf("--print %q: want all, string, sign or body", *what)}
	}
	return nil
}
