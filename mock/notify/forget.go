package notify

// Forget drops from memory every notification, or one app's, leaving the
// store alone: another replica cleared the shared database (--store).
// Waiters wake and read again.
func (o *Outbox) Forget(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dropLocked(app)
	o.wakeLocked(nil)
}
