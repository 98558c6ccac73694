package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// The database holds one bound on forms for all replicas, one process's
// (userauth.MaxForms): a replica's start and what a replica's memory
// holds (a form spent on another replica stays there) delete no open
// form within it, and past it the oldest goes whichever replica showed
// it, as in one process.
func TestReplicasAuthFormsOneBoundForAll(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	p := authPages[1]
	first, spent, second := p.open(t, rs[0]), p.open(t, rs[0]), p.open(t, rs[0])
	for range userauth.MaxForms - 3 {
		p.open(t, rs[0])
	}
	// Spent on replica 1: replica 0 still holds it in memory, its bound full.
	if status, code, body, _ := p.post(rs[1], spent, "consent"); status != http.StatusFound || code == "" {
		t.Fatalf("a form posted on replica 1: HTTP %d %.200s", status, body)
	}
	r2 := mocktest.New(t, mock.Options{Store: dbURL}) // a rolling deploy's new replica
	p.open(t, rs[0])                                  // MaxForms stored: none goes
	if status, code, body, _ := p.post(rs[1], first, "consent"); status != http.StatusFound || code == "" {
		t.Errorf("the oldest open form, within the bound, posted on replica 1 after a start and an open on replica 0: HTTP %d %.200s; want a redirect with a code", status, body)
	}
	p.open(t, r2)
	p.open(t, r2) // one past the bound: the oldest open form goes, for all
	if status, _, body, _ := p.post(rs[0], second, "consent"); !expired(status, body) {
		t.Errorf("the oldest form, past the bound through opens on another replica, posted on replica 0 that showed it: HTTP %d %.200s; want 授权页已失效", status, body)
	}
}
