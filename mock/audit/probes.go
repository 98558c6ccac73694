package audit

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Probe is one entry of the catalogue. docs/audit.md says why production
// could send each, or why an attacker would.
type Probe struct {
	Name     string  `json:"name"`
	Title    string  `json:"title"`
	Expected string  `json:"expected"`
	Severity Finding `json:"severity"`
	run      func(context.Context, *run, *Result) error
}

const (
	wantSuccess = "success"
	wantRefusal = "not success"
)

var catalogue = []Probe{
	{"baseline", "a correct TRADE_SUCCESS notification", "answers exactly success", Correctness, baseline},
	{"forged-signature", "a signature that does not verify", "answers anything but success", Security, forged},
	{"other-key", "signed by another key (the shipped dev app key, which anyone has)", "answers anything but success", Security, otherKey},
	{"sign-type-swapped", "signed with the other algorithm than sign_type names", "answers anything but success", Security, signTypeSwapped},
	{"tampered-amount", "total_amount not the order's, signed by Alipay's key", "answers anything but success", Security, tamperedAmount},
	{"foreign-app-id", "app_id of another app, signed by Alipay's key", "answers anything but success", Security, foreignApp},
	{"foreign-seller-id", "seller_id of another seller, signed by Alipay's key", "answers anything but success", Security, foreignSeller},
	{"replay", "a correct notification, then the same bytes again", "answers success to both; credits once", Correctness, replay},
	{"duplicates", "three retries of one notification (one notify_id) at once", "answers success to each; credits once", Correctness, duplicates},
	{"closed-before-success", "TRADE_CLOSED arriving before TRADE_SUCCESS", "answers success to both; the order ends paid, once", Correctness, closedBeforeSuccess},
	{"success-then-finished", "TRADE_SUCCESS, then TRADE_FINISHED", "answers success to both; credits once", Correctness, successThenFinished},
	{"gbk", "a correct notification in charset=GBK", "answers success; credits once", Correctness, gbk},
	{"refund", "a partial refund notification (refund_fee, gmt_refund)", "answers success; records the refund, does not credit a payment again", Correctness, refund},
	{"slow-response", "a correct notification, timed", "answers success within the wait", Correctness, slowResponse},
}

// run is one audit in progress.
type run struct {
	a          *Auditor
	t          trade.Trade
	amount     amount.Amount
	url        string
	timeout    time.Duration
	http, slow *http.Client
}

// view is the trade as a notification in status shows it: the order's
// amount, paid (or closed unpaid) now if it was not.
func (r *run) view(status trade.Status) trade.Trade {
	t := r.t
	t.Status, t.Refunds, t.Closed = status, nil, nil
	if r.amount != t.Total {
		t.Total, t.Vouchers, t.Discountable, t.Undiscountable = r.amount, nil, 0, 0
	}
	now := r.a.Clock.Now()
	switch status {
	case trade.Success, trade.Finished:
		if t.Paid == nil {
			t.Paid = &now
		}
	case trade.Closed:
		t.Paid, t.Closed = nil, &now
	}
	return t
}

// params are the notifier's fields for the view t of an event, with a
// fresh notify_id unless one is given, sent at the clock's now plus after.
func (r *run) params(t trade.Trade, typ trade.EventType, notifyID string, after time.Duration) map[string]string {
	at := r.a.Clock.Now().Add(after)
	if notifyID == "" {
		notifyID = r.a.IDs.NotifyID(at)
	}
	return notify.TradeParams(t, typ, at, notifyID)
}

// signed signs p as the notifier does, in the trade's charset (or cs)
// and sign type (or st), by key (Alipay's when nil).
func (r *run) signed(p map[string]string, key *rsa.PrivateKey, cs sign.Charset, st sign.Type) (notify.Form, error) {
	if key == nil {
		key = r.a.Key
	}
	if cs == "" {
		cs = r.t.Charset
	}
	if st == "" {
		st = r.t.SignType
	}
	f, err := notify.SignForm(p, key, cs, st)
	if err != nil {
		return notify.Form{}, fmt.Errorf("audit: signing: %w", err)
	}
	return f, nil
}

