package notify

import "sync/atomic"

// PolicyStore keeps scenario policies (then.notify) where every replica
// reads them (pgstore, --store): the replica that planned a trade's
// request sets the policy, the one whose buyer pays may build the
// notification.
type PolicyStore interface {
	PutPolicy(app, out string, p Policy) error
	// Policy reads one; false when there is none.
	Policy(app, out string) (Policy, bool, error)
	// DeletePolicies deletes one app's, or every app's.
	DeletePolicies(app string) error
}

type sharedPolicies struct {
	st PolicyStore
	// some is set once any replica stored a policy: until then no
	// notification looks one up.
	some atomic.Bool
}

// SharePolicies makes ps the truth for policies from now on; some tells
// whether it holds any yet. Call it before the notifier is used.
func (n *Notifier) SharePolicies(ps PolicyStore, some bool) {
	n.pshared = &sharedPolicies{st: ps}
	n.pshared.some.Store(some)
}

// PoliciesWritten tells the notifier another replica stored a policy.
func (n *Notifier) PoliciesWritten() {
	if n.pshared != nil {
		n.pshared.some.Store(true)
	}
}

// policy is the policy in force for app's out_trade_no (or out_order_no):
// the store's when shared (read only once some policy was stored), else
// this process's.
func (n *Notifier) policy(app, out string) Policy {
	if ps := n.pshared; ps != nil && ps.some.Load() {
		if p, ok, err := ps.st.Policy(app, out); err == nil {
			if !ok {
				return Policy{}
			}
			return p
		}
	}
	if v, ok := n.policies.Load(app + "|" + out); ok {
		return v.(Policy)
	}
	return Policy{}
}

func (n *Notifier) putShared(app, out string, p Policy) {
	if ps := n.pshared; ps != nil {
		ps.some.Store(true)
		_ = ps.st.PutPolicy(app, out, p) // the store reports failures
	}
}

func (n *Notifier) clearShared(app string) {
	if ps := n.pshared; ps != nil {
		_ = ps.st.DeletePolicies(app) // the store reports failures
	}
}
