package notify

// Forget drops from memory every notification, or one app's, leaving the
// store alone: another replica cleared the shared database (--store).
// Waiters wake and read again.
func (o *Outbox) Forget(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var gone []*Notification
	o.ledger.Each(0, func(_ uint64, n *Notification) bool {
		if app == "" || n.AppID == app {
			gone = append(gone, n)
		}
		return true
	})
	for _, n := range gone {
		o.unindexLocked(n)
	}
	o.wakeLocked(nil)
}
