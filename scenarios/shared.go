package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
)

// Store keeps the scenarios in force, with their counters and states, for
// several mock processes (replicas) at once (pgstore), or for the next
// start of this one (--data). A state the engine last stored or was given
// should come back as the same bytes while it is the stored one: the
// engine then does not decode it again.
type Store interface {
	// UpdateScenarios runs f on the stored state under a lock that
	// excludes every UpdateScenarios of this process and of every other
	// replica, and stores next when changed. When storing it fails (or the
	// commit does), it runs undo, f's last result when not nil, before it
	// lets the lock go, then returns the error: undo puts back what f
	// changed in memory while no other change of this process can come
	// between. Another replica's change may still come between when the
	// lock is a database row's (it goes with the rollback): Refresh may
	// take it up before undo runs, and undo keeps it (Engine.change).
	// When the state cannot be read, f does not run.
	UpdateScenarios(f func(state []byte) (next []byte, changed bool, undo func())) error
}

// ShareOptions say what becomes of a stored file this build does not
// parse (one an older build took, before a check it fails was added).
type ShareOptions struct {
	// Log gets a warning naming each such file, its scope and problems.
	Log *slog.Logger
	// KeepUnparsed keeps such a file in the stored list, not in force
	// here, with its counters and state (--store: the replicas of an
	// older build, in a rolling deploy, keep it in force); without it the
	// next write leaves it out (--data).
	KeepUnparsed bool
}

// sharing is the engine's link to a Store.
type sharing struct {
	store    Store
	methods  Catalogue
	opts     ShareOptions
	stateful atomic.Bool // a rule counts or has states: Match goes through the store

	mu sync.Mutex
	// parsed holds the files the state last loaded used, by path and
	// text, so each is parsed once; each load keeps only what it used
	// (every distinct upload stayed for the process's life).
	parsed map[[32]byte]*File

	// refreshes counts Refresh loads (under Engine.mu): a failed change's
	// undo keeps the state one took up since f read the older one.
	refreshes uint64
	// last is the stored state the scopes hold (under Engine.mu): a
	// change given it again does not decode it again.
	last []byte
}

// state is what the store holds: each scope's files in order, as the text
// Parse read, with their counters and states.
type state struct {
	Scopes []scopeState `json:"scopes"`
	// Marks is 1 once the files given at start carry Start: an unmarked
	// file is then an upload. A list stored before (none, with files) may
	// hold start files unmarked (put).
	Marks int `json:"marks,omitempty"`
}

type scopeState struct {
	App   string      `json:"app"`
	Files []fileState `json:"files"`
}

type fileState struct {
	Path  string   `json:"path"`
	Src   []byte   `json:"src"`
	AppID string   `json:"app_id"`
	State string   `json:"state"`
	Rules [][2]int `json:"rules"` // matches, acted
	// Start marks a file given at start (--scenario, Options.Scenarios),
	// which a start not giving it drops; an upload has none.
	Start bool `json:"start,omitempty"`
	file  *File
}

