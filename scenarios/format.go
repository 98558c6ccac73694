// Package scenarios is the scenario engine: YAML files of rules that make
// the mock misbehave on purpose (forced answers, outcome chains, delays,
// network faults), play the buyer with no person present, and bend
// notifications. A rule matches a gateway request and says what happens.
package scenarios

import (
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/domain"
)

// File is one scenario file.
type File struct {
	// Name identifies the scenario (for states and the journal); default
	// the file name.
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// AppID scopes every rule to one app, so parallel suites (one app each)
	// do not collide. Empty applies to every app.
	AppID string  `yaml:"app_id" json:"app_id,omitempty"`
	Rules []*Rule `yaml:"rules" json:"rules"`

	Path string `yaml:"-" json:"path,omitempty"`

	lines map[string]span // of its keys: see keyLines
	src   []byte          // the text Parse read, for replicas to share (shared.go)
}

// Rule is one "when … then …".
type Rule struct {
	Name string `yaml:"name" json:"name,omitempty"`
	When Match  `yaml:"when" json:"when"`
	Then Action `yaml:"then" json:"then"`
	// Times is how often the rule acts: 0 (default) always, N that many
	// times; then the request goes on as if the rule were not there.
	Times int `yaml:"times" json:"times,omitempty"`

	Line int `yaml:"-" json:"line,omitempty"`

	lines map[string]span // of its keys, by path: see keyLines
}

// at is where the first of paths the rule has is (see keyLines), else the
// rule's own line.
func (r *Rule) at(paths ...string) span {
	for _, p := range paths {
		if s, ok := r.lines[p]; ok {
			return s
		}
	}
	return span{r.Line, r.Line}
}

// Match says which requests a rule applies to. Every condition given
// must hold.
type Match struct {
	// Method is one method or a list.
	Method Strings `yaml:"method" json:"method,omitempty"`
	AppID  string  `yaml:"app_id" json:"app_id,omitempty"`
	// Biz conditions on biz_content fields (top level, as text).
	Biz map[string]Cond `yaml:"biz" json:"biz,omitempty"`
	// Nth limits the rule to the nth matching calls (1 = the first).
	Nth Ints `yaml:"nth" json:"nth,omitempty"`
	// State is the scenario state the rule needs; scenarios start in
	// "Started", as in WireMock.
	State string `yaml:"state" json:"state,omitempty"`
}

// Cond is a condition on one field: a plain value means equals.
type Cond struct {
	Equals string   `yaml:"equals" json:"equals,omitempty"`
	Prefix string   `yaml:"prefix" json:"prefix,omitempty"`
	Regex  string   `yaml:"regex" json:"regex,omitempty"`
	Range  []string `yaml:"range" json:"range,omitempty"` // [min, max], amounts or numbers, inclusive
	Absent bool     `yaml:"absent" json:"absent,omitempty"`

	re       *regexp.Regexp
	cost     int // how big re compiles: see regexCost
	held     int // what re counts towards MaxRegexCostInForce: see regexCost
	min, max amount.Amount
}

// Limits on what a file's regexes may compile to. Go's regexp runs in
// linear time, but a short pattern can compile to a large program
// ([\p{L}]{1000} is about 50 kB): without them a 1 MiB upload kept
// hundreds of MB.
const (
	MaxRegexCost     = 10_000
	MaxFileRegexCost = 100_000
)

// MaxRegexCostInForce bounds the regexes of the files in force, every
// scope together, that Add and Replace may reach: each counts its cost
// (twice for a regex Go may also compile one-pass, see regexCost) plus
// regexBaseCost (what any compiled regex holds). About 35 bytes a unit
// at most (measured), so ~70 MB; the text bound alone let ten "[a-z]{1000}" in 1 KB
// keep 400 KB, GBs in all.
const MaxRegexCostInForce = 2_000_000

const regexBaseCost = 100

// regexLoad is what the file's regexes count towards MaxRegexCostInForce.
func (f *File) regexLoad() int {
	n := 0
	for _, r := range f.Rules {
		for _, c := range r.When.Biz {
			if c.re != nil {
				n += c.held + regexBaseCost
			}
		}
	}
	return n
}

// regexCost is how big a regex compiles: its program's instructions plus
// the character ranges they hold, the bulk of its memory. held is what it
// keeps: twice cost when Go may also keep a one-pass program of it (about
// as big again: ~55 bytes a unit in all, where others keep ~30).
func regexCost(pattern string) (cost, held int, err error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, 0, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, 0, err
	}
	cost = len(prog.Inst)
	for _, in := range prog.Inst {
		cost += len(in.Rune)
	}
	if mayOnePass(prog) {
		return cost, 2 * cost, nil
	}
	return cost, cost, nil
}

