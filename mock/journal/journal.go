// Package journal keeps the last gateway requests: what came in, whether
// its signature verified (and if not, the string the mock verified and the
// likely mistake), which scenario rule acted or why the nearest ones did
// not, and what went back.
package journal

import (
	"sync"
	"time"
)

// Max is how many entries the journal keeps; older ones drop off.
const Max = 2000

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
	StringToSign string   `json:"string_to_sign,omitempty"`
	Explanation  string   `json:"explanation,omitempty"`
	KeyUsed      string   `json:"key_used,omitempty"` // fingerprint of the app public key
	Rule         string   `json:"rule,omitempty"`
	Misses       []string `json:"misses,omitempty"`
	Code         string   `json:"code,omitempty"`
	SubCode      string   `json:"sub_code,omitempty"`
	Status       int      `json:"status"`
	Fault        string   `json:"fault,omitempty"`
	Response     string   `json:"response"`
	WallMS       float64  `json:"wall_ms"`
}

// Journal is a bounded log of entries: a ring, so adding never copies.
// Safe for concurrent use.
type Journal struct {
	mu   sync.Mutex
	seq  int
	ring []Entry // oldest at head once full
	head int
}

// Add records an entry and returns its id.
func (j *Journal) Add(e Entry) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.ID = j.seq
	if len(j.ring) < Max {
		j.ring = append(j.ring, e)
	} else {
		j.ring[j.head] = e
		j.head = (j.head + 1) % Max
	}
	return e.ID
}

// each calls f on the entries, newest first, until it returns false.
func (j *Journal) each(f func(Entry) bool) {
	n := len(j.ring)
	for i := 0; i < n; i++ {
		if !f(j.ring[(j.head+n-1-i)%n]) {
			return
		}
	}
}

// Filter selects entries.
type Filter struct {
	AppID  string
	Method string
	// Failed keeps only requests whose signature did not verify.
	Failed bool
	Limit  int
}

// List returns matching entries, newest first.
func (j *Journal) List(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Entry{}
	j.each(func(e Entry) bool {
		if (f.AppID == "" || e.AppID == f.AppID) && (f.Method == "" || e.Method == f.Method) && (!f.Failed || (!e.Verified && e.StringToSign != "")) {
			out = append(out, e)
		}
		return f.Limit <= 0 || len(out) < f.Limit
	})
	return out
}

// Get returns one entry.
func (j *Journal) Get(id int) (Entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var hit Entry
	found := false
	j.each(func(e Entry) bool {
		if e.ID == id {
			hit, found = e, true
		}
		return !found
	})
	return hit, found
}

// Clear forgets the entries of one app, or all.
func (j *Journal) Clear(app string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var keep []Entry
	if app != "" {
		j.each(func(e Entry) bool {
			if e.AppID != app {
				keep = append(keep, e)
			}
			return true
		})
	}
	// keep is newest first; the ring holds oldest first.
	for l, r := 0, len(keep)-1; l < r; l, r = l+1, r-1 {
		keep[l], keep[r] = keep[r], keep[l]
	}
	j.ring, j.head = keep, 0
}
