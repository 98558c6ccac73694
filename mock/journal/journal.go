// Package journal keeps the last gateway requests: what came in, whether
// its signature verified (and if not, the string the mock verified and the
// likely mistake), which scenario rule acted or why the nearest ones did
// not, and what went back.
//
// It is bounded twice: by entries and by bytes, the oldest entries going
// first. Each recorded value is cut at MaxValue bytes (and a request's
// parameters together at MaxParams), with the entry marked truncated and
// the original sizes noted, so a request with a megabyte of biz_content
// costs the journal a bounded copy, never the megabyte.
package journal

import (
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/mock/limits"
)

// Defaults and bounds of the journal.
const (
	DefaultMaxEntries = 2000
	DefaultMaxBytes   = 32 << 20
	// MinBytes is the smallest byte budget: the largest entry fits in it
	// unless its values are mostly characters JSON escapes.
	MinBytes = 1 << 20
	// MaxValue bounds each recorded value (a parameter, the string to sign,
	// the response); MaxParams all of one request's parameters together.
	MaxValue  = 64 << 10
	MaxParams = 256 << 10
	// maxShort bounds values that are short in any sane request (method,
	// app_id, a parameter's name); maxMiss one scenario miss, maxMisses
	// how many are kept.
	maxShort  = 256
	maxMiss   = 4 << 10
	maxMisses = 50
	// entryOverhead is what an entry costs besides its strings.
	entryOverhead = 512
)

// Options bound a journal; zero values take the defaults.
type Options struct {
	// MaxEntries is how many entries are kept; default 2,000.
	MaxEntries int
	// MaxBytes is how many bytes of entries are kept (as counted by their
	// strings as JSON writes them plus a fixed overhead each); default
	// 32 MiB, at least MinBytes.
	MaxBytes int64
	// PerReplica keeps the journal in this process's memory even when
	// replicas share a database (--store): each lists only the requests it
	// served, and writes none to the database.
	PerReplica bool
}

func (o Options) withDefaults() Options {
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxBytes < MinBytes {
		o.MaxBytes = MinBytes
	}
	return o
}

// Entry is one gateway request.
type Entry struct {
	ID         int               `json:"id"`
	At         time.Time         `json:"at"` // on the mock's clock
	HTTPMethod string            `json:"http_method"`
	Method     string            `json:"method,omitempty"`
	AppID      string            `json:"app_id,omitempty"`
	Params     map[string]string `json:"params,omitempty"`
	Charset    string            `json:"charset,omitempty"`
	SignType   string            `json:"sign_type,omitempty"`
	// Verified is whether the request's signature verified.
	Verified bool `json:"verified"`
	// StringToSign is what the mock verified against; Explanation is the
	// likely cause when it did not verify.
	StringToSign string `json:"string_to_sign,omitempty"`
	Explanation  string `json:"explanation,omitempty"`
	KeyUsed      string `json:"key_used,omitempty"` // fingerprint of the app public key
	// About and Ref name what the request acted on, as the method table
	// says: "trade" or "red_packet", and the number the request gave.
	About    string   `json:"about,omitempty"`
	Ref      string   `json:"ref,omitempty"`
	Rule     string   `json:"rule,omitempty"`
	Misses   []string `json:"misses,omitempty"`
	Code     string   `json:"code,omitempty"`
	SubCode  string   `json:"sub_code,omitempty"`
	Status   int      `json:"status"`
	Fault    string   `json:"fault,omitempty"`
	Response string   `json:"response"`
	WallMS   float64  `json:"wall_ms"`
	// Truncated is set when a value was cut to keep the journal bounded;
	// OriginalSizes gives the size in bytes of each value that was cut
	// ("params.biz_content", "string_to_sign", "response", …).
	Truncated     bool           `json:"truncated,omitempty"`
	OriginalSizes map[string]int `json:"original_sizes,omitempty"`

	size int64
}

// Journal is a bounded log of entries, oldest dropped first. The zero value
// is a journal with the default bounds. Safe for concurrent use.
type Journal struct {
	mu    sync.Mutex
	opts  Options
	set   bool
	seq   int
	q     []*Entry // oldest first, from head on: pointers, so dropping and compacting move 8 bytes an entry, not the entry
	head  int
	bytes int64
	// st and w are set when replicas share the journal (Share).
	st Store
	w  *writer
}

// New makes a journal with the given bounds.
func New(o Options) *Journal { return &Journal{opts: o.withDefaults(), set: true} }

func (j *Journal) init() {
	if !j.set {
		j.opts, j.set = j.opts.withDefaults(), true
	}
}

// Options are the bounds in force.
func (j *Journal) Options() Options {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.init()
	return j.opts
}

// Stats is what the journal holds now.
type Stats struct {
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
	// Dropped counts the entries a shared journal did not keep because
	// its writer's queue was full (the database stalled).
	Dropped int64 `json:"dropped,omitempty"`
}