// Share makes the scenarios in force, and their counters and states, the
// ones in s from now on; later changes on any replica (the control API)
// act on all. What this engine already holds (the --scenario files) are
// the start files, marked so in s, each known by its path, its scope and
// its place among this start's files of that path and scope: the n-th
// joins the n-th stored start file of the same path and scope. One of the
// same text stays, with its counters and states; one of other text (edited
// since) is replaced by this one, starting over, in place; with none, it
// is added after the stored files of its scope (so an edit of its app_id
// moves it to the end of its new scope). Stored start files no start file
// joins are dropped; uploads stay, whatever their path. Files that did
// not come from Parse (a program's own *File) have no text to share: they
// stay in force in this process alone, after the shared file they
// followed (first in their scope when none did, or it is gone), their
// counters in memory. methods checks files read from s; o says what
// becomes of one it refuses.
func (e *Engine) Share(s Store, methods Catalogue, o ShareOptions) error {
	sh := &sharing{store: s, methods: methods, opts: o, parsed: map[[32]byte]*File{}}
	e.mu.Lock()
	mine := e.dumpLocked()
	e.own = e.ownLocked()
	e.mu.Unlock()
	err := s.UpdateScenarios(func(stored []byte) ([]byte, bool, func()) {
		var st state
		_ = json.Unmarshal(stored, &st) // an empty or unreadable state is none
		unmarked := st.Marks == 0 && len(st.Scopes) > 0
		given := map[startKey]int{}
		for _, sc := range mine.Scopes {
			for _, f := range sc.Files {
				given[startKey{f.Path, sc.App}]++
			}
		}
		changed := st.dropStart(given) || unmarked
		seen := map[startKey]int{}
		for _, sc := range mine.Scopes {
			for _, f := range sc.Files {
				k := startKey{f.Path, sc.App}
				f.Start = true
				changed = st.put(sc.App, f, seen[k], unmarked) || changed
				seen[k]++
			}
		}
		st.Marks = 1
		next, _ := json.Marshal(st)
		e.mu.Lock()
		e.loadLocked(sh, next)
		e.mu.Unlock()
		return next, changed, nil // a start that fails to store stops
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.shared = sh
	e.mu.Unlock()
	return nil
}

// Refresh takes up the state another replica stored. It may come between
// a change's failed write and its undo (see Store), which then keeps it.
// The state the scopes hold already (this replica's own write announced
// back, given as the bytes it stored) is not decoded again.
func (e *Engine) Refresh(stored []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if sh := e.shared; sh != nil && !bytes.Equal(stored, sh.last) {
		sh.refreshes++
		e.loadLocked(sh, stored)
	}
}

// change runs f on the scenarios in force under the lock: with a store,
// on the stored state, written back when f changed it. An error is the
// store's: the change is not made, and this replica keeps the state the
// store last gave it, put back under the store's lock so that no change
// made meanwhile is undone: the one f read, or a newer one a Refresh took
// up since (ran says whether f ran, for Match).
func (e *Engine) change(f func()) (ran bool, err error) {
	return e.update(false, func() bool { f(); return true })
}

// update is change; with counts, f moves only counters and states and
// says whether it moved any, so the list is encoded once, and only then
// (Match), not twice to compare.
func (e *Engine) update(counts bool, f func() (moved bool)) (ran bool, err error) {
	sh := e.shared
	if sh == nil {
		e.mu.Lock()
		defer e.mu.Unlock()
		f()
		return true, nil
	}
	err = sh.store.UpdateScenarios(func(stored []byte) ([]byte, bool, func()) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if !bytes.Equal(stored, sh.last) { // else the scopes hold it already
			e.loadLocked(sh, stored)
		}
		gen := sh.refreshes
		own := e.own
		kept := make([]loaded, len(own)) // the own files' counters and states before f
		for i, o := range own {
			kept[i] = loaded{state: o.l.state, rules: slices.Clone(o.l.rules)}
		}
		var before, after []byte
		if !counts {
			before, _ = json.Marshal(e.dumpLocked())
		}
		changed := f()
		ran = true
		if !counts {
			e.own = e.ownLocked()
			e.retainLocked(sh)
			sh.stateful.Store(e.statefulLocked())
		}
		if changed {
			after, _ = json.Marshal(e.dumpLocked())
		}
		if !counts {
			changed = !bytes.Equal(before, after)
		}
		if changed {
			sh.last = after // undo puts back what is stored if it is not
		}
		undo := func() { // f's change was not stored
			e.mu.Lock()
			defer e.mu.Unlock()
			for i, o := range own {
				o.l.state, o.l.rules = kept[i].state, kept[i].rules
			}
			e.own = own
			if sh.refreshes == gen {
				e.loadLocked(sh, stored)
				return
			}
			// A Refresh took up another replica's newer state: keep
			// it, with the own files as they were before f.
			for app, ls := range e.scopes {
				ls = slices.DeleteFunc(ls, func(l *loaded) bool { return l.file.src == nil })
				if e.scopes[app] = ls; len(ls) == 0 {
					delete(e.scopes, app)
				}
			}
			e.placeOwnLocked()
		}
		return after, changed, undo
	})
	return ran, err
}

// startKey is a start file's path and scope.
type startKey struct{ path, app string }

// dropStart keeps of each path and scope as many stored start files as
// this start gives (given), the first ones, and reports whether it
// dropped any.
func (st *state) dropStart(given map[startKey]int) bool {
	changed := false
	scopes := st.Scopes[:0]
	for _, sc := range st.Scopes {
		kept := map[string]int{}
		files := sc.Files[:0]
		for _, f := range sc.Files {
			if f.Start {
				if kept[f.Path] == given[startKey{f.Path, sc.App}] {
					changed = true
					continue
				}
				kept[f.Path]++
			}
			files = append(files, f)
		}
		if sc.Files = files; len(files) > 0 {
			scopes = append(scopes, sc)
		}
	}
	st.Scopes = scopes
	return changed
}

// put joins f, the n-th start file of its path in the scope app, to the
// state (see Share) and reports whether that changed it. In a list stored
// before the marks (unmarked), a file of f's path there with no mark may
// be a start file: f takes the first when no n-th start file is stored.
func (st *state) put(app string, f fileState, n int, unmarked bool) bool {
	var sc *scopeState
	for i := range st.Scopes {
		if st.Scopes[i].App == app {
			sc = &st.Scopes[i]
		}
	}
	if sc == nil {
		st.add(app, f)
		return true
	}
	at := -1
	for j, g := range sc.Files {
		if g.Path == f.Path && g.Start {
			if n == 0 {
				at = j
				break
			}
			n--
		}
	}
	if at < 0 && unmarked {
		at = slices.IndexFunc(sc.Files, func(g fileState) bool { return g.Path == f.Path && !g.Start })
	}
	if at < 0 {
		st.add(app, f)
		return true
	}
	if g := sc.Files[at]; bytes.Equal(g.Src, f.Src) {
		sc.Files[at].Start = true
		return !g.Start
	}
	sc.Files[at] = f
	return true
}

// add puts f after the files of the scope app.
func (st *state) add(app string, f fileState) {
	for i := range st.Scopes {
		if st.Scopes[i].App == app {
			st.Scopes[i].Files = append(st.Scopes[i].Files, f)
			return
		}
	}
	st.Scopes = append(st.Scopes, scopeState{App: app, Files: []fileState{f}})
}

// ownFile is a file in force with no text to share, and the shared file
// of its scope it follows (by fileKey; none: first).
type ownFile struct {
	l     *loaded
	after *[32]byte
}

// ownLocked is the files in force with no text to share, each scope's in
// order.
func (e *Engine) ownLocked() []ownFile {
	var own []ownFile
	for _, ls := range e.scopes {
		var prev *loaded // the shared file before
		var after *[32]byte
		for _, l := range ls {
			if l.file.src != nil {
				prev, after = l, nil
				continue
			}
			if after == nil && prev != nil {
				k := fileKey(prev.file.Path, prev.file.src)
				after = &k
			}
			own = append(own, ownFile{l: l, after: after})
		}
	}
	return own
}

// placeOwnLocked puts the own files back in the scopes loaded from a
// state, each after the shared file it followed.
func (e *Engine) placeOwnLocked() {
	if len(e.own) == 0 {
		return
	}
	byScope := map[string][]ownFile{}
	for _, o := range e.own {
		byScope[o.l.file.AppID] = append(byScope[o.l.file.AppID], o)
	}
	for app, own := range byScope {
		placed := make([]bool, len(own))
		var ls []*loaded
		put := func(after *[32]byte) {
			for i, o := range own {
				if !placed[i] && (o.after == after || o.after != nil && after != nil && *o.after == *after) {
					ls, placed[i] = append(ls, o.l), true
				}
			}
		}
		put(nil)
		for _, l := range e.scopes[app] {
			ls = append(ls, l)
			k := fileKey(l.file.Path, l.file.src)
			put(&k)
		}
		var lost []*loaded // what they followed is gone: first
		for i, o := range own {
			if !placed[i] {
				lost = append(lost, o.l)
			}
		}
		e.scopes[app] = append(lost, ls...)
	}
	e.own = e.ownLocked()
}

// dumpLocked is the engine's scopes as a state, marked (builtin files are every
// replica's own and stay out, as do the own files).
func (e *Engine) dumpLocked() state {
	st := state{Marks: 1}
	for app, ls := range e.scopes {
		sc := scopeState{App: app}
		for _, l := range ls {
			if l.file.src == nil {
				continue
			}
			fs := fileState{Path: l.file.Path, Src: l.file.src, AppID: l.file.AppID, State: l.state, Start: l.start}
			for _, r := range l.rules {
				fs.Rules = append(fs.Rules, [2]int{r.matches, r.acted})
			}
			if l.unparsed {
				fs.Rules = l.stored
			}
			sc.Files = append(sc.Files, fs)
		}
		if len(sc.Files) > 0 {
			st.Scopes = append(st.Scopes, sc)
		}
	}
	// Map order is random: sort scopes so equal states encode equally.
	for i := 1; i < len(st.Scopes); i++ {
		for j := i; j > 0 && st.Scopes[j].App < st.Scopes[j-1].App; j-- {
			st.Scopes[j], st.Scopes[j-1] = st.Scopes[j-1], st.Scopes[j]
		}
	}
	return st
}

// loadLocked replaces the engine's scopes with a stored state, the own
// files put back among them.
func (e *Engine) loadLocked(sh *sharing, stored []byte) {
	var st state
	if len(stored) > 0 {
		if err := json.Unmarshal(stored, &st); err != nil {
			return // not a state this version wrote: keep what there is
		}
	}
	scopes := map[string][]*loaded{}
	used := map[[32]byte]*File{}
	for _, sc := range st.Scopes {
		for _, fs := range sc.Files {
			f, err := sh.parse(fs.Path, fs.Src, used)
			if err != nil {
				sh.refused(sc.App, fs.Path, err)
			}
			if f == nil && sh.opts.KeepUnparsed {
				scopes[sc.App] = append(scopes[sc.App], &loaded{file: &File{Path: fs.Path, AppID: fs.AppID, src: fs.Src},
					state: fs.State, start: fs.Start, unparsed: true, stored: fs.Rules})
			}
			if f == nil {
				continue
			}
			c := *f
			c.AppID = fs.AppID
			l := newLoaded(&c)
			l.start = fs.Start
			if fs.State != "" {
				l.state = fs.State
			}
			for i := range l.rules {
				if i < len(fs.Rules) {
					l.rules[i] = ruleState{matches: fs.Rules[i][0], acted: fs.Rules[i][1]}
				}
			}
			scopes[sc.App] = append(scopes[sc.App], l)
		}
	}
	e.scopes = scopes
	e.placeOwnLocked()
	sh.mu.Lock()
	sh.parsed = used
	sh.mu.Unlock()
	sh.stateful.Store(e.statefulLocked())
	sh.last = stored
}

// retainLocked keeps in the cache just the files the scopes in force use
// (an upload's too, so it is not parsed again), after a change: a cleared
// or replaced file's text goes.
func (e *Engine) retainLocked(sh *sharing) {
	used := map[[32]byte]*File{}
	for _, ls := range e.scopes {
		for _, l := range ls {
			switch {
			case l.unparsed:
				used[fileKey(l.file.Path, l.file.src)] = nil // refused once, said once
			case l.file.src != nil:
				used[fileKey(l.file.Path, l.file.src)] = l.file
			}
		}
	}
	sh.mu.Lock()
	sh.parsed = used
	sh.mu.Unlock()
}

func fileKey(path string, src []byte) [32]byte {
	return sha256.Sum256(append([]byte(path+"\x00"), src...))
}

// parse reads a stored file once, noting it in used; nil if it no longer
// parses, with its problems the first time (not when noted already).
func (sh *sharing) parse(path string, src []byte, used map[[32]byte]*File) (*File, error) {
	k := fileKey(path, src)
	if f, ok := used[k]; ok {
		return f, nil
	}
	sh.mu.Lock()
	f, ok := sh.parsed[k]
	sh.mu.Unlock()
	var err error
	if !ok {
		if f, err = Parse(path, src, sh.methods); err != nil {
			f = nil
		}
	}
	used[k] = f
	return f, err
}

// refused logs a stored file this build does not parse, and what becomes
// of it.
func (sh *sharing) refused(app, path string, problems error) {
	if sh.opts.Log == nil {
		return
	}
	scope, fate := app, "dropped: the next write leaves it out"
	if scope == "" {
		scope = "global"
	}
	if sh.opts.KeepUnparsed {
		fate = "kept in the stored list for the replicas that take it, not in force on this one"
	}
	sh.opts.Log.Warn("stored scenario file refused by this version's checks", "path", path, "scope", scope,
		"problems", problems.Error(), "fate", fate)
}

// ParsedFiles is how many parsed scenario files a replica (--store) keeps
// for the state it loaded last; 0 without a store. For tests: the cache
// must not outlive what it serves.
func (e *Engine) ParsedFiles() int {
	e.mu.Lock()
	sh := e.shared
	e.mu.Unlock()
	if sh == nil {
		return 0
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.parsed)
}

// statefulLocked reports whether a shared rule in force counts calls
// (nth, times) or reads or sets a state (the own files count in memory).
func (e *Engine) statefulLocked() bool {
	for _, ls := range e.scopes {
		for _, l := range ls {
			if l.file.src == nil {
				continue
			}
			for _, r := range l.file.Rules {
				if r.stateful() {
					return true
				}
			}
		}
	}
	return false
}
