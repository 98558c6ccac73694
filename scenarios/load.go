package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// Problem is one thing wrong with a file, with where.
type Problem struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	Msg  string `json:"message"`
	// Rule names the rule the problem is in, when it is in one.
	Rule string `json:"rule,omitempty"`

	at span // what the problem is about: see Parse
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Msg)
}

// MaxProblems bounds the problems listed for one file: past it a last one
// counts the rest (a 1 MiB upload could otherwise answer with megabytes).
const MaxProblems = 200

// Problems is every problem found in a load or a check.
type Problems []Problem

func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Catalogue is what the gateway tells the checker about each method it
// implements, by name (scenarios cannot import the gateway).
type Catalogue map[string]MethodInfo

// MethodInfo is what rules may rely on about one method.
type MethodInfo struct {
	// Fields are the biz_content fields the method reads: when.biz may
	// match them.
	Fields []string
	// Opens is set when a request opens something a buyer (or red-packet
	// sender) can act on: then.buyer needs it.
	Opens bool
	// Page is set for a method the browser or the Alipay app brings (page,
	// wap and app pay): its answer is the cashier, or its error page.
	Page bool
}

// ForcedOnPage says why code cannot be forced on a page method
// (MethodInfo.Page), nil when it can: a scenario's respond, a queued
// answer and the X-Alipay-Mock header alike.
func ForcedOnPage(code string) error {
	if code == apierr.CodeProcessing {
		return errors.New("10003 (in progress) is no answer of a page method: its answer is the cashier or an error page, and a 10003 error page has no reason to show")
	}
	return nil
}

