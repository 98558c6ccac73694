package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// OutcomeHeader forces the answer of one request, for tests that cannot
// load a scenario: a URL-encoded list such as
//
//	code=20000
//	code=40004&sub_code=ACQ.SYSTEM_ERROR&execute=true
//
// code picks the answer; sub_code and sub_msg default from the code;
// execute=true runs the method first, so the operation happens and only
// its answer is lost (what a 20000 means in production). code=10003 with
// execute=true leaves a red-packet operation processing. The bare value 1
// is the browser's marker for the control API (docs/security.md), which a
// harness sends on every request: it forces nothing.
const OutcomeHeader = "X-Alipay-Mock"

// outcomeText is the header's forced answer, "" for none (absent, or the
// browser's marker 1).
func outcomeText(h string) string {
	h = strings.TrimSpace(h)
	if h == "1" {
		return ""
	}
	return h
}

// Outcome is a forced answer.
type Outcome struct {
	Err     *apierr.Error
	Execute bool
}

var defaultSub = map[string][2]string{
	apierr.CodeUnknown:      {apierr.SubSystemBusy, apierr.SubMsgSystemBusy},
	apierr.CodeTokenInvalid: {"aop.invalid-auth-token", "无效的访问令牌"},
	apierr.CodeBusiness:     {"ACQ.SYSTEM_ERROR", "系统异常"},
	apierr.CodeCallLimited:  {"isv.app-call-limited", "应用调用次数超限"},
	apierr.CodePermission:   {"isv.insufficient-isv-permissions", "ISV权限不足"},
}

// subMsgs are the texts of sub_codes a forced answer may name without a
// sub_msg, taken from the errors the state machines answer with.
var subMsgs = func() map[string]string {
	m := map[string]string{
		"ACQ.SYSTEM_ERROR":       "系统异常",
		"ACQ.CANCEL_NOT_ALLOWED": "交易不允许撤销",
		apierr.SubSystemBusy:     apierr.SubMsgSystemBusy,
		apierr.SubGatewayUnknown: apierr.SubMsgGatewayUnknown,
	}
	for _, e := range []*apierr.Error{trade.ErrTradeNotExist, trade.ErrBuyerBalanceNotEnough, trade.ErrPaymentFail,
		trade.ErrTradeHasSuccess, trade.ErrTradeHasClose, trade.ErrTradeStatus, trade.ErrTradeHasFinished,
		trade.ErrCancelTimeout, trade.ErrRefundFee, trade.ErrRoyaltyFinished, trade.ErrSellerBalanceNotEnough, coupon.ErrOrderNotExist,
		coupon.ErrRestNotEnough, coupon.ErrOrderStatus} {
		m[e.SubCode] = e.SubMsg
	}
	return m
}()

// NewOutcome builds the forced answer for a code, filling sub_code and
// sub_msg from the code when not given.
func NewOutcome(code, subCode, subMsg string, execute bool) (*Outcome, error) {
	if apierr.Msg(code) == "" || code == apierr.CodeSuccess {
		return nil, errors.New("code must be one of 10003, 20000, 20001, 40001-40006")
	}
	e := apierr.New(code, subCode, subMsg)
	if d, ok := defaultSub[code]; ok && e.SubCode == "" {
		e.SubCode = d[0]
	}
	if e.SubMsg == "" {
		e.SubMsg = subMsgs[e.SubCode]
		if e.SubMsg == "" {
			e.SubMsg = defaultSub[code][1]
		}
	}
	if code == apierr.CodeProcessing {
		e.SubCode, e.SubMsg = "", ""
	}
	return &Outcome{Err: e, Execute: execute}, nil
}

func parseOutcome(h string) (*Outcome, error) {
	h = outcomeText(h)
	if h == "" {
		return nil, nil
	}
	const want = "want code=…&sub_code=…&sub_msg=…&execute=true, URL-encoded"
	v, err := url.ParseQuery(h)
	if err != nil { // Go's text stays out of the answer
		return nil, errors.New(want)
	}
	for k := range v {
		switch k {
		case "code", "sub_code", "sub_msg", "execute":
		default: // a typo would force less than was asked
			return nil, fmt.Errorf("no key %q: %s", k, want)
		}
	}
	ex := v.Get("execute")
	if ex != "" && ex != "true" && ex != "false" {
		return nil, fmt.Errorf("execute is true or false, not %q", ex)
	}
	return NewOutcome(v.Get("code"), v.Get("sub_code"), v.Get("sub_msg"), ex == "true")
}

// onPage is why code cannot be forced on the method e, nil when it can
// (scenarios.ForcedOnPage, for a page method).
func onPage(e *entry, code string) error {
	if e == nil || !e.Page {
		return nil
	}
	if err := scenarios.ForcedOnPage(code); err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	return nil
}

