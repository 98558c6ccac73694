package main

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
)

// kinds are the requests a mix can hold: what each sends and needs.
var kinds = map[string]string{
	"precreate": "alipay.trade.precreate", // a new trade, waiting for the buyer
	"pay":       "alipay.trade.pay",       // a new trade paid by barcode (a notification follows)
	"query":     "alipay.trade.query",     // a trade this run paid
	"refund":    "alipay.trade.refund",    // 0.01 of a trade this run paid
}

// entry is one part of -mix: kind[@amount]=weight.
type entry struct {
	label  string // as written, e.g. "pay@40004.01"
	kind   string
	method string
	amount string // total_amount or refund_amount; empty: the default
	weight int
}

// parseMix reads "precreate=60,query=30,refund=10"; an amount after @ is
// the total_amount (refund_amount for refund) of those requests, so a magic
// amount (scenarios/magic-amounts.yaml) drives a given error.
func parseMix(s string) ([]entry, error) {
	var out []entry
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		weight, err := strconv.Atoi(w)
		if !ok || err != nil || weight < 0 || weight > 1000000 {
			return nil, fmt.Errorf("-mix %q: want kind[@amount]=weight, weight a whole number", part)
		}
		e := entry{label: name, weight: weight}
		e.kind, e.amount, _ = strings.Cut(name, "@")
		if e.method = kinds[e.kind]; e.method == "" {
			names := make([]string, 0, len(kinds))
			for k := range kinds {
				names = append(names, k)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("-mix: unknown kind %q (want one of %s)", e.kind, strings.Join(names, ", "))
		}
		if e.amount != "" {
			if e.kind == "query" {
				return nil, fmt.Errorf("-mix %q: %s takes no amount", part, e.kind)
			}
			if a, err := amount.Parse(e.amount); err != nil || a < 0 {
				return nil, fmt.Errorf("-mix %q: %s is not an amount of at least 0 with at most two decimals", part, e.amount)
			}
		}
		if seen[e.label] {
			return nil, fmt.Errorf("-mix: %s twice", e.label)
		}
		seen[e.label] = true
		if weight > 0 {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-mix: no kind with a weight above 0")
	}
	return out, nil
}

// pick chooses request i's entry by weight, the same for a given seed.
func pick(mix []entry, seed uint64, i int) *entry {
	total := 0
	for _, e := range mix {
		total += e.weight
	}
	r := rand.New(rand.NewPCG(seed, uint64(i))).IntN(total)
	for k := range mix {
		if r < mix[k].weight {
			return &mix[k]
		}
		r -= mix[k].weight
	}
	return &mix[len(mix)-1]
}

// pools are the trades this run paid, for queries and refunds. (A
// precreated trade nobody scanned is invisible to queries, as in
// production, so they are not in it.)
type pools struct {
	mu   sync.Mutex
	paid []string
}

func (p *pools) add(out string) {
	p.mu.Lock()
	p.paid = append(p.paid, out)
	p.mu.Unlock()
}

// target picks a paid trade; false when there is none yet.
func (p *pools) target(r *rand.Rand) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.paid) == 0 {
		return "", false
	}
	return p.paid[r.IntN(len(p.paid))], true
}

// request is one prepared call.
type request struct {
	e    *entry
	out  string // out_trade_no it opens or acts on
	body string // signed form
}

// builder makes and signs requests.
type builder struct {
	key       *rsa.PrivateKey
	appID     string
	run       string
	notifyURL string
	seed      uint64
	mix       []entry
	pools     *pools
}

// build prepares request i; errNoTrade when it acts on a trade of this run
// and there is none yet (with -trades 0, before the first pay is
// answered): it is then skipped, and the report counts it.
func (b *builder) build(i int) (request, error) {
	e := pick(b.mix, b.seed, i)
	r := rand.New(rand.NewPCG(b.seed^0x9e3779b97f4a7c15, uint64(i)))
	var biz string
	var out string
	switch e.kind {
	case "precreate", "pay":
		out = fmt.Sprintf("%s-%08d", b.run, i)
		amt := e.amount
		if amt == "" {
			amt = "88.88"
		}
		if e.kind == "pay" {
			biz = fmt.Sprintf(`{"out_trade_no":%q,"scene":"bar_code","auth_code":"283912345678901234","total_amount":%q,"subject":"loadtest"}`, out, amt)
		} else {
			biz = fmt.Sprintf(`{"out_trade_no":%q,"total_amount":%q,"subject":"loadtest"}`, out, amt)
		}
	default:
		var ok bool
		if out, ok = b.pools.target(r); !ok {
			return request{}, errNoTrade
		}
		switch e.kind {
		case "query":
			biz = fmt.Sprintf(`{"out_trade_no":%q}`, out)
		case "refund":
			amt := e.amount
			if amt == "" {
				amt = "0.01"
			}
			biz = fmt.Sprintf(`{"out_trade_no":%q,"refund_amount":%q,"out_request_no":"%s-R%08d"}`, out, amt, b.run, i)
		}
	}
	p := map[string]string{
		"app_id": b.appID, "method": e.method, "format": "JSON", "charset": "utf-8",
		"sign_type": "RSA2", "timestamp": timestamp.Format(time.Now()), "version": "1.0",
		"biz_content": biz,
	}
	if b.notifyURL != "" && (e.kind == "pay" || e.kind == "precreate") {
		p["notify_url"] = b.notifyURL
	}
	s, err := sign.SignString(b.key, sign.RSA2, sign.UTF8, sign.RequestContent(p))
	if err != nil {
		return request{}, err
	}
	p["sign"] = s
	body, err := sign.EncodeForm(p, sign.UTF8)
	return request{e: e, out: out, body: body}, err
}

// errNoTrade: the request needs a trade of this run and there is none yet.
var errNoTrade = errors.New("no trade of this run to act on yet")