// Methods lists the catalogue's methods, sorted.
func (c Catalogue) Methods() []string {
	out := make([]string, 0, len(c))
	for m := range c {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Parse reads one scenario file and checks it against the methods the
// gateway knows. A broken file gives Problems, never a panic: every
// problem the file has, by line, unless it is not YAML at all (then the
// first, at the line that breaks it).
func Parse(path string, data []byte, methods Catalogue) (*File, error) {
	var root yaml.Node
	docs := yaml.NewDecoder(bytes.NewReader(data))
	if err := docs.Decode(&root); err != nil && err != io.EOF {
		return nil, Problems{syntaxProblem(path, data)}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, Problems{{Path: path, Line: 1, Msg: "the file is empty: a scenario needs rules (see docs/scenarios.md)"}}
	}
	// Before anything walks the tree: the format nests 8 deep at most,
	// and the walks below cost more the deeper a file goes.
	if n := tooDeep(root.Content[0], 1); n != nil {
		return nil, Problems{{Path: path, Line: n.Line, Msg: fmt.Sprintf("the file nests deeper than %d levels: a scenario needs at most 8 (see docs/scenarios.md)", MaxDepth)}}
	}
	if n, first := aliasNodes(root.Content[0], MaxAliasNodes); n > MaxAliasNodes {
		return nil, Problems{{Path: path, Line: first.Line, Msg: fmt.Sprintf("the file's aliases (*name) stand for more than %d nodes: a scenario needs far fewer (see docs/scenarios.md)", MaxAliasNodes)}}
	}
	var f File
	var ps Problems
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Problems{decodeProblem(path, strings.TrimPrefix(err.Error(), "yaml: "))}
		}
		for _, e := range te.Errors {
			ps = append(ps, decodeProblem(path, e))
		}
	}
	f.Path = path
	if f.Name == "" {
		f.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		if why := fixtures.Unstorable(f.Name); why != "" { // the file's own name is checked with its strings
			ps = append(ps, Problem{Path: path, Line: 1, Msg: "the scenario's name (its file's) " + why + ": name it in the file"})
		}
	}
	doc := root.Content[0]
	f.lines = map[string]span{}
	keyLines(doc, "", keyLevels, f.lines)
	nodes := ruleNodes(doc)
	byNode := make([]*Rule, len(nodes))
	var rules []*Rule
	for i, r := range f.Rules {
		if r == nil {
			line := 0
			if i < len(nodes) {
				line = nodes[i].Line
			}
			ps = append(ps, Problem{Path: path, Line: line, Msg: fmt.Sprintf("rule %d is empty", i+1)})
			continue
		}
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule %d", i+1)
		}
		if i < len(nodes) {
			byNode[i] = r
			r.Line = nodes[i].Line
			r.lines = map[string]span{}
			keyLines(nodes[i], "", keyLevels, r.lines)
		}
		rules = append(rules, r)
	}
	f.Rules = rules
	for _, n := range nodes {
		ps = append(ps, notWhole(path, n)...)
	}
	ps = unstorable(path, doc, ps)
	// A decode problem in a rule names it (the rules' nodes are in line
	// order: a binary search finds the last that starts at or before it).
	spans := make([]span, len(nodes))
	for j, n := range nodes {
		spans[j] = span{n.Line, lastLineOf(n)}
	}
	for i := range ps {
		j := sort.Search(len(spans), func(j int) bool { return spans[j].first > ps[i].Line }) - 1
		if j >= 0 && byNode[j] != nil && spans[j].holds(ps[i].Line) {
			ps[i].Rule = byNode[j].Name
		}
	}
	// A check problem about a part that did not decode follows from the
	// decode problem ("then does nothing" when then's one action was
	// misspelt): it is left out.
	decoded := make([]int, 0, len(ps))
	for _, p := range ps {
		decoded = append(decoded, p.Line)
	}
	sort.Ints(decoded)
	ps = append(ps, prepare(&f)...)
	for _, p := range check(&f, methods) {
		next := sort.SearchInts(decoded, p.at.first) // the first decode problem at or after it
		follows := p.at.first == 0 && len(decoded) > 0 || next < len(decoded) && p.at.holds(decoded[next])
		if !follows {
			ps = append(ps, p)
		}
	}
	if line := nextDocument(docs, data, lastLineOf(doc)); line > 0 {
		ps = append(ps, Problem{Path: path, Line: line, Msg: "a second YAML document (---): a scenario file is one document; " +
			"put each scenario in a file of its own (see docs/scenarios.md)"})
	}
	if len(ps) > 0 {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
		if len(ps) > MaxProblems {
			more := len(ps) - MaxProblems
			ps = append(ps[:MaxProblems:MaxProblems], Problem{Path: path, Msg: fmt.Sprintf("… and %d more problem(s): fix these first", more)})
		}
		return nil, ps
	}
	f.lines = nil // the lines are for problems: a file in force does not keep them
	for _, r := range f.Rules {
		r.lines = nil
	}
	f.src = data
	return &f, nil
}

// unstorable adds to ps a problem for each string in the file (a key or a
// value) that fixtures.Unstorable refuses ("\0" in a quoted string): no
// field takes it, and --store could keep neither the file nor its state.
func unstorable(path string, n *yaml.Node, ps Problems) Problems {
	if n.Kind == yaml.ScalarNode {
		if why := fixtures.Unstorable(n.Value); why != "" {
			ps = append(ps, Problem{Path: path, Line: n.Line, Msg: "a string " + why + ": a scenario's strings are text"})
		}
	}
	if n.Kind != yaml.AliasNode { // an alias's node is walked where it is anchored
		for _, c := range n.Content {
			ps = unstorable(path, c, ps)
		}
	}
	return ps
}

// nextDocument is the line of the document after the first (docs has read
// the first) that holds anything, 0 when none does: yaml.v3 reads one
// document and leaves the rest unread, so a second one would be dropped
// without a word. after is the first document's last line.
func nextDocument(docs *yaml.Decoder, data []byte, after int) int {
	for {
		var n yaml.Node
		err := docs.Decode(&n)
		switch {
		case err == io.EOF:
			return 0
		case err != nil: // not YAML: where its "---" is
			return markerAfter(data, after)
		case len(n.Content) == 1 && n.Content[0].Tag == "!!null" && n.Content[0].Value == "":
			after = n.Line // an empty document ("---" at the end): nothing lost
			continue
		}
		return n.Line
	}
}