// mayOnePass holds for a program regexp may compile one-pass as well: it
// passes the checks regexp's compileOnePass makes first (anchored at the
// text's start; with alternations, every way to the match through its
// end), not the last (unambiguous): an ambiguous one counts twice too.
func mayOnePass(p *syntax.Prog) bool {
	if p.Start == 0 {
		return false
	}
	if in := p.Inst[p.Start]; in.Op != syntax.InstEmptyWidth || syntax.EmptyOp(in.Arg)&syntax.EmptyBeginText == 0 {
		return false
	}
	hasAlt := false
	for _, in := range p.Inst {
		hasAlt = hasAlt || in.Op == syntax.InstAlt || in.Op == syntax.InstAltMatch
	}
	for _, in := range p.Inst {
		toMatch := p.Inst[in.Out].Op == syntax.InstMatch
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			if toMatch || p.Inst[in.Arg].Op == syntax.InstMatch {
				return false
			}
		case syntax.InstEmptyWidth:
			if toMatch && syntax.EmptyOp(in.Arg)&syntax.EmptyEndText == 0 {
				return false
			}
		default:
			if toMatch && hasAlt {
				return false
			}
		}
	}
	return true
}

// UnmarshalYAML takes a scalar as equals, or a mapping.
func (c *Cond) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		c.Equals = n.Value
		return nil
	}
	type plain Cond
	var p plain
	if err := mappingOf(n, "a condition", &p); err != nil {
		return err
	}
	*c = Cond(p)
	return nil
}

func (c *Cond) compile() error {
	set := 0
	for _, b := range []bool{c.Equals != "", c.Prefix != "", c.Regex != "", c.Range != nil, c.Absent} {
		if b {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("a condition needs exactly one of equals, prefix, regex, range, absent")
	}
	if c.Regex != "" {
		cost, held, err := regexCost(c.Regex)
		if err != nil {
			return fmt.Errorf("regex: %v", err)
		}
		if cost > MaxRegexCost {
			return fmt.Errorf("regex compiles to %d instructions and character ranges, over the limit of %d: write a simpler pattern", cost, MaxRegexCost)
		}
		re, err := regexp.Compile(c.Regex)
		if err != nil {
			return fmt.Errorf("regex: %v", err)
		}
		c.re, c.cost, c.held = re, cost, held
	}
	if c.Range != nil {
		if len(c.Range) != 2 {
			return fmt.Errorf("range is [min, max]")
		}
		var err error
		if c.min, err = amount.Parse(c.Range[0]); err != nil || c.min < 0 {
			return fmt.Errorf("range min %q: not an amount", c.Range[0])
		}
		if c.max, err = amount.Parse(c.Range[1]); err != nil || c.max < 0 {
			return fmt.Errorf("range max %q: not an amount", c.Range[1])
		}
		if c.min > c.max {
			return fmt.Errorf("range [%s, %s] is empty: it can never match", c.Range[0], c.Range[1])
		}
	}
	return nil
}

// holds tests a value; present tells an absent field from an empty one.
// It builds no text: a request is tested against every rule for its
// method, and most miss (why says how, only for those recorded).
func (c *Cond) holds(v string, present bool) bool {
	switch {
	case c.Absent:
		return !present
	case !present:
		return false
	case c.Equals != "":
		return v == c.Equals
	case c.Prefix != "":
		return strings.HasPrefix(v, c.Prefix)
	case c.re != nil:
		return c.re.MatchString(v)
	case c.Range != nil:
		a, err := amount.Parse(v)
		return err == nil && a >= c.min && a <= c.max
	}
	return false
}

// why appends to b how v fails c (holds is false).
func (c *Cond) why(b []byte, v string, present bool) []byte {
	switch {
	case c.Absent:
		return append(b, "is present"...)
	case !present:
		return append(b, "is absent"...)
	case c.Equals != "":
		return strconv.AppendQuote(append(strconv.AppendQuote(append(b, "is "...), v), ", not "...), c.Equals)
	case c.Prefix != "":
		return strconv.AppendQuote(append(strconv.AppendQuote(b, v), " does not start with "...), c.Prefix)
	case c.re != nil:
		return fmt.Appendf(b, "%q does not match /%s/", v, c.Regex)
	case c.Range != nil:
		b = append(strconv.AppendQuote(b, v), " is outside ["...) // no fmt: every magic amount's miss writes this
		return append(append(append(append(b, c.Range[0]...), ", "...), c.Range[1]...), ']')
	}
	return append(b, "no condition"...)
}

// Strings is one string or a list of them.
type Strings []string

// UnmarshalYAML takes "a" or [a, b].
func (s *Strings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = Strings{n.Value}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return typeErr(n, "want one name or a list of names")
	}
	var v []string
	if err := n.Decode(&v); err != nil {
		return err
	}
	*s = v
	return nil
}