// genuine is a correct notification of status, signed by Alipay's key.
func (r *run) genuine(status trade.Status, typ trade.EventType) (notify.Form, error) {
	return r.signed(r.params(r.view(status), typ, "", 0), nil, "", "")
}

// shown are the fields an exchange lists: those the probes change.
var shown = []string{"notify_id", "notify_time", "trade_status", "app_id", "seller_id", "total_amount",
	"refund_fee", "gmt_refund", "gmt_close", "charset", "sign_type", "subject"}

// send posts the form f (or body, when not empty) and judges the answer
// against want.
func (r *run) send(ctx context.Context, c *http.Client, what string, f notify.Form, body string, want string) (Exchange, error) {
	if body == "" {
		var err error
		if body, err = f.Encode(); err != nil {
			return Exchange{}, fmt.Errorf("audit: encoding: %w", err)
		}
	}
	x := Exchange{What: what, Body: body, Fields: map[string]string{}, Want: want}
	for _, k := range shown {
		if v, ok := f.Params[k]; ok {
			x.Fields[k] = v
		}
	}
	if c == nil {
		c = r.http
	}
	ans := notify.Post(ctx, c, r.url, body, f.Charset.Wire(), "")
	x.Status, x.Answer, x.MS = ans.Status, ans.Body, float64(ans.Duration.Microseconds())/1000
	if ans.Err != nil { // Go's error may quote the handler's status line whole (up to 64 KiB)
		x.Error = notify.ErrorText(ans.Err, notify.EarlierError)
	}
	if want == wantSuccess {
		x.OK = ans.OK
	} else {
		x.OK = !accepted(ans)
	}
	return x, ctx.Err()
}

// accepted is an answer that says success: one production takes, or one
// that means it (SUCCESS, a byte order mark before it) from a handler that
// then probably acted on the notification.
func accepted(a notify.Answer) bool {
	return a.Err == nil && a.Status >= 200 && a.Status < 300 &&
		strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(a.Body, "\uFEFF")), "success")
}

// judge sets the finding of res from its exchanges.
func judge(res *Result, refusalWhy string) {
	for _, x := range res.Sent {
		if x.OK {
			continue
		}
		res.Finding = res.Severity
		if x.Want == wantRefusal {
			res.Detail = joinDetail(res.Detail, fmt.Sprintf("%s was answered %q: the handler accepted %s", x.What, x.Answer, refusalWhy))
			continue
		}
		res.Detail = joinDetail(res.Detail, fmt.Sprintf("%s: %s", x.What, whyNotSuccess(x)))
	}
}

// whyNotSuccess says why an answer to a correct notification is not the
// one production takes.
func whyNotSuccess(x Exchange) string {
	switch {
	case x.Error != "":
		return "no answer (" + x.Error + "): production counts it a failure and sends the notification again"
	case x.Status != http.StatusOK:
		return fmt.Sprintf("HTTP %d %q: production wants HTTP 200 and success (white space around it aside), and sends the notification again until it gets them (a redirect is not followed)", x.Status, truncate(x.Answer, 60))
	case strings.TrimSpace(x.Answer) == "success": // refused only when longer than what is kept
		return fmt.Sprintf("answered %q and more than 1 KiB in all: production wants the 7 characters success, white space around them aside, and sends the notification again", truncate(x.Answer, 60))
	case strings.EqualFold(strings.TrimSpace(x.Answer), "success"):
		return fmt.Sprintf("answered %q: production wants the 7 characters success in lower case, and sends the notification again", x.Answer)
	case strings.HasPrefix(x.Answer, "\uFEFF"):
		return fmt.Sprintf("answered %q: a byte order mark before the answer is not success (save the page without one); production sends the notification again", truncate(x.Answer, 60))
	}
	return fmt.Sprintf("answered %q to a correct notification: production sends it again for about 25 hours", truncate(x.Answer, 60))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// sendOne sends the form f (or body) and keeps the exchange in res.
func (r *run) sendOne(ctx context.Context, res *Result, what string, f notify.Form, body, want string) error {
	x, err := r.send(ctx, nil, what, f, body, want)
	if err != nil {
		return err
	}
	res.Sent = append(res.Sent, x)
	return nil
}

func baseline(ctx context.Context, r *run, res *Result) error {
	f, err := r.genuine(trade.Success, trade.EventPaid)
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "TRADE_SUCCESS signed by Alipay's key", f, "", wantSuccess); err != nil {
		return err
	}
	judge(res, "")
	return nil
}