// markerAfter is the line of the first document marker (--- or ...) past
// line after, else the line after it.
func markerAfter(data []byte, after int) int {
	for i, l := range bytes.Split(data, []byte("\n")) {
		if i+1 > after && (bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("..."))) &&
			(len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r') {
			return i + 1
		}
	}
	return after + 1
}

// notWhole finds the counts of a rule's node (times, when.nth,
// then.buyer.pay_after_queries, then.notify.duplicate) that are numbers
// but not whole: yaml.v3 decodes 1.5 into an int as 1, without a word.
func notWhole(path string, rule *yaml.Node) Problems {
	var ps Problems
	for _, keys := range [][]string{{"times"}, {"when", "nth"}, {"then", "buyer", "pay_after_queries"}, {"then", "notify", "duplicate"}} {
		n := resolved(rule)
		for _, k := range keys {
			n = valueOf(n, k)
		}
		if n == nil {
			continue
		}
		vs := []*yaml.Node{n}
		if resolved(n).Kind == yaml.SequenceNode {
			vs = resolved(n).Content
		}
		for _, at := range vs {
			if v := resolved(at); v.Kind == yaml.ScalarNode && v.ShortTag() == "!!float" {
				ps = append(ps, Problem{Path: path, Line: at.Line, Msg: fmt.Sprintf("%s: %q is not a whole number", strings.Join(keys, "."), v.Value)})
			}
		}
	}
	return ps
}

// resolved is the node an alias (*name) stands for, else n.
func resolved(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// valueOf is the value of key in mapping n (an alias stands for its
// anchor; a merge, <<: *name, gives the keys n does not), nil when n (or
// it) is none.
func valueOf(n *yaml.Node, key string) *yaml.Node { return mergedValue(n, key, MaxDepth) }

// mergedValue is valueOf through at most depth merges (an anchor may
// merge itself).
func mergedValue(n *yaml.Node, key string, depth int) *yaml.Node {
	if n = resolved(n); n == nil || n.Kind != yaml.MappingNode || depth < 0 {
		return nil
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i]; {
		case k.Value == key:
			return n.Content[i+1]
		case k.ShortTag() == "!!merge":
			if m := resolved(n.Content[i+1]); m.Kind == yaml.SequenceNode {
				merged = append(merged, m.Content...)
			} else {
				merged = append(merged, m)
			}
		}
	}
	for _, m := range merged {
		if v := mergedValue(m, key, depth-1); v != nil {
			return v
		}
	}
	return nil
}

// ruleNodes are the nodes of the rules list, if the document has one.
func ruleNodes(doc *yaml.Node) []*yaml.Node {
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if v := resolved(doc.Content[i+1]); doc.Content[i].Value == "rules" && v.Kind == yaml.SequenceNode {
			return v.Content
		}
	}
	return nil
}

var appIDPattern = regexp.MustCompile(`^[0-9]{16}$`)

// prepare names unnamed rules and compiles their conditions, which check
// then reads without changing anything.
func prepare(f *File) Problems {
	var ps Problems
	for i, r := range f.Rules {
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule %d", i+1)
		}
		for _, field := range sortedKeys(r.When.Biz) {
			c := r.When.Biz[field]
			if err := c.compile(); err != nil {
				ps = append(ps, Problem{Path: f.Path, Line: r.at("when.biz." + field).first, Rule: r.Name,
					Msg: fmt.Sprintf("%s: biz.%s: %v", r.Name, field, err)})
			}
			r.When.Biz[field] = c
		}
	}
	return ps
}