func (s Strings) has(v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Ints is one number or a list of them.
type Ints []int

// UnmarshalYAML takes 3 or [2, 3].
func (i *Ints) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var v int
		if err := n.Decode(&v); err != nil {
			return typeErr(n, "%q is not a whole number", n.Value)
		}
		*i = Ints{v}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return typeErr(n, "want one whole number or a list of them")
	}
	var v []int
	if err := n.Decode(&v); err != nil {
		return err
	}
	*i = v
	return nil
}

// Action is what a matching rule does.
type Action struct {
	// Respond forces the answer (code, sub_code, sub_msg), still signed;
	// with execute the operation happens first and only its answer changes.
	Respond *Respond `yaml:"respond" json:"respond,omitempty"`
	// Fields override fields of the answer (after the method ran), signed.
	Fields map[string]string `yaml:"fields" json:"fields,omitempty"`
	// Delay holds the answer back, on the wall clock.
	Delay *Delay `yaml:"delay" json:"delay,omitempty"`
	// Fault breaks the transport: drop, empty, truncate, bad_signature, bad_gateway.
	Fault string `yaml:"fault" json:"fault,omitempty"`
	// Buyer plays the buyer of the trade (or sender of the red packet) the
	// request opens.
	Buyer *Buyer `yaml:"buyer" json:"buyer,omitempty"`
	// Voucher makes the buyer of the trade the request opens pay part of it
	// with a coupon.
	Voucher *Voucher `yaml:"voucher" json:"voucher,omitempty"`
	// Notify bends the notifications of the trade or red packet the request names.
	Notify *Notify `yaml:"notify" json:"notify,omitempty"`
	// Transfer says how the transfer the request makes goes
	// (alipay.fund.trans.uni.transfer): the status it ends in.
	Transfer *Transfer `yaml:"transfer" json:"transfer,omitempty"`
	// SetState moves the scenario to a named state.
	SetState string `yaml:"set_state" json:"set_state,omitempty"`
}

// Respond is a forced answer.
type Respond struct {
	Code    string `yaml:"code" json:"code"`
	SubCode string `yaml:"sub_code" json:"sub_code,omitempty"`
	SubMsg  string `yaml:"sub_msg" json:"sub_msg,omitempty"`
	Execute bool   `yaml:"execute" json:"execute,omitempty"`
}

// Delay is fixed ("2s") or a random range ({min: 1s, max: 3s}).
type Delay struct {
	Min time.Duration `yaml:"min" json:"min"`
	Max time.Duration `yaml:"max" json:"max"`
}

// MarshalJSON writes min and max as text ("2s"), as Duration does.
func (d Delay) MarshalJSON() ([]byte, error) {
	return []byte(`{"min":"` + d.Min.String() + `","max":"` + d.Max.String() + `"}`), nil
}

// UnmarshalJSON reads what MarshalJSON writes (nanoseconds too, as it
// wrote before).
func (d *Delay) UnmarshalJSON(b []byte) error {
	var p struct{ Min, Max json.RawMessage }
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	for _, f := range []struct {
		raw json.RawMessage
		to  *time.Duration
	}{{p.Min, &d.Min}, {p.Max, &d.Max}} {
		var text string
		if err := json.Unmarshal(f.raw, &text); err == nil {
			v, err := time.ParseDuration(text)
			if err != nil {
				return err
			}
			*f.to = v
		} else if len(f.raw) > 0 {
			if err := json.Unmarshal(f.raw, (*int64)(f.to)); err != nil {
				return err
			}
		}
	}
	return nil
}

