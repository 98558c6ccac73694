package notify

// KeptAttempts bounds the attempts a notification keeps: its first and
// its latest KeptAttempts-1. Resends add attempts without end; the
// attempts between are dropped, their count kept in AttemptsDropped.
// A notification never sent again makes at most 8 (DefaultSchedule).
const KeptAttempts = 17

// made is how many attempts the notification has made, dropped ones
// included: the last one's number.
func (n *Notification) made() int {
	if k := len(n.Attempts); k > 0 {
		return n.Attempts[k-1].N
	}
	return 0
}

// keep appends a to the attempts, dropping the oldest but the first past
// KeptAttempts. It copies rather than shifts: a reader (Outbox.update)
// may hold the old slice.
func (n *Notification) keep(a Attempt) {
	if len(n.Attempts) < KeptAttempts {
		n.Attempts = append(n.Attempts, a)
		return
	}
	kept := make([]Attempt, 0, KeptAttempts)
	kept = append(kept, n.Attempts[0])
	kept = append(kept, n.Attempts[len(n.Attempts)-KeptAttempts+2:]...)
	n.Attempts = append(kept, a)
}