// check finds what can never work: unknown methods and fields, bad codes
// and faults, conditions that can never match, states nothing sets. It
// changes nothing.
func check(f *File, methods Catalogue) Problems {
	var ps Problems
	// bad reports a problem of rule r (nil: of the file) at the line of
	// the first of paths it has.
	bad := func(r *Rule, paths []string, format string, a ...any) {
		p := Problem{Path: f.Path, Msg: fmt.Sprintf(format, a...)}
		if r != nil {
			p.at, p.Rule = r.at(paths...), r.Name
		} else {
			for _, k := range paths {
				if s, ok := f.lines[k]; ok && p.at.first == 0 {
					p.at = s
				}
			}
		}
		p.Line = p.at.first
		ps = append(ps, p)
	}
	at := func(paths ...string) []string { return paths }
	if f.AppID != "" && !appIDPattern.MatchString(f.AppID) {
		bad(nil, at("app_id"), "app_id %q must be 16 digits", f.AppID)
	}
	if len(f.Rules) == 0 {
		bad(nil, at("rules"), noRules)
	}
	states := map[string]bool{"Started": true}
	for _, r := range f.Rules {
		if r.Then.SetState != "" {
			states[r.Then.SetState] = true
		}
	}
	regexCost, regexOver := 0, false
	for _, r := range f.Rules {
		name := r.Name
		w, t := &r.When, &r.Then
		if len(w.Method) == 0 {
			bad(r, at("when"), "%s: when.method is required", name)
		}
		for _, m := range w.Method {
			if len(methods) > 0 && !known(methods, m) {
				bad(r, at("when.method="+m, "when.method"), "%s: method %q does not exist (known: %s)", name, m, strings.Join(methods.Methods(), ", "))
			}
		}
		if w.AppID != "" && !appIDPattern.MatchString(w.AppID) {
			bad(r, at("when.app_id"), "%s: app_id %q must be 16 digits", name, w.AppID)
		}
		if f.AppID != "" && w.AppID != "" && w.AppID != f.AppID {
			bad(r, at("when.app_id"), "%s: app_id %s differs from the file's %s: it can never match", name, w.AppID, f.AppID)
		}
		for _, field := range sortedKeys(w.Biz) {
			key := at("when.biz." + field)
			if fields, ok := bizFields(methods, w.Method); ok && !slices.Contains(fields, field) {
				bad(r, key, "%s: biz.%s: no method of the rule reads %s, so it is never sent (fields: %s)", name, field, field, strings.Join(fields, ", "))
			}
			if regexCost += w.Biz[field].cost; regexCost > MaxFileRegexCost && !regexOver {
				regexOver = true
				bad(r, key, "%s: the file's regexes compile to over %d instructions and character ranges in all: use fewer or simpler ones", name, MaxFileRegexCost)
			}
		}
		for _, n := range w.Nth {
			if n < 1 {
				bad(r, at("when.nth"), "%s: nth counts from 1", name)
			}
		}
		if r.Times < 0 {
			bad(r, at("times"), "%s: times must be 0 (always) or more", name)
		}
		if w.State != "" && !states[w.State] {
			bad(r, at("when.state"), "%s: state %q is never set by any rule: it can never match", name, w.State)
		}
		if t.Respond != nil {
			if apierr.Msg(t.Respond.Code) == "" {
				bad(r, at("then.respond.code", "then.respond"), "%s: respond.code %q is not an Alipay code", name, t.Respond.Code)
			}
			if t.Respond.Code == apierr.CodeSuccess && (t.Respond.SubCode != "" || t.Respond.Execute) {
				bad(r, at("then.respond.sub_code", "then.respond.execute", "then.respond"), "%s: respond.code 10000 takes no sub_code; to change fields use then.fields", name)
			}
		}
		for _, k := range sortedKeys(t.Fields) {
			switch k {
			case "code", "msg", "sub_code", "sub_msg": // the answer's head, which respond sets
				bad(r, at("then.fields."+k, "then.fields"), "%s: fields.%s: fields change the answer's other fields; code, msg, sub_code and sub_msg are respond's (then.respond)", name, k)
			}
		}
		if t.Fault != "" {
			if _, ok := Faults[t.Fault]; !ok {
				bad(r, at("then.fault"), "%s: fault %q is not one of %s", name, t.Fault, strings.Join(sorted(keys(Faults)), ", "))
			}
		}
		if t.Notify != nil && t.Notify.URL != "" && !notify.ValidURL(t.Notify.URL) {
			bad(r, at("then.notify.url"), "%s: notify.url must be an http or https URL of at most %d characters", name, notify.MaxURLLen)
		}
		if t.Delay != nil && (t.Delay.Min < 0 || t.Delay.Max < t.Delay.Min) {
			bad(r, at("then.delay"), "%s: delay range is empty", name)
		}
		if v := t.Voucher; v != nil {
			if a, err := amount.Parse(v.Amount); err != nil || a <= 0 {
				bad(r, at("then.voucher.amount", "then.voucher"), "%s: voucher.amount %q is not an amount above 0 such as 10.00", name, v.Amount)
			}
			if v.Funder != "" && v.Funder != FunderAlipay && v.Funder != FunderMerchant {
				bad(r, at("then.voucher.funder", "then.voucher"), "%s: voucher.funder %q is not alipay or merchant", name, v.Funder)
			}
			if len([]rune(v.Name)) > 64 {
				bad(r, at("then.voucher.name", "then.voucher"), "%s: voucher.name is longer than 64 characters", name)
			}
		}
		for _, m := range w.Method {
			if t.Voucher != nil && len(methods) > 0 && known(methods, m) && (!methods[m].Opens || strings.HasPrefix(m, "alipay.fund.coupon.")) {
				bad(r, at("then.voucher"), "%s: then.voucher needs a method that opens a trade, not %s", name, m)
			}
			if t.Buyer != nil && len(methods) > 0 && known(methods, m) && !methods[m].Opens {
				bad(r, at("then.buyer"), "%s: then.buyer needs a method that opens a trade or red packet, not %s", name, m)
			}
			// A red packet's sender pays or closes: no scan, failure or
			// queries to wait for.
			if b := t.Buyer; b != nil && strings.HasPrefix(m, "alipay.fund.coupon.") {
				for _, st := range []struct {
					key string
					set bool
				}{{"scan_after", b.ScanAfter != nil}, {"fail_after", b.FailAfter != nil}, {"pay_after_queries", b.PayAfterQueries != 0}} {
					if st.set {
						bad(r, at("then.buyer."+st.key, "then.buyer"), "%s: buyer.%s: a red packet's sender (%s) only pays (pay_after) or closes (close_after), so it would never act", name, st.key, m)
					}
				}
			}
			if t.Respond != nil && methods[m].Page {
				if err := ForcedOnPage(t.Respond.Code); err != nil {
					bad(r, at("then.respond.code", "then.respond"), "%s: respond on %s: %v", name, m, err)
				}
			}
			// A page method's answer is the cashier (or its error page,
			// which respond shows): no API answer to change, hold or break.
			for _, a := range []struct {
				key string
				set bool
			}{{"fields", t.Fields != nil}, {"delay", t.Delay != nil}, {"fault", t.Fault != ""}} {
				if a.set && methods[m].Page {
					bad(r, at("then."+a.key), "%s: then.%s needs a method the gateway answers, not %s, whose answer is the cashier page (then.respond shows its error page instead)", name, a.key, m)
				}
			}
		}
		if x := t.Transfer; x != nil {
			if !slices.Contains(TransferStatuses, x.Status) {
				bad(r, at("then.transfer.status", "then.transfer"), "%s: transfer.status %q is not one of %s", name, x.Status, strings.Join(TransferStatuses, ", "))
			}
			if x.After != nil && (*x.After == 0 || !planned(x.After) || (x.Status != "DEALING" && x.Status != "REFUND")) {
				bad(r, at("then.transfer.after", "then.transfer"), "%s: transfer.after is how long DEALING lasts (above 0, at most %s), for status DEALING or REFUND only", name, maxPlannedText)
			}
			for _, m := range w.Method {
				if m != TransferMethod {
					bad(r, at("then.transfer"), "%s: then.transfer needs method %s, not %s", name, TransferMethod, m)
				}
			}
		}
		if b := t.Buyer; b != nil {
			for _, d := range []struct {
				field string
				v     *Duration
			}{{"scan_after", b.ScanAfter}, {"pay_after", b.PayAfter}, {"fail_after", b.FailAfter}, {"close_after", b.CloseAfter}} {
				if !planned(d.v) {
					bad(r, at("then.buyer."+d.field, "then.buyer"), "%s: buyer.%s is a time on the mock's clock from 0 to %s after the request, not %s", name, d.field, maxPlannedText, time.Duration(*d.v))
				}
			}
			if b.PayAfterQueries < 0 {
				bad(r, at("then.buyer.pay_after_queries", "then.buyer"), "%s: buyer.pay_after_queries must be 0 (not waiting for queries) or more, not %d", name, b.PayAfterQueries)
			}
			// never pays contradicts a payment planned; failing is not paying.
			if b.Never && (b.PayAfter != nil || b.PayAfterQueries > 0) {
				bad(r, at("then.buyer.never", "then.buyer"), "%s: buyer.never is a buyer who never pays: drop pay_after and pay_after_queries, or never", name)
			}
			// A failure at or after the payment finds the trade paid: it never happens.
			if b.PayAfter != nil && b.FailAfter != nil && *b.FailAfter >= *b.PayAfter {
				bad(r, at("then.buyer.fail_after", "then.buyer"), "%s: buyer.fail_after %s is not before pay_after %s: the trade is paid by then, so the failure never happens", name, time.Duration(*b.FailAfter), time.Duration(*b.PayAfter))
			}
			// A close before the payment leaves nothing to pay; one after it finds the trade paid.
			if b.PayAfter != nil && b.CloseAfter != nil {
				bad(r, at("then.buyer.close_after", "then.buyer"), "%s: buyer.close_after beside pay_after: one of the two never happens (a closed trade is not paid, a paid one not closed); keep one", name)
			}
			// A failure after the close finds the trade closed; a scan after
			// the payment or the close finds it ended (steps due at the
			// same time act in the order scan, pay, fail, close).
			if b.CloseAfter != nil && b.FailAfter != nil && *b.FailAfter > *b.CloseAfter {
				bad(r, at("then.buyer.fail_after", "then.buyer"), "%s: buyer.fail_after %s is after close_after %s: the trade is closed by then, so the failure never happens", name, time.Duration(*b.FailAfter), time.Duration(*b.CloseAfter))
			}
			for _, end := range []struct {
				key string
				at  *Duration
			}{{"pay_after", b.PayAfter}, {"close_after", b.CloseAfter}} {
				if b.ScanAfter != nil && end.at != nil && *b.ScanAfter > *end.at {
					bad(r, at("then.buyer.scan_after", "then.buyer"), "%s: buyer.scan_after %s is after %s %s: the trade has ended by then, so the scan never happens", name, time.Duration(*b.ScanAfter), end.key, time.Duration(*end.at))
				}
			}
			who := fixtures.Buyer{UserID: b.BuyerID, LogonID: b.BuyerLogonID}
			if err := (fixtures.Buyer{UserID: who.UserID}).Check(); err != nil {
				bad(r, at("then.buyer.buyer_id", "then.buyer"), "%s: then.buyer.%v", name, err)
			}
			if err := (fixtures.Buyer{LogonID: who.LogonID}).Check(); err != nil {
				bad(r, at("then.buyer.buyer_logon_id", "then.buyer"), "%s: then.buyer.%v", name, err)
			}
			// A barcode trade's buyer is its auth_code's owner (fixtures.CodeBuyer)
			// and takes no other: a named buyer pays only when it is the owner
			// of the one auth_code the rule matches (equals).
			if only(w.Method, BarcodeMethod) && (b.BuyerID != "" || b.BuyerLogonID != "") {
				code := w.Biz["auth_code"].Equals
				var owner fixtures.Buyer
				if code != "" {
					owner = fixtures.CodeBuyer(code)
				}
				for _, f := range []struct{ field, v, owners string }{{"buyer_id", b.BuyerID, owner.UserID}, {"buyer_logon_id", b.BuyerLogonID, owner.Account}} {
					switch {
					case f.v == "" || (code != "" && f.v == f.owners):
					case code != "":
						bad(r, at("then.buyer."+f.field, "then.buyer"), "%s: buyer.%s %q is not the owner of auth_code %s (%s %s), the only buyer its %s trade takes, so it would never pay (ACQ.TRADE_BUYER_NOT_MATCH): name the owner, or drop %s", name, f.field, f.v, code, f.field, f.owners, BarcodeMethod, f.field)
					default:
						bad(r, at("then.buyer."+f.field, "then.buyer"), "%s: buyer.%s: a %s trade's buyer is its auth_code's owner and takes no other, so a buyer named on a rule that matches no one auth_code (equals) would never pay (ACQ.TRADE_BUYER_NOT_MATCH): drop %s (the auth_code chooses the buyer), or match biz.auth_code and name its owner", name, f.field, BarcodeMethod, f.field)
					}
				}
			}
		}
		if t.Notify != nil && !planned(t.Notify.Delay) {
			bad(r, at("then.notify.delay", "then.notify"), "%s: notify.delay is a time on the mock's clock from 0 to %s, not %s", name, maxPlannedText, time.Duration(*t.Notify.Delay))
		}
		if t.Notify != nil && (t.Notify.Duplicate < 0 || t.Notify.Duplicate > MaxDuplicate) {
			bad(r, at("then.notify.duplicate"), "%s: notify.duplicate must be from 0 to %d (extra copies of each notification), not %d", name, MaxDuplicate, t.Notify.Duplicate)
		}
		// A forced answer without execute stands in for the request: the
		// method does not run, so no buyer, policy, voucher or transfer
		// outcome of the rule would ever act, and the stand-in is answered
		// without the rule's fields (gateway dispatch).
		if rs := t.Respond; rs != nil && rs.Code != apierr.CodeSuccess && apierr.Msg(rs.Code) != "" && !rs.Execute {
			for _, p := range []struct {
				key string
				set bool
			}{{"buyer", t.Buyer != nil}, {"notify", t.Notify != nil}, {"voucher", t.Voucher != nil}, {"transfer", t.Transfer != nil}, {"fields", len(t.Fields) > 0}} {
				if p.set {
					bad(r, at("then.respond.execute", "then.respond"), "%s: then.%s beside respond without execute: true never acts (the forced answer stands in for the request, so the method does not run); add respond.execute: true, or drop then.%s", name, p.key, p.key)
				}
			}
		}
		// An action present but empty (buyer: {}, a buyer with only a
		// name, notify: {}, delay: 0s, fields: {}) does nothing either.
		if t.Respond == nil && t.onlyRespond() {
			bad(r, at("then"), "%s: then does nothing", name)
		}
	}
	return ps
}

