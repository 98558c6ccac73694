package scenarios

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Request is what the engine sees of a gateway request.
type Request struct {
	AppID  string
	Method string
	// Biz are the top-level biz_content fields as text.
	Biz map[string]string
	// Answered says a queued answer with execute answers the request in
	// place of a rule's respond: a rule with nothing else that acts is
	// then not counted as having acted (its times are not used).
	Answered bool
}

// Plan is what the matching rule wants done.
type Plan struct {
	Rule   string // "scenario/rule", for the journal
	Action Action
}

// DelayFor picks the wall-clock delay of the plan (random within the range).
func (p *Plan) DelayFor() time.Duration {
	if p == nil || p.Action.Delay == nil {
		return 0
	}
	d := p.Action.Delay
	if d.Max <= d.Min {
		return d.Min
	}
	return d.Min + rand.N(d.Max-d.Min)
}

type ruleState struct {
	matches int // calls that met every condition but nth
	acted   int
}

// loaded is one file in force, with its counters and state.
type loaded struct {
	file  *File
	state string
	rules []ruleState
	start bool // given at start, with a store (shared.go)
	// unparsed marks a stored file this build refuses, kept in the list
	// (ShareOptions.KeepUnparsed) but not in force: no rules, not listed;
	// stored are its counters as stored.
	unparsed bool
	stored   [][2]int
}

// Engine holds the scenarios in force, scoped by app id ("" is global),
// and the built-in ones (the magic amounts), which act for every app after
// the global scope and which Clear and Replace leave in force: only not
// adding them at start turns them off. Safe for concurrent use.
type Engine struct {
	mu      sync.Mutex
	scopes  map[string][]*loaded
	builtin []*loaded
	shared  *sharing // set when replicas share the scenarios (shared.go)
	// own are, with a store, the files in force that have no text to
	// share (a program's own *File, not from Parse): this process's only
	// (shared.go).
	own []ownFile
}

// NewEngine makes an empty engine.
func NewEngine() *Engine { return &Engine{scopes: map[string][]*loaded{}} }

func newLoaded(f *File) *loaded {
	return &loaded{file: f, state: "Started", rules: make([]ruleState, len(f.Rules))}
}

// MaxSourceBytes bounds the text of the files in force (with their paths
// and names), every scope together, that Add and Replace may reach: with a store (--data,
// --store) every request a counting rule matches writes that text whole.
const MaxSourceBytes = 8 << 20

// ErrTooMuchSource is Add's and Replace's answer when the files in force
// would hold more than MaxSourceBytes of text: nothing was changed.
var ErrTooMuchSource = fmt.Errorf("the scenario files in force would hold more than %d MiB of text: delete some first", MaxSourceBytes>>20)

// ErrTooMuchRegex is Add's and Replace's answer when the files in force
// would hold regexes past MaxRegexCostInForce: nothing was changed.
var ErrTooMuchRegex = fmt.Errorf("the scenario files in force would hold regexes compiling to over %d instructions and character ranges (each regex counting %d more): delete some first, or use fewer or simpler regexes", MaxRegexCostInForce, regexBaseCost)

// sourceBytesLocked is the text the files in force hold, their paths and
// names too (an upload's ?name= is both); e.mu is held.
func (e *Engine) sourceBytesLocked() int {
	n := 0
	for _, ls := range e.scopes {
		for _, l := range ls {
			n += len(l.file.src) + len(l.file.Path) + len(l.file.Name)
		}
	}
	return n
}

// overLocked is the bound the files in force pass, if any; e.mu is held.
func (e *Engine) overLocked() error {
	if e.sourceBytesLocked() > MaxSourceBytes {
		return ErrTooMuchSource
	}
	n := 0
	for _, ls := range e.scopes {
		for _, l := range ls {
			n += l.file.regexLoad()
		}
	}
	if n > MaxRegexCostInForce {
		return ErrTooMuchRegex
	}
	return nil
}

// Add puts files in force after those already there, each in the scope
// of its app_id. An error is the store's (--store), ErrTooMuchSource or
// ErrTooMuchRegex: nothing was added.
func (e *Engine) Add(files ...*File) error {
	var over error
	_, err := e.change(func() {
		was := map[string]int{}
		for _, f := range files {
			if _, ok := was[f.AppID]; !ok {
				was[f.AppID] = len(e.scopes[f.AppID])
			}
			e.scopes[f.AppID] = append(e.scopes[f.AppID], newLoaded(f))
		}
		if over = e.overLocked(); over != nil {
			for app, n := range was {
				if e.scopes[app] = e.scopes[app][:n]; n == 0 {
					delete(e.scopes, app)
				}
			}
		}
	})
	if err == nil {
		err = over
	}
	return err
}

// AddBuiltin puts files in force for every app, after the global scope,
// out of reach of Clear and Replace.
func (e *Engine) AddBuiltin(files ...*File) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range files {
		e.builtin = append(e.builtin, newLoaded(f))
	}
}