// UnmarshalYAML takes "2s" or {min, max}.
func (d *Delay) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, err := time.ParseDuration(n.Value)
		if err != nil {
			return typeErr(n, "delay %q is not a duration such as 2s or 500ms, nor {min: 1s, max: 3s}", n.Value)
		}
		d.Min, d.Max = v, v
		return nil
	}
	var p struct {
		Min Duration `yaml:"min"`
		Max Duration `yaml:"max"`
	}
	if err := mappingOf(n, "delay", &p); err != nil {
		return err
	}
	d.Min, d.Max = time.Duration(p.Min), time.Duration(p.Max)
	return nil
}

// Duration reads "90s", "4m", "25h".
type Duration time.Duration

// UnmarshalYAML parses a Go duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeErr(n, "want a duration such as 5s or 4m")
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return typeErr(n, "%q is not a duration such as 5s or 4m", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// Buyer is the simulated buyer. Times are on the mock's clock, from the
// request that opened the trade.
type Buyer struct {
	ScanAfter *Duration `yaml:"scan_after" json:"scan_after,omitempty"`
	PayAfter  *Duration `yaml:"pay_after" json:"pay_after,omitempty"`
	// PayAfterQueries pays when the merchant queries for the (N+1)th time:
	// the first N queries see WAIT_BUYER_PAY.
	PayAfterQueries int       `yaml:"pay_after_queries" json:"pay_after_queries,omitempty"`
	FailAfter       *Duration `yaml:"fail_after" json:"fail_after,omitempty"`
	CloseAfter      *Duration `yaml:"close_after" json:"close_after,omitempty"`
	BuyerID         string    `yaml:"buyer_id" json:"buyer_id,omitempty"`
	BuyerLogonID    string    `yaml:"buyer_logon_id" json:"buyer_logon_id,omitempty"`
	// Never documents a buyer who never pays: the trade waits, then times out.
	Never bool `yaml:"never" json:"never,omitempty"`
}

// Voucher is a coupon the buyer pays with: amount ("10.00"; at most the
// trade's total less 0.01), funder (alipay, the default, or merchant) and
// an optional name.
type Voucher struct {
	Amount string `yaml:"amount" json:"amount"`
	Funder string `yaml:"funder" json:"funder,omitempty"`
	Name   string `yaml:"name" json:"name,omitempty"`
}

// Voucher funders.
const (
	FunderAlipay   = "alipay"
	FunderMerchant = "merchant"
)

// Domain is the voucher as the trade book takes it; nil when the amount
// does not parse (the checker refuses such a file).
func (v *Voucher) Domain() *domain.Voucher {
	a, err := amount.Parse(v.Amount)
	if err != nil || a <= 0 {
		return nil
	}
	return &domain.Voucher{Amount: a, Merchant: v.Funder == FunderMerchant, Name: v.Name}
}

// Transfer is how a transfer goes: SUCCESS (the default), FAIL at once,
// DEALING then SUCCESS, or DEALING then REFUND (the money comes back),
// the DEALING part lasting After on the mock's clock (default 5m).
type Transfer struct {
	Status string    `yaml:"status" json:"status"`
	After  *Duration `yaml:"after" json:"after,omitempty"`
}

// TransferStatuses are the statuses then.transfer.status may name.
var TransferStatuses = []string{"SUCCESS", "DEALING", "FAIL", "REFUND"}

// MaxDuplicate bounds notify.duplicate: every copy is a notification the
// outbox keeps with its attempts.
const MaxDuplicate = 10

// Notify bends notifications.
type Notify struct {
	Suppress     bool      `yaml:"suppress" json:"suppress,omitempty"`
	Delay        *Duration `yaml:"delay" json:"delay,omitempty"` // on the mock's clock
	Duplicate    int       `yaml:"duplicate" json:"duplicate,omitempty"`
	Reorder      bool      `yaml:"reorder" json:"reorder,omitempty"`
	BadSignature bool      `yaml:"bad_signature" json:"bad_signature,omitempty"`
	URL          string    `yaml:"url" json:"url,omitempty"`
}

// Transport faults a rule can cause (then.fault): the gateway breaks its
// answer on the way out.
const (
	FaultDrop         = "drop"
	FaultEmpty        = "empty"
	FaultTruncate     = "truncate"
	FaultBadSignature = "bad_signature"
	FaultBadGateway   = "bad_gateway"
)

// Faults describes each transport fault, by name.
var Faults = map[string]string{
	FaultDrop:         "close the connection without an answer",
	FaultEmpty:        "HTTP 200 with an empty body",
	FaultTruncate:     "the JSON cut off halfway",
	FaultBadSignature: "a signature that does not verify",
	FaultBadGateway:   "HTTP 502 from a fronting proxy",
}