func forged(ctx context.Context, r *run, res *Result) error {
	f, err := r.genuine(trade.Success, trade.EventPaid)
	if err != nil {
		return err
	}
	// The real signature with bytes flipped: the right length and valid
	// base64, as an attacker who copied a real one and changed a field has.
	b, err := base64.StdEncoding.DecodeString(f.Params["sign"])
	if err != nil || len(b) == 0 {
		return fmt.Errorf("audit: the notifier's signature is not base64: %v", err)
	}
	b[len(b)/2] ^= 0xff
	b[len(b)-1] ^= 0x01
	f.Params["sign"] = base64.StdEncoding.EncodeToString(b)
	if err := r.sendOne(ctx, res, "TRADE_SUCCESS with a signature that does not verify", f, "", wantRefusal); err != nil {
		return err
	}
	judge(res, "a notification whose signature does not verify: anyone can mark orders paid")
	return nil
}

func otherKey(ctx context.Context, r *run, res *Result) error {
	k := keys.DevAppPrivateKey()
	if k.PublicKey.Equal(&r.a.Key.PublicKey) {
		return fmt.Errorf("audit: the mock's Alipay key is the dev app key; start it with another --alipay-private-key")
	}
	f, err := r.signed(r.params(r.view(trade.Success), trade.EventPaid, "", 0), k, "", "")
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "TRADE_SUCCESS signed by the dev app's private key (keys/dev/app_private_key.pem)", f, "", wantRefusal); err != nil {
		return err
	}
	judge(res, "a notification signed by a key that is not Alipay's: the handler verifies with the wrong key (the app's own public key?) or not at all")
	return nil
}

func signTypeSwapped(ctx context.Context, r *run, res *Result) error {
	named := r.t.SignType
	if named == "" {
		named = sign.RSA2
	}
	used := sign.RSA
	if named == sign.RSA {
		used = sign.RSA2
	}
	f, err := r.signed(r.params(r.view(trade.Success), trade.EventPaid, "", 0), nil, "", used)
	if err != nil {
		return err
	}
	f.Params["sign_type"] = string(named) // not signed: sign_type is left out of the string to sign
	what := fmt.Sprintf("TRADE_SUCCESS signed %s by Alipay's key, sign_type %s", used, named)
	if err := r.sendOne(ctx, res, what, f, "", wantRefusal); err != nil {
		return err
	}
	judge(res, "a signature made with another algorithm than sign_type names: the handler tries algorithms until one verifies (a downgrade to SHA-1) or does not verify")
	return nil
}

// otherID is id with its last digit changed: the same shape, another
// app's or seller's.
func otherID(id string) string {
	if id == "" {
		return "2088000000000001"
	}
	last := id[len(id)-1]
	if last >= '0' && last <= '9' {
		return id[:len(id)-1] + string('0'+(last-'0'+1)%10)
	}
	return id + "1"
}

func tamperedAmount(ctx context.Context, r *run, res *Result) error {
	v := r.view(trade.Success)
	tampered := amount.Amount(1) // a cent for the order
	if r.amount <= 1 {
		tampered = r.amount + 100
	}
	v.Total, v.Vouchers = tampered, nil
	f, err := r.signed(r.params(v, trade.EventPaid, "", 0), nil, "", "")
	if err != nil {
		return err
	}
	what := fmt.Sprintf("TRADE_SUCCESS for total_amount %s (the order's is %s) signed by Alipay's key", tampered, r.amount)
	if err := r.sendOne(ctx, res, what, f, "", wantRefusal); err != nil {
		return err
	}
	judge(res, "a payment of another amount than the order's: the handler does not compare total_amount with the order")
	return nil
}