// Answer is an answer queued for the next matching requests (POST
// /_mock/faults): a forced outcome, unlike a scenario's transport faults.
type Answer struct {
	ID      int    `json:"id"`
	AppID   string `json:"app_id,omitempty"`
	Method  string `json:"method,omitempty"`
	Code    string `json:"code"`
	SubCode string `json:"sub_code,omitempty"`
	SubMsg  string `json:"sub_msg,omitempty"`
	Execute bool   `json:"execute,omitempty"`
	// Times is how many requests it answers; default 1.
	Times int `json:"times,omitempty"`
	Used  int `json:"used"`

	outcome *Outcome
}

// Queue holds the queued answers; the first matching one answers.
type Queue struct {
	mu     sync.Mutex
	seq    int
	list   []*Answer
	shared *sharedQueue // set when replicas share the queue (sharedqueue.go)
}

// Limits of the queue: what it holds stays small whatever is posted.
const (
	MaxQueued     = 1000
	MaxAnswerText = 4096 // bytes of sub_code or sub_msg
)

// Add queues an answer; a store's failure is trade.ErrStore, nothing
// queued.
func (f *Queue) Add(x Answer) (Answer, error) {
	if len(x.SubCode) > MaxAnswerText || len(x.SubMsg) > MaxAnswerText {
		return Answer{}, fmt.Errorf("sub_code and sub_msg are at most %d bytes", MaxAnswerText)
	}
	out, err := NewOutcome(x.Code, x.SubCode, x.SubMsg, x.Execute)
	if err != nil {
		return Answer{}, err
	}
	if x.Method != "" {
		e, ok := table[x.Method]
		if !ok {
			return Answer{}, errors.New("no method " + x.Method)
		}
		if err := onPage(e, x.Code); err != nil {
			return Answer{}, err
		}
	}
	if x.Times < 0 {
		// Taken as 1, it would answer a request nobody asked it to.
		return Answer{}, fmt.Errorf("times must be 1 or more (0 or left out: 1), not %d", x.Times)
	}
	if x.Times == 0 {
		x.Times = 1
	}
	var full error
	err = f.change(func() {
		if len(f.list) >= MaxQueued {
			full = fmt.Errorf("%d answers are queued already: DELETE /_mock/faults to clear them", MaxQueued)
			return
		}
		f.seq++
		x.ID, x.Used, x.outcome = f.seq, 0, out
		f.list = append(f.list, &x)
	})
	if err != nil {
		return Answer{}, err
	}
	if full != nil {
		return Answer{}, full
	}
	return x, nil
}

// queued reports whether a request must look in the shared queue:
// answers are queued as last heard, or the store does not know that none
// are (pgstore: a replica queueing one returns once every replica's store
// knows it may be).
func (sh *sharedQueue) queued() bool {
	if sh.any.Load() {
		return true
	}
	b, ok := sh.store.(interface{ AnyFaults() bool })
	return ok && b.AnyFaults()
}

// Which queued answers take takes: the first one for the request is
// taken when it is of the kind asked for, else left queued.
type takeKind int

const (
	takeAny     takeKind = iota
	takeStandIn          // only an answer without execute
	takeExecute          // only an answer with execute
)

// take is the first queued answer for the request, used once when it is
// of the kind asked for; left reports that there is a first answer and it
// was left queued (another kind). A store that failed to record the use
// is an error (trade.ErrStore), no answer.
func (f *Queue) take(app, method string, kind takeKind) (out *Outcome, left bool, err error) {
	if f == nil {
		return nil, false, nil
	}
	f.mu.Lock()
	sh := f.shared
	f.mu.Unlock()
	if sh != nil {
		if !sh.queued() {
			return nil, false, nil // nothing queued on any replica
		}
		if err := f.change(func() { out, left = f.takeLocked(app, method, kind) }); err != nil {
			return nil, false, err
		}
		return out, left, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out, left = f.takeLocked(app, method, kind)
	return out, left, nil
}

func (f *Queue) takeLocked(app, method string, kind takeKind) (*Outcome, bool) {
	for i, x := range f.list {
		if (x.AppID == "" || x.AppID == app) && (x.Method == "" || x.Method == method) && onPage(table[method], x.Code) == nil {
			if kind == takeStandIn && x.outcome.Execute || kind == takeExecute && !x.outcome.Execute {
				return nil, true
			}
			x.Used++
			if x.Used >= x.Times {
				f.list = append(f.list[:i], f.list[i+1:]...)
			}
			c := *x.outcome.Err
			return &Outcome{Err: &c, Execute: x.outcome.Execute}, false
		}
	}
	return nil, false
}

// List returns the answers still queued.
func (f *Queue) List() []Answer {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []Answer{}
	for _, x := range f.list {
		out = append(out, *x)
	}
	return out
}

// Forget drops the answers queued for app, keeping those for any app: a
// reset of that app (POST /_mock/reset?app_id=). It reports the store's
// failure (trade.ErrStore), the answers then kept.
func (f *Queue) Forget(app string) error {
	return f.change(func() {
		var kept []*Answer
		for _, x := range f.list {
			if x.AppID != app {
				kept = append(kept, x)
			}
		}
		f.list = kept
	})
}

// Clear empties the queue; it reports the store's failure
// (trade.ErrStore), the answers then kept.
func (f *Queue) Clear() error {
	return f.change(func() { f.list = nil })
}
