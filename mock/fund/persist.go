package fund

// Untold is a status of a stored transfer whose observer has not yet
// stored what it makes of it (its message): marked in the transfer's
// write, cleared in the message's.
type Untold struct {
	AppID, OutBizNo string
	Event           int // StatusEvent
}

// StatusEvent is which of t's statuses t holds: 0 the one it was made
// with, 1 the one a DEALING transfer ended in.
func StatusEvent(t Transfer) int {
	if t.Status != Dealing && t.Changed.After(t.Created) {
		return 1
	}
	return 0
}

// AsOf is t as its status event left it, for a message made again after a
// crash; false for an event t does not have.
func (t Transfer) AsOf(event int) (Transfer, bool) {
	now := StatusEvent(t)
	switch {
	case event == now:
		return t, true
	case event == 0 && now == 1: // made DEALING, ended since
		due := t.Changed
		t.Next, t.Due = t.Status, &due
		t.Status, t.Changed = Dealing, t.Created
		t.ErrorCode, t.FailReason = "", ""
		return t, true
	}
	return Transfer{}, false
}

// untold is t's status to mark untold in its write, if the observer
// tells it; the lock is held.
func (b *Book) untold(t Transfer) []Untold {
	if b.tells == nil || !b.tells(t) {
		return nil
	}
	return []Untold{{AppID: t.AppID, OutBizNo: t.OutBizNo, Event: StatusEvent(t)}}
}