// onlyRespond says whether nothing but the respond of the action acts:
// every other part is absent or empty.
func (t *Action) onlyRespond() bool {
	return len(t.Fields) == 0 && (t.Delay == nil || t.Delay.Max == 0) && t.Fault == "" && (t.Buyer == nil || t.Buyer.empty()) && t.Voucher == nil &&
		(t.Notify == nil || emptyNotify(t.Notify)) && t.Transfer == nil && t.SetState == ""
}

// empty says whether the buyer plays nothing: no step, no queries to pay
// after, not never (a name alone says only who would pay).
func (b *Buyer) empty() bool {
	return b.ScanAfter == nil && b.PayAfter == nil && b.FailAfter == nil && b.CloseAfter == nil && b.PayAfterQueries == 0 && !b.Never
}

// emptyNotify says whether a notification policy bends nothing.
func emptyNotify(n *Notify) bool {
	return !n.Suppress && (n.Delay == nil || *n.Delay == 0) && n.Duplicate == 0 && !n.Reorder && !n.BadSignature && n.URL == ""
}

// MaxPlanned bounds every duration of a rule that plans a job on the
// mock's clock (buyer.*_after, notify.delay, transfer.after): 30 days,
// longer than any wait the mock models (a trade's timeout_express is at
// most 15 days), so a plan stays well inside the clock's range.
const MaxPlanned = 30 * 24 * time.Hour

