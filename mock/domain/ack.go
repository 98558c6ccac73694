package domain

// Ack holds what a call must still wait for before its result may be told
// to anyone: the wait for its change to be on disk (--data), then what the
// book does once it is (telling its observer). A caller that hands a book
// an Ack (Context.Ack) gets the result at once, builds and signs its
// answer while the commit is in flight, and calls Wait before the answer
// leaves: so the answer never goes out before the change it reports is
// on disk. Without an Ack the book waits itself. One call's Ack, used by
// one goroutine.
type Ack struct {
	pending []func() error
}

// Defer adds f to what Wait runs.
func (a *Ack) Defer(f func() error) { a.pending = append(a.pending, f) }

// Pending is true while something is left to wait for.
func (a *Ack) Pending() bool { return a != nil && len(a.pending) > 0 }

// Wait runs what was deferred, in order, once, and returns the first
// error: the change could not be stored, and the result is unknown to the
// caller.
func (a *Ack) Wait() error {
	if a == nil {
		return nil
	}
	var first error
	for len(a.pending) > 0 {
		f := a.pending[0]
		a.pending = a.pending[1:]
		if err := f(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