// Replace puts files in force in place of everything in the scope app
// (files whose app_id is empty take it). An error is the store's,
// ErrTooMuchSource or ErrTooMuchRegex: nothing was replaced.
func (e *Engine) Replace(app string, files ...*File) error {
	var over error
	_, err := e.change(func() {
		was, had := e.scopes[app]
		var ls []*loaded
		for _, f := range files {
			f.AppID = app
			ls = append(ls, newLoaded(f))
		}
		e.scopes[app] = ls
		if over = e.overLocked(); over != nil {
			if e.scopes[app] = was; !had {
				delete(e.scopes, app)
			}
		}
	})
	if err == nil {
		err = over
	}
	return err
}

// Clear removes the scenarios of one scope; all scopes when all is true.
// The built-in scenarios stay: kept names them when the global scope was
// cleared. An error is the store's: nothing was cleared.
func (e *Engine) Clear(app string, all bool) (kept []string, err error) {
	if _, err := e.change(func() {
		if all {
			e.scopes = map[string][]*loaded{}
		} else {
			delete(e.scopes, app)
		}
	}); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if all || app == "" {
		for _, l := range e.builtin {
			kept = append(kept, l.file.Name)
		}
	}
	return kept, nil
}

// Reset puts every scenario of a scope (all scopes for "") back to its
// start: counters to zero, state "Started"; with a store, the stored
// counters and states, which stateful matching reads. An error is the
// store's: the stored scenarios, and the files kept beside them (own),
// were not reset (the built-in ones, every replica's own, are).
func (e *Engine) Reset(app string) error {
	_, err := e.change(func() {
		for scope, ls := range e.scopes {
			if app != "" && scope != app {
				continue
			}
			for _, l := range ls {
				l.restart()
			}
		}
	})
	if app == "" {
		e.mu.Lock()
		for _, l := range e.builtin {
			l.restart()
		}
		e.mu.Unlock()
	}
	return err
}

func (l *loaded) restart() {
	l.state = "Started"
	l.rules = make([]ruleState, len(l.file.Rules))
	if l.unparsed {
		l.stored = make([][2]int, len(l.stored))
	}
}

// Status is a loaded scenario as the control API shows it.
type Status struct {
	File  *File  `json:"scenario"`
	State string `json:"state"`
	// Acted is, per rule, how many times it acted.
	Acted []int `json:"acted"`
	// Builtin marks a built-in scenario (the magic amounts): in the
	// global scope, after its files; only a start-up flag turns it off.
	Builtin bool `json:"builtin,omitempty"`
}

// List returns the scenarios in force, by scope.
func (e *Engine) List() map[string][]Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string][]Status{}
	status := func(l *loaded) Status {
		st := Status{File: l.file, State: l.state}
		for _, r := range l.rules {
			st.Acted = append(st.Acted, r.acted)
		}
		return st
	}
	for scope, ls := range e.scopes {
		for _, l := range ls {
			if !l.unparsed {
				out[scope] = append(out[scope], status(l))
			}
		}
	}
	for _, l := range e.builtin {
		st := status(l)
		st.Builtin = true
		out[""] = append(out[""], st)
	}
	return out
}

