package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// maxNotification bounds what verify-notify reads: notifications are a
// few KiB.
const maxNotification = 1 << 20

var requestLine = regexp.MustCompile(`^[A-Z]+ \S+ HTTP/\d`)

// verifyNotify checks captured notifications the way an app's notify_url
// must, and says why one fails.
func verifyNotify(args []string, stdout, stderr io.Writer) error {
	r := &request{fs: newFlags("verify-notify")}
	r.fs.StringVar(&r.appID, "app-id", "", "the app the notification must be for (default: whichever it names)")
	r.fs.StringVar(&r.alipayKey, "alipay-public-key", "", "the Alipay public key: a file, PEM or base64 (default the mock's keys/dev/alipay_public_key.pem)")
	if err := r.parse(args, stdout); err != nil {
		return err
	}
	if len(r.positional) > 1 {
		return usageError{"verify-notify", fmt.Errorf("one FILE at most, got %q", r.positional)}
	}
	in, name := stdin, "stdin"
	if len(r.positional) == 1 && r.positional[0] != "-" {
		f, err := os.Open(r.positional[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, r.positional[0]
	}
	raw, err := io.ReadAll(io.LimitReader(in, maxNotification+1))
	if err != nil {
		return err
	}
	if len(raw) > maxNotification {
		return fmt.Errorf("%s: more than %d bytes: not a notification", name, maxNotification)
	}
	bodies, err := notificationBodies(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	pub, err := r.alipayPublicKey()
	if err != nil {
		return err
	}
	failed := 0
	for i, body := range bodies {
		label := ""
		if len(bodies) > 1 {
			label = fmt.Sprintf("notification %d of %d: ", i+1, len(bodies))
		}
		summary, err := checkNotification(body, r.appID, pub, r.alipayKey != "")
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "%sdoes NOT verify: %v\n", label, err)
			continue
		}
		fmt.Fprintf(stdout, "%sverifies: %s\n", label, summary)
	}
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// notificationBodies finds the form bodies in what was captured: a form
// body, a whole HTTP request, or the control API's JSON for one
// notification ({"body": …}) or a list of them.
func notificationBodies(raw []byte) ([]string, error) {
	text := strings.TrimSpace(string(raw))
	switch {
	case text == "":
		return nil, errors.New("empty: give the notification's form body (app_id=…&sign=…)")
	case strings.HasPrefix(text, "{") || strings.HasPrefix(text, "["):
		var list []struct {
			Body string `json:"body"`
		}
		if strings.HasPrefix(text, "{") {
			text = "[" + text + "]"
		}
		if err := json.Unmarshal([]byte(text), &list); err != nil {
			return nil, fmt.Errorf("JSON that is not the control API's notifications: %w", err)
		}
		var out []string
		for _, n := range list {
			if n.Body != "" {
				out = append(out, n.Body)
			}
		}
		if len(out) == 0 {
			return nil, errors.New("no notification with a body in the JSON (is the list empty? was a notify_url given?)")
		}
		return out, nil
	case requestLine.MatchString(text):
		text = strings.ReplaceAll(text, "\r\n", "\n")
		_, body, ok := strings.Cut(text, "\n\n")
		if !ok {
			return nil, errors.New("an HTTP request without a body")
		}
		return []string{strings.TrimSpace(body)}, nil
	}
	return []string{text}, nil
}

// checkNotification verifies one form body with the bundled client, as an
// app's notify_url would, and on failure looks for the likely cause.
func checkNotification(body, appID string, pub *rsa.PublicKey, ownKey bool) (string, error) {
	form, err := url.ParseQuery(body)
	if err != nil {
		return "", fmt.Errorf("not a form body (a=1&b=2, percent-encoded): %w", err)
	}
	if appID == "" {
		appID = form.Get("app_id")
	}
	if appID == "" { // the client would say "AppID is required", a config error of its own
		missing := "app_id parameter"
		if form.Get("sign") == "" {
			missing = "app_id or sign parameter"
		}
		return "", fmt.Errorf("there is no %s: Alipay's notifications name their app and are signed, so this is not one as sent (or the capture lost it)", missing)
	}
	// The client needs a private key to exist, though verifying never
	// uses it: a throwaway one, so that no key given is mistaken for its pair.
	throwaway, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		return "", err
	}
	c, err := client.New(client.Config{GatewayURL: defaultGateway, AppID: appID, PrivateKeyRSA: throwaway, AlipayPublicKeyRSA: pub})
	if err != nil {
		return "", err
	}
	req, _ := http.NewRequest(http.MethodPost, "/notify", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	n, err := c.VerifyNotification(req)
	if err == nil && form.Get("msg_method") != "" {
		return fmt.Sprintf("%s signature by Alipay public key %s; %s",
			orDefault(form.Get("sign_type"), "RSA2"), keys.Fingerprint(pub), messageSummary(form)), nil
	}
	if err == nil {
		return fmt.Sprintf("%s signature by Alipay public key %s; app_id %s, notify_type %s, notify_id %s, out_trade_no %s, trade_status %s",
			orDefault(form.Get("sign_type"), "RSA2"), keys.Fingerprint(pub), n.AppID, n.NotifyType, n.NotifyID, n.OutTradeNo, n.TradeStatus), nil
	}
	return "", explain(err, form, pub, ownKey)
}

// messageFields are the biz_content fields a message's summary names,
// when it has them: what the message is about and its state.
var messageFields = []string{"out_biz_no", "out_trade_no", "out_request_no", "order_id", "pay_fund_order_id", "status", "trans_amount"}

// messageSummary sums up a 蚂蚁消息 (msg_method set), which carries its
// fields in biz_content rather than a trade notification's parameters.
func messageSummary(form url.Values) string {
	parts := []string{"app_id " + form.Get("app_id"), "msg_method " + form.Get("msg_method")}
	if id := form.Get("notify_id"); id != "" {
		parts = append(parts, "notify_id "+id)
	}
	var biz map[string]any
	if json.Unmarshal([]byte(form.Get("biz_content")), &biz) == nil {
		for _, k := range messageFields {
			switch v := biz[k].(type) {
			case string:
				parts = append(parts, k+" "+v)
			case float64, bool:
				parts = append(parts, fmt.Sprintf("%s %v", k, v))
			}
		}
	}
	return strings.Join(parts, ", ")
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// explain adds to a verification failure what else was tried and which
// variant would have verified.
func explain(err error, form url.Values, pub *rsa.PublicKey, ownKey bool) error {
	switch {
	case errors.Is(err, client.ErrUnsigned):
		return errors.New("there is no sign parameter: Alipay signs every notification, so this is not one as sent (or the capture lost it)")
	case errors.Is(err, client.ErrOtherApp):
		return fmt.Errorf("%v: the signature is good, but --app-id names another app", err)
	case !errors.Is(err, sign.ErrBadSignature):
		return err
	}
	flat := map[string]string{}
	for k := range form {
		flat[k] = form.Get(k)
	}
	cs, _ := sign.ParseCharset(form.Get("charset"))
	st, _ := sign.ParseType(orDefault(form.Get("sign_type"), "RSA2"))
	sig := form.Get("sign")
	content := sign.NotifyContent(flat)
	verifies := func(k *rsa.PublicKey, t sign.Type, content string) bool {
		return sign.VerifyString(k, t, cs, content, sig) == nil
	}
	other := sign.RSA
	if st == sign.RSA {
		other = sign.RSA2
	}
	var why string
	switch {
	case verifies(pub, other, content):
		why = fmt.Sprintf("it verifies as %s: sign_type says %s", other, st)
	case verifies(pub, st, sign.RequestContent(flat)):
		why = "it verifies over a string that includes sign_type: Alipay leaves sign and sign_type out of a notification's string-to-sign"
	case strings.Contains(content, "%"):
		decoded := map[string]string{}
		for k, v := range flat {
			if d, err := url.QueryUnescape(v); err == nil {
				decoded[k] = d
			} else {
				decoded[k] = v
			}
		}
		if verifies(pub, st, sign.NotifyContent(decoded)) {
			why = "it verifies once the values are percent-decoded a second time: the capture was encoded twice"
			break
		}
		fallthrough
	default:
		dev := &keys.DevAlipayPrivateKey().PublicKey
		if ownKey && !dev.Equal(pub) && (verifies(dev, st, content) || verifies(dev, other, content)) {
			why = "it verifies with the mock's shipped Alipay key (keys/dev/alipay_public_key.pem), not with --alipay-public-key"
		} else {
			why = fmt.Sprintf("a parameter was changed after signing, or it was signed by a key other than the Alipay public key %s (an app key is the commonest mix-up)", keys.Fingerprint(pub))
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "the %s signature does not match the other parameters: %s\nstring that was verified (every parameter but sign and sign_type, sorted, empty ones left out):\n%s", st, why, content)
	return errors.New(b.String())
}