func foreignApp(ctx context.Context, r *run, res *Result) error {
	p := r.params(r.view(trade.Success), trade.EventPaid, "", 0)
	p["app_id"] = otherID(p["app_id"])
	p["auth_app_id"] = p["app_id"]
	f, err := r.signed(p, nil, "", "")
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "TRADE_SUCCESS for app_id "+p["app_id"]+" signed by Alipay's key", f, "", wantRefusal); err != nil {
		return err
	}
	judge(res, "a notification for another app: the handler does not check app_id, so another app's payment with the same out_trade_no marks this order paid")
	return nil
}

func foreignSeller(ctx context.Context, r *run, res *Result) error {
	p := r.params(r.view(trade.Success), trade.EventPaid, "", 0)
	p["seller_id"] = otherID(p["seller_id"])
	if e := p["seller_email"]; e != "" {
		p["seller_email"] = "other-" + e
	}
	f, err := r.signed(p, nil, "", "")
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "TRADE_SUCCESS for seller_id "+p["seller_id"]+" signed by Alipay's key", f, "", wantRefusal); err != nil {
		return err
	}
	judge(res, "a payment to another seller: the handler does not check seller_id, so money paid to someone else marks this order paid")
	return nil
}

func replay(ctx context.Context, r *run, res *Result) error {
	f, err := r.genuine(trade.Success, trade.EventPaid)
	if err != nil {
		return err
	}
	body, err := f.Encode()
	if err != nil {
		return err
	}
	for _, what := range []string{"TRADE_SUCCESS signed by Alipay's key", "the same bytes again"} {
		if err := r.sendOne(ctx, res, what, f, body, wantSuccess); err != nil {
			return err
		}
	}
	judge(res, "")
	return nil
}

// duplicates sends the copies a retrying notifier sends (one notify_id,
// notify_time and signature of each attempt: 0, 4m and 14m on the default
// schedule) at once, as they arrive while a slow first attempt is still
// being handled: sent 14m ago, 10m ago and now, never in the future, nor
// before the trade's gmt_payment or gmt_create (the copies then fit
// between those and now, spaced as the schedule's).
func duplicates(ctx context.Context, r *run, res *Result) error {
	now := r.a.Clock.Now()
	first := now.Add(-14 * time.Minute)
	if r.t.Paid != nil && r.t.Paid.After(first) {
		first = *r.t.Paid
	}
	if r.t.Created.After(first) {
		first = r.t.Created
	}
	if first.After(now) {
		first = now
	}
	v := r.view(trade.Success)
	if r.t.Paid == nil {
		v.Paid = &first // paid by the first attempt
	}
	id := r.a.IDs.NotifyID(first)
	span := now.Sub(first)
	offsets := []time.Duration{-span, -span * 10 / 14, 0}
	if span < 2*time.Second {
		// Paid this very second: notify_time has whole seconds, so the
		// copies go one second apart, the last up to 2 s after now, to stay
		// distinct as production's retries are.
		offsets = []time.Duration{-span, -span + time.Second, -span + 2*time.Second}
	}
	var forms []notify.Form
	for _, after := range offsets {
		f, err := r.signed(r.params(v, trade.EventPaid, id, after), nil, "", "")
		if err != nil {
			return err
		}
		forms = append(forms, f)
	}
	xs := make([]Exchange, len(forms))
	errs := make([]error, len(forms))
	var wg sync.WaitGroup
	for i, f := range forms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i], errs[i] = r.send(ctx, nil, fmt.Sprintf("copy %d of %d of notify_id %s (notify_time %s)", i+1, len(forms), id, f.Params["notify_time"]), f, "", wantSuccess)
		}()
	}
	wg.Wait()
	for i := range xs {
		if errs[i] != nil {
			return errs[i]
		}
	}
	res.Sent = append(res.Sent, xs...)
	judge(res, "")
	return nil
}

