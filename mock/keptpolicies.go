package mock

import (
	"strings"
	"sync"

	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// keptPolicies keeps scenario notification policies (then.notify) in the
// data directory (--data), through the notifier's PolicyStore seam that
// --store uses: each is written before the request that planted it is
// answered, read from memory, and loaded again at start, so a restart
// with the same scenarios still bends a stored trade's notifications.
type keptPolicies struct {
	db *store.DB
	mu sync.RWMutex
	m  map[string]notify.Policy // app|out → policy
}

func newKeptPolicies(db *store.DB) (*keptPolicies, error) {
	m, err := db.Policies()
	if err != nil {
		return nil, err
	}
	return &keptPolicies{db: db, m: m}, nil
}

func (k *keptPolicies) PutPolicy(app, out string, p notify.Policy) error {
	k.mu.Lock()
	k.m[app+"|"+out] = p
	k.mu.Unlock()
	return k.db.PutPolicy(app, out, p)
}

func (k *keptPolicies) Policy(app, out string) (notify.Policy, bool, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	p, ok := k.m[app+"|"+out]
	return p, ok, nil
}

func (k *keptPolicies) DeletePolicy(app, out string) error {
	k.drop([]string{app + "|" + out})
	return k.db.Sync()
}

// drop forgets policies ("app|out"): their trades are gone (evicted).
func (k *keptPolicies) drop(keys []string) {
	var gone []string
	k.mu.Lock()
	for _, key := range keys {
		if _, ok := k.m[key]; ok {
			delete(k.m, key)
			gone = append(gone, key)
		}
	}
	k.mu.Unlock()
	if len(gone) > 0 {
		k.db.RemovePolicies(gone)
	}
}

func (k *keptPolicies) DeletePolicies(app string) error {
	k.mu.Lock()
	for key := range k.m {
		if app == "" || strings.HasPrefix(key, app+"|") {
			delete(k.m, key)
		}
	}
	k.mu.Unlock()
	return k.db.DeletePolicies(app)
}

func (k *keptPolicies) AnyPolicies() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.m) > 0
}

// keepPoliciesOfKept drops, at start, the policies of trades and red
// packets no longer kept, so the file holds at most one a kept one. It
// reads what the start kept, not the books: a lookup would apply the
// clock, and notify, before the start retold what a crash lost.
func (s *Server) keepPoliciesOfKept(kept keptAtStart) {
	s.kept.mu.RLock()
	var gone []string
	for key := range s.kept.m {
		app, name, _ := strings.Cut(key, "|")
		if out, ok := strings.CutPrefix(name, notify.RedPacketPolicy("")); ok {
			if !kept.orders[app+"|"+out] {
				gone = append(gone, key)
			}
		} else if _, ok := kept.trades[key]; !ok {
			gone = append(gone, key)
		}
	}
	s.kept.mu.RUnlock()
	s.kept.drop(gone)
}