var maxPlannedText = fmt.Sprintf("%.0fh", MaxPlanned.Hours())

// planned is the one rule for those durations: absent, or 0 to MaxPlanned.
func planned(d *Duration) bool {
	return d == nil || (*d >= 0 && time.Duration(*d) <= MaxPlanned)
}

// BarcodeMethod is the barcode pay, whose buyer its auth_code names.
const BarcodeMethod = "alipay.trade.pay"

// only reports whether a rule's methods are method alone.
func only(methods []string, method string) bool {
	for _, m := range methods {
		if m != method {
			return false
		}
	}
	return len(methods) > 0
}

// TransferMethod is the method then.transfer applies to.
const TransferMethod = "alipay.fund.trans.uni.transfer"

// noRules is the problem of a file without rules.
const noRules = "no rules"

// known reports whether the catalogue lists method m.
func known(c Catalogue, m string) bool {
	_, ok := c[m]
	return ok
}

// bizFields are the fields the rule's known methods read, together; ok is
// false when no method is known (no catalogue, or only unknown methods).
func bizFields(c Catalogue, methods []string) (fields []string, ok bool) {
	for _, m := range methods {
		if info, found := c[m]; found {
			ok = true
			for _, f := range info.Fields {
				if !slices.Contains(fields, f) {
					fields = append(fields, f)
				}
			}
		}
	}
	sort.Strings(fields)
	return fields, ok
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// LoadPath reads a file, or every .yaml/.yml file of a directory and
// below (sorted) but hidden ones: a Kubernetes ConfigMap mounted as the
// directory holds each file twice, in a hidden ..TIMESTAMP directory and
// as a symlink to it at the top, and macOS leaves ._NAME.yaml beside
// copied files. Links to directories are followed, each directory read
// once (a link back up is not a loop).
func LoadPath(path string, methods Catalogue) ([]*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, Problems{{Path: path, Msg: err.Error()}}
	}
	var paths []string
	if st.IsDir() {
		if err := walk(path, path, map[string]bool{}, &paths); err != nil {
			return nil, Problems{{Path: path, Msg: err.Error()}}
		}
		if len(paths) == 0 { // a mistyped volume is an empty directory
			return nil, Problems{{Path: path, Msg: "a directory with no scenario file (*.yaml or *.yml) in it: nothing would be loaded"}}
		}
		sort.Strings(paths)
	} else {
		paths = []string{path}
	}
	var files []*File
	var all Problems
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			all = append(all, Problem{Path: p, Msg: err.Error()})
			continue
		}
		f, err := Parse(p, data, methods)
		if err != nil {
			var ps Problems
			if errors.As(err, &ps) {
				all = append(all, ps...)
			} else {
				all = append(all, Problem{Path: p, Msg: err.Error()})
			}
			continue
		}
		files = append(files, f)
	}
	if len(all) > 0 {
		return files, all
	}
	return files, nil
}

