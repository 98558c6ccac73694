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

// Journal is a bounded log of entries. Safe for concurrent use.
type Journal struct {
	mu      sync.Mutex
	seq     int
	entries []Entry
}

// Add records an entry and returns its id.
func (j *Journal) Add(e Entry) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.ID = j.seq
	j.entries = append(j.entries, e)
	if len(j.entries) > Max {
		j.entries = append(j.entries[:0:0], j.entries[len(j.entries)-Max:]...)
	}
	return e.ID
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
	for i := len(j.entries) - 1; i >= 0; i-- {
		e := j.entries[i]
		if (f.AppID == "" || e.AppID == f.AppID) && (f.Method == "" || e.Method == f.Method) && (!f.Failed || (!e.Verified && e.StringToSign != "")) {
			out = append(out, e)
			if f.Limit > 0 && len(out) >= f.Limit {
				break
			}
		}
	}
	return out
}

// Get returns one entry.
func (j *Journal) Get(id int) (Entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.entries {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// Clear forgets the entries of one app, or all.
func (j *Journal) Clear(app string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if app == "" {
		j.entries = nil
		return
	}
	keep := j.entries[:0]
	for _, e := range j.entries {
		if e.AppID != app {
			keep = append(keep, e)
		}
	}
	j.entries = keep
}