// Stats counts the entries kept and their bytes. A shared journal's
// store may fail: the error says so (never an empty journal).
func (j *Journal) Stats() (Stats, error) {
	if st := j.shared(); st != nil {
		s, err := st.JournalStats()
		if err != nil {
			return Stats{}, unreadable(err)
		}
		j.mu.Lock()
		if j.w != nil {
			s.Dropped = j.w.dropped.Load()
		}
		j.mu.Unlock()
		return s, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return Stats{Entries: len(j.q) - j.head, Bytes: j.bytes}, nil
}

// Add records an entry (a bounded copy of it) and returns its id; a
// shared journal's ids are the store's, given when the entry is written,
// and Add returns 0.
func (j *Journal) Add(e Entry) int {
	e = bound(e)
	if j.queue(e) {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.init()
	j.seq++
	e.ID = j.seq
	j.q = append(j.q, &e)
	j.bytes += e.size
	for n := len(j.q) - j.head; n > 1 && (n > j.opts.MaxEntries || j.bytes > j.opts.MaxBytes); n-- {
		j.bytes -= j.q[j.head].size
		j.q[j.head] = nil // let it go now
		j.head++
	}
	if j.head > 64 && j.head*2 > len(j.q) {
		j.q = append(make([]*Entry, 0, len(j.q)-j.head+j.head/2), j.q[j.head:]...)
		j.head = 0
	}
	return e.ID
}

// bound returns e with every value cut to its limit, in fresh memory (the
// request's own strings are not kept: a parameter is often a slice of the
// whole request body, which it would otherwise keep alive), and its size
// counted.
func bound(e Entry) Entry {
	var sizes map[string]int // made only when something is cut
	note := func(name string, n int) {
		if sizes == nil {
			sizes = map[string]int{}
		}
		sizes[name] = n
	}
	cut := func(name, s string, max int) string {
		if limits.Cuts(s, max) {
			note(name, len(s))
			return limits.Cut(s, max)
		}
		return s // copied by pack
	}
	e.Method = cut("method", e.Method, maxShort)
	e.AppID = cut("app_id", e.AppID, maxShort)
	e.HTTPMethod = cut("http_method", e.HTTPMethod, maxShort)
	e.Charset = cut("charset", e.Charset, maxShort)
	e.SignType = cut("sign_type", e.SignType, maxShort)
	e.KeyUsed = cut("key_used", e.KeyUsed, maxShort)
	e.Rule = cut("rule", e.Rule, maxShort)
	e.About = cut("about", e.About, maxShort)
	e.Ref = cut("ref", e.Ref, maxShort)
	e.Code = cut("code", e.Code, maxShort)
	e.SubCode = cut("sub_code", e.SubCode, maxShort)
	e.Fault = cut("fault", e.Fault, maxShort)
	e.StringToSign = cut("string_to_sign", e.StringToSign, MaxValue)
	e.Explanation = cut("explanation", e.Explanation, MaxValue)
	e.Response = cut("response", e.Response, MaxValue)
	if len(e.Misses) > maxMisses {
		note("misses", len(e.Misses))
		e.Misses = e.Misses[:maxMisses]
	}
	if e.Misses != nil {
		ms := make([]string, len(e.Misses))
		for i, m := range e.Misses {
			ms[i] = cut("misses", m, maxMiss)
		}
		e.Misses = ms
	}
	paramBytes, fit := paramsFit(e.Params)
	if !fit {
		// Smallest values first, so the common parameters are kept whole
		// and the large ones share what is left of MaxParams.
		names := make([]string, 0, len(e.Params))
		for k := range e.Params {
			names = append(names, k)
		}
		sort.Slice(names, func(a, b int) bool {
			la, lb := len(e.Params[names[a]]), len(e.Params[names[b]])
			if la != lb {
				return la < lb
			}
			return names[a] < names[b]
		})
		p := make(map[string]string, len(names))
		left := MaxParams
		for _, k := range names {
			v := e.Params[k]
			limit := min(MaxValue, max(left, 0))
			name := cut("param_name", k, maxShort)
			p[name] = cut("params."+name, v, limit)
			left -= len(name) + len(p[name])
		}
		e.Params = p
		paramBytes = 0
		for k, v := range p {
			paramBytes += len(k) + len(v)
		}
	}
	if len(sizes) > 0 {
		e.Truncated, e.OriginalSizes = true, sizes
	}
	pack(&e, paramBytes)
	e.size = size(&e)
	return e
}

// paramsFit reports whether the slow path of bound would cut nothing:
// every name and value within its own limit and all within MaxParams,
// when the order it takes them in does not matter; and their bytes.
func paramsFit(p map[string]string) (n int, fit bool) {
	for k, v := range p {
		if len(k) > maxShort || len(v) > MaxValue {
			return 0, false
		}
		n += len(k) + len(v)
	}
	return n, n <= MaxParams
}

// pack copies every string of e (but OriginalSizes' names, constants)
// into one allocation: an entry is kept and dropped whole, and one
// allocation instead of one per value (dozens) is most of what recording
// a request costs. Misses must be e's own (bound made it); Params is
// copied (paramBytes: its names' and values' bytes).
func pack(e *Entry, paramBytes int) {
	fields := [...]*string{&e.HTTPMethod, &e.Method, &e.AppID, &e.Charset, &e.SignType, &e.StringToSign,
		&e.Explanation, &e.KeyUsed, &e.About, &e.Ref, &e.Rule, &e.Code, &e.SubCode, &e.Fault, &e.Response}
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	for _, m := range e.Misses {
		n += len(m)
	}
	n += paramBytes
	var b strings.Builder
	b.Grow(n)
	// keep copies s into b. What b.String() returns is never written
	// again, so each piece stays valid as b grows; with b grown to n up
	// front, the pieces all share its one buffer.
	keep := func(s string) string {
		start := b.Len()
		b.WriteString(s)
		return b.String()[start:]
	}
	for _, f := range fields {
		*f = keep(*f)
	}
	for i, m := range e.Misses {
		e.Misses[i] = keep(m)
	}
	if e.Params != nil {
		p := make(map[string]string, len(e.Params))
		for k, v := range e.Params {
			p[keep(k)] = keep(v)
		}
		e.Params = p
	}
}

// size is what an entry counts against the byte budget: its strings as
// JSON writes them (escaped: jsonLen), never less than the bytes they
// hold, so the budget bounds both the heap and the journal's answer.
func size(e *Entry) int64 {
	n := entryOverhead + 32*len(e.Params)
	for _, f := range [...]string{e.Method, e.AppID, e.HTTPMethod, e.Charset, e.SignType, e.StringToSign, e.Explanation,
		e.KeyUsed, e.Rule, e.About, e.Ref, e.Code, e.SubCode, e.Fault, e.Response} {
		n += jsonLen(f)
	}
	for k, v := range e.Params {
		n += jsonLen(k) + jsonLen(v)
	}
	for _, m := range e.Misses {
		n += jsonLen(m) + 16
	}
	for k := range e.OriginalSizes {
		n += len(k) + 24
	}
	return int64(n)
}

// jsonLen is the length of s inside a JSON string as encoding/json writes
// it with HTML escaping off (the control API's journal answers, the
// shared journal's rows): `"` and `\` take 2 bytes, control characters 2
// or 6, invalid UTF-8 and U+2028/U+2029 6 a rune ("\ufffd").
func jsonLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += w
		}
		i += w
	}
	return n
}

