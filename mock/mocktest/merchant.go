package mocktest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Received is one request a Merchant got.
type Received struct {
	Form   url.Values
	Body   string
	Header http.Header
}

// Merchant is a notify_url endpoint that keeps what it receives and
// answers with the bodies it is given, in turn (the last one repeats).
type Merchant struct {
	*httptest.Server
	mu      sync.Mutex
	got     []Received
	answers []string
	delay   time.Duration
}

// NewMerchant starts a Merchant answering answers (at least one), closed
// when the test ends.
func NewMerchant(t testing.TB, answers ...string) *Merchant {
	m := &Merchant{answers: answers}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		m.mu.Lock()
		m.got = append(m.got, Received{Form: form, Body: string(b), Header: r.Header.Clone()})
		n := len(m.got)
		delay := m.delay
		answer := m.answers[min(n, len(m.answers))-1]
		m.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		io.WriteString(w, answer)
	}))
	t.Cleanup(m.Close)
	return m
}

// SetDelay makes the answers to come wait d (a hanging endpoint).
func (m *Merchant) SetDelay(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delay = d
}

// Calls are the requests received so far, oldest first.
func (m *Merchant) Calls() []Received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Received(nil), m.got...)
}
