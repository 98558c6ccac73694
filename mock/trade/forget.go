package trade

// Forget drops from memory every trade, or one app's, leaving the store
// alone: another replica reset the shared database (--store).
func (b *Book) Forget(app string) {
	b.mu.Lock()
	b.reset(app)
	b.unlockMoved()
}