// Filter selects entries.
type Filter struct {
	AppID  string
	Method string
	// Failed keeps only requests whose signature did not verify;
	// Verified only those whose signature did (neither: every request).
	Failed   bool
	Verified bool
	// Before keeps only entries older than this id (a page's cursor); 0
	// starts from the newest.
	Before int
	Limit  int
}

func (f Filter) match(e *Entry) bool {
	return (f.Before <= 0 || e.ID < f.Before) && (f.AppID == "" || e.AppID == f.AppID) &&
		(f.Method == "" || e.Method == f.Method) && (!f.Failed || (!e.Verified && e.StringToSign != "")) &&
		(!f.Verified || e.Verified)
}

// List returns matching entries, newest first; none when a shared
// journal's store fails (Page says why).
func (j *Journal) List(f Filter) []Entry {
	out, _, _ := j.Page(f)
	return out
}

// Page returns matching entries, newest first, at most f.Limit of them
// (all when 0), and the id to pass as Before for the next page: 0 when
// there is none. A shared journal's store may fail: the error says so.
func (j *Journal) Page(f Filter) ([]Entry, int, error) {
	if st := j.shared(); st != nil {
		out, next, err := st.JournalPage(f)
		if err != nil {
			return nil, 0, unreadable(err)
		}
		if out == nil {
			out = []Entry{}
		}
		return out, next, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Entry{}
	for i := len(j.q) - 1; i >= j.head; i-- {
		e := j.q[i]
		if !f.match(e) {
			continue
		}
		if f.Limit > 0 && len(out) == f.Limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, *e)
	}
	return out, 0, nil
}

// Count is how many entries match f (its Limit and Before aside).
func (j *Journal) Count(f Filter) (int, error) {
	f.Before = 0
	if st := j.shared(); st != nil {
		n, err := st.JournalCount(f)
		if err != nil {
			return 0, unreadable(err)
		}
		return n, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for i := j.head; i < len(j.q); i++ {
		if f.match(j.q[i]) {
			n++
		}
	}
	return n, nil
}

// Get returns one entry; false when the journal does not hold it, an
// error when a shared journal's store fails.
func (j *Journal) Get(id int) (Entry, bool, error) {
	if st := j.shared(); st != nil {
		e, ok, err := st.JournalEntry(id)
		if err != nil {
			return Entry{}, false, unreadable(err)
		}
		return e, ok, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	live := j.q[j.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i].ID >= id })
	if i < len(live) && live[i].ID == id {
		return *live[i], true, nil
	}
	return Entry{}, false, nil
}

// Clear forgets the entries of one app, or all.
func (j *Journal) Clear(app string) error {
	var err error
	if st := j.shared(); st != nil {
		err = st.ClearJournal(app)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var keep []*Entry
	var bytes int64
	if app != "" {
		for _, e := range j.q[j.head:] {
			if e.AppID != app {
				keep = append(keep, e)
				bytes += e.size
			}
		}
	}
	j.q, j.head, j.bytes = keep, 0, bytes
	return err
}