// Match finds the rule that acts on a request: the app's scope first,
// then the global one, then the built-in scenarios, in file and rule
// order. It counts the call and
// moves states. misses explain why rules for the same method did not
// act, for the journal.
//
// With a shared store, err is the store's when a stateful rule (times,
// nth, when.state, then.set_state) for the method was reached and the
// store could not be read or could not take the count: no rule acts and
// the call is answered as a store failure, so a rule never acts on a
// count or state the replicas do not share (a times: 1 rule acting
// twice). When only stateless rules were reached, the plan stands: with
// the store unreadable, it comes from this replica's copy.
func (e *Engine) Match(r Request) (plan *Plan, misses []string, err error) {
	if e.shared != nil && e.shared.stateful.Load() && r.AppID != "" {
		// A request that reaches no stateful rule for its method acts
		// as it would on the stored list (the files are the same; only
		// stateful rules read counts and states): it matches on this
		// replica's copy, leaving the store alone.
		e.mu.Lock()
		if _, _, reached, _ := e.match(r, false); !reached {
			plan, misses, _, _ = e.match(r, true)
			e.mu.Unlock()
			return plan, misses, nil
		}
		e.mu.Unlock()
		// Counters and states are the replicas' together: count under
		// the store's lock.
		var reached bool
		ran, err := e.update(true, func() (moved bool) {
			plan, misses, reached, moved = e.match(r, true)
			return moved
		})
		if err == nil {
			return plan, misses, nil
		}
		if !ran {
			// The store could not be read: this replica's copy answers
			// for stateless rules alone, and counts nothing (the own
			// files' counters, in memory only, would keep the count).
			e.mu.Lock()
			plan, misses, reached, _ = e.match(r, false)
			e.mu.Unlock()
		}
		if reached {
			return nil, misses, err
		}
		return plan, misses, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	plan, misses, _, _ = e.match(r, true)
	return plan, misses, nil
}

// match is Match with the lock held; count moves the counters and states
// (without it, the plan is the one counting would give). stateful says
// whether a stateful rule for the method was reached (tested before the
// one that acts, the one that acts, or an nth rule after it, which counts
// the call); moved, whether a counter or state
// of a file with text (one a store keeps) moved.
func (e *Engine) match(r Request, count bool) (plan *Plan, misses []string, stateful, moved bool) {
	if r.AppID == "" {
		return nil, nil, false, false
	}
	// A request is tested against every rule for its method and most
	// miss (the magic amounts alone miss 9 times a precreate): the misses'
	// texts are written one after another in text, each ending at its
	// ends entry, and made strings with one allocation at the end.
	var buf [1024]byte
	var endBuf [16]int
	text, ends := buf[:0], endBuf[:0]
	defer func() {
		if len(ends) == 0 {
			return
		}
		all := string(text)
		misses = make([]string, len(ends))
		start := 0
		for i, end := range ends {
			misses[i], start = all[start:end], end
		}
	}()
	// The state the acting rule sets moves once every rule has tested the
	// call: a later rule's conditions see the state the call met.
	var setIn *loaded
	for _, ls := range [][]*loaded{e.scopes[r.AppID], e.scopes[""], e.builtin} {
		for _, l := range ls {
			for i, rule := range l.file.Rules {
				if !rule.When.Method.has(r.Method) {
					continue
				}
				if plan != nil {
					// Past the rule that acts, an nth rule still counts
					// the call if it meets its conditions: nth counts
					// every matching call, answered by another rule or not.
					if len(rule.When.Nth) == 0 {
						continue
					}
					stateful = true
					if m := l.miss(text, rule, r); len(m) == len(text) && count {
						l.rules[i].matches++
						moved = moved || l.file.src != nil
					}
					continue
				}
				stateful = stateful || rule.stateful()
				start := len(text)
				b := append(append(append(text, l.file.Name...), '/'), rule.Name...)
				b = append(b, ": "...)
				if m := l.miss(b, rule, r); len(m) > len(b) {
					text, ends = m, append(ends, len(m))
					continue
				}
				text = b[:start] // it holds: its name is not a miss
				id := l.file.Name + "/" + rule.Name
				rs := &l.rules[i]
				n := rs.matches + 1
				if count {
					rs.matches = n
					moved = moved || l.file.src != nil
				}
				if len(rule.When.Nth) > 0 && !contains(rule.When.Nth, n) {
					text = fmt.Appendf(text, "%s: call %d is not nth %v", id, n, []int(rule.When.Nth))
					ends = append(ends, len(text))
					continue
				}
				if rule.Times > 0 && rs.acted >= rule.Times {
					text = fmt.Appendf(text, "%s: used up (times %d)", id, rule.Times)
					ends = append(ends, len(text))
					continue
				}
				if count && !(r.Answered && rule.Then.onlyRespond()) {
					rs.acted++
					if rule.Then.SetState != "" {
						setIn = l
					}
				}
				plan = &Plan{Rule: id, Action: rule.Then}
			}
		}
	}
	if setIn != nil {
		setIn.state = plan.Action.SetState
	}
	return plan, misses, stateful, moved
}

// stateful says whether the rule counts calls or reads or moves a state:
// what it does depends on what the replicas share.
func (rule *Rule) stateful() bool {
	return len(rule.When.Nth) > 0 || rule.Times > 0 || rule.When.State != "" || rule.Then.SetState != ""
}

// miss appends to b why a rule's conditions (other than nth and times)
// fail, nothing when they hold.
func (l *loaded) miss(b []byte, rule *Rule, r Request) []byte {
	w := &rule.When
	if w.AppID != "" && w.AppID != r.AppID {
		return append(append(append(append(b, "app_id is "...), r.AppID...), ", not "...), w.AppID...)
	}
	if w.State != "" && w.State != l.state {
		return fmt.Appendf(b, "state is %q, not %q", l.state, w.State)
	}
	if len(w.Biz) == 1 { // the common case: no order to find
		for f, c := range w.Biz {
			if v, ok := r.Biz[f]; !c.holds(v, ok) {
				return c.why(append(append(append(b, "biz."...), f...), ' '), v, ok)
			}
		}
		return b
	}
	fields := make([]string, 0, len(w.Biz))
	for f := range w.Biz {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		c := w.Biz[f]
		if v, ok := r.Biz[f]; !c.holds(v, ok) {
			return c.why(append(append(append(b, "biz."...), f...), ' '), v, ok)
		}
	}
	return b
}