// walk adds to paths the .yaml/.yml files under dir but hidden ones, named
// under name, following links to directories; seen holds the directories
// read (their real paths), each read once.
func walk(dir, name string, seen map[string]bool, paths *[]string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if seen[real] {
		return nil
	}
	seen[real] = true
	entries, err := os.ReadDir(real)
	if err != nil {
		return err
	}
	for _, d := range entries {
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		p, n := filepath.Join(real, d.Name()), filepath.Join(name, d.Name())
		isDir := d.IsDir()
		if d.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(p) // a broken link is read as a file: its problem names it
			isDir = err == nil && st.IsDir()
		}
		switch {
		case isDir:
			if err := walk(p, n, seen, paths); err != nil {
				return err
			}
		case strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml"):
			*paths = append(*paths, n)
		}
	}
	return nil
}

// Scope puts f in scope app (an upload's ?app_id=, over the file's own;
// "" the global scope) and reports, as Parse reports them, the rules it
// leaves unable to match: a when.app_id naming another app, which Parse
// checked against the file's own app_id alone.
func (f *File) Scope(app string) error {
	f.AppID = app
	if app == "" {
		return nil
	}
	var ps Problems
	for _, r := range f.Rules {
		if w := r.When.AppID; w != "" && w != app {
			p := Problem{Path: f.Path, Rule: r.Name, at: r.at("when.app_id"),
				Msg: fmt.Sprintf("%s: app_id %s differs from the upload's scope %s (?app_id=): it can never match", r.Name, w, app)}
			p.Line = p.at.first
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}
