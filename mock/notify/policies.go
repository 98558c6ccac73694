package notify

// PolicyStore keeps scenario policies (then.notify) where every replica
// reads them (pgstore, --store): the replica that planned a trade's
// request sets the policy, the one whose buyer pays may build the
// notification.
type PolicyStore interface {
	PutPolicy(app, out string, p Policy) error
	// Policy reads one; false when there is none.
	Policy(app, out string) (Policy, bool, error)
	// DeletePolicy deletes one.
	DeletePolicy(app, out string) error
	// DeletePolicies deletes one app's, or every app's.
	DeletePolicies(app string) error
	// AnyPolicies reports whether one may be stored: false only when the
	// store knows that none a notification queued now could need is.
	AnyPolicies() bool
}

type sharedPolicies struct {
	st PolicyStore
}

// SharePolicies makes ps the truth for policies from now on. Call it
// before the notifier is used.
func (n *Notifier) SharePolicies(ps PolicyStore) {
	n.pshared = &sharedPolicies{st: ps}
}

// RedPacketPolicy is the name a red packet's (or claim's) policy is kept
// under instead of its out_order_no out: a trade of the same app may have
// the same number, and each has its own policy, set, used and dropped
// (evicted) apart. A trade's is kept under its out_trade_no.
func RedPacketPolicy(out string) string { return "red_packet|" + out }

// policyName is the name nf's policy is kept under.
func policyName(nf *Notification) string {
	if nf.packet {
		return RedPacketPolicy(nf.OutTradeNo)
	}
	return nf.OutTradeNo
}

// PolicyOf is the policy in force for one trade or red packet, and
// whether there is one: the store's when shared (read only while some
// policy may be stored), else this process's. An error is the store's:
// the policy is unknown, and no other (memory's, where another replica's
// is not kept) stands in for it.
func (n *Notifier) PolicyOf(app, out string) (Policy, bool, error) {
	if ps := n.pshared; ps != nil {
		if !ps.st.AnyPolicies() {
			return Policy{}, false, nil
		}
		return ps.st.Policy(app, out)
	}
	if v, ok := n.policies.Load(app + "|" + out); ok {
		return v.(Policy), true, nil
	}
	return Policy{}, false, nil
}

func (n *Notifier) putShared(app, out string, p Policy) error {
	if ps := n.pshared; ps != nil {
		return ps.st.PutPolicy(app, out, p)
	}
	return nil
}

func (n *Notifier) clearShared(app string) error {
	if ps := n.pshared; ps != nil {
		return ps.st.DeletePolicies(app)
	}
	return nil
}