func closedBeforeSuccess(ctx context.Context, r *run, res *Result) error {
	closed, err := r.genuine(trade.Closed, trade.EventClosed)
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "TRADE_CLOSED (unpaid close) signed by Alipay's key", closed, "", wantSuccess); err != nil {
		return err
	}
	paid, err := r.genuine(trade.Success, trade.EventPaid)
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "then TRADE_SUCCESS signed by Alipay's key", paid, "", wantSuccess); err != nil {
		return err
	}
	judge(res, "")
	return nil
}

func successThenFinished(ctx context.Context, r *run, res *Result) error {
	paid, err := r.genuine(trade.Success, trade.EventPaid)
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "TRADE_SUCCESS signed by Alipay's key", paid, "", wantSuccess); err != nil {
		return err
	}
	done, err := r.genuine(trade.Finished, trade.EventFinished)
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "then TRADE_FINISHED signed by Alipay's key", done, "", wantSuccess); err != nil {
		return err
	}
	judge(res, "")
	return nil
}

// gbkNote is added to an ASCII subject so the GBK probe has characters
// whose bytes differ from UTF-8's.
const gbkNote = "（测试）"

func gbk(ctx context.Context, r *run, res *Result) error {
	v := r.view(trade.Success)
	if _, err := sign.GBK.Encode(v.Subject); err != nil {
		v.Subject = "GBK probe" // a subject GBK cannot spell (an emoji, say)
	}
	if !hasNonASCII(v.Subject) {
		v.Subject += gbkNote
	}
	f, err := r.signed(r.params(v, trade.EventPaid, "", 0), nil, sign.GBK, "")
	if err != nil {
		return err
	}
	if err := r.sendOne(ctx, res, "TRADE_SUCCESS in GBK (subject "+v.Subject+") signed by Alipay's key", f, "", wantSuccess); err != nil {
		return err
	}
	judge(res, "")
	return nil
}

func hasNonASCII(s string) bool { return utf8.RuneCountInString(s) != len(s) }

func refund(ctx context.Context, r *run, res *Result) error {
	v := r.view(trade.Success)
	now := r.a.Clock.Now()
	back := amount.Amount(1)
	if r.amount <= 1 { // a full refund closes the trade
		back = r.amount
		v.Status, v.Closed = trade.Closed, &now
	}
	v.Refunds = []trade.Refund{{OutRequestNo: "audit" + r.a.IDs.NotifyID(now)[8:20], Amount: back, At: now}}
	f, err := r.signed(r.params(v, trade.EventRefunded, "", 0), nil, "", "")
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s with refund_fee %s (a refund) signed by Alipay's key", v.Status, back)
	if err := r.sendOne(ctx, res, what, f, "", wantSuccess); err != nil {
		return err
	}
	judge(res, "")
	return nil
}

func slowResponse(ctx context.Context, r *run, res *Result) error {
	f, err := r.genuine(trade.Success, trade.EventPaid)
	if err != nil {
		return err
	}
	x, err := r.send(ctx, r.slow, "TRADE_SUCCESS signed by Alipay's key, timed", f, "", wantSuccess)
	if err != nil {
		return err
	}
	late := time.Duration(x.MS * float64(time.Millisecond))
	if x.OK && late > r.timeout {
		x.OK = false
		res.Finding = res.Severity
		res.Detail = fmt.Sprintf("answered success after %s, later than the %s the notifier waits (inferred): production counts it a failure and sends the notification again", late.Round(time.Millisecond), r.timeout)
	}
	res.Sent = append(res.Sent, x)
	if x.Error != "" {
		res.Finding = res.Severity
		res.Detail = fmt.Sprintf("no answer within %s (the notifier waits %s, inferred): production counts it a failure and sends the notification again", r.slow.Timeout, r.timeout)
		return nil
	}
	if res.Finding == None {
		judge(res, "")
	}
	return nil
}
