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
//
// An earlier version kept a red packet's policy under its out_order_no, as
// a trade's: one of a kept red packet moves to its own name
// (notify.RedPacketPolicy), and stays a trade's too when a trade of that
// number is kept (as both used it then). The move is made once per data
// directory (store.DB.PoliciesMoved): after it, a bare number is only a
// trade's policy, never copied to a red packet of the same number.
func (s *Server) keepPoliciesOfKept(kept keptAtStart) error {
	done, err := s.kept.db.PoliciesMoved()
	if err != nil {
		return err
	}
	s.kept.mu.RLock()
	var gone []string
	moved := map[string]notify.Policy{}
	for key, p := range s.kept.m {
		app, name, _ := strings.Cut(key, "|")
		if out, ok := strings.CutPrefix(name, notify.RedPacketPolicy("")); ok {
			if !kept.orders[app+"|"+out] {
				gone = append(gone, key)
			}
			continue
		}
		if _, ok := s.kept.m[app+"|"+notify.RedPacketPolicy(name)]; !done && kept.orders[key] && !ok {
			app, out, _ := strings.Cut(key, "|")
			moved[app+"|"+notify.RedPacketPolicy(out)] = p
		}
		if _, ok := kept.trades[key]; !ok {
			gone = append(gone, key)
		}
	}
	s.kept.mu.RUnlock()
	if !done {
		if err := s.kept.move(moved); err != nil {
			return err
		}
	}
	s.kept.drop(gone)
	return nil
}

// move keeps policies (by "app|out") and the mark that the move is made.
func (k *keptPolicies) move(ps map[string]notify.Policy) error {
	k.mu.Lock()
	for key, p := range ps {
		k.m[key] = p
	}
	k.mu.Unlock()
	return k.db.MovePolicies(ps)
}
