package pgstore

import "sync"

// gather is the hand-off reads (reads.go) and lone writes (lone.go) share:
// requests that come while a batch is out gather into the next one, and
// one batch is out at a time. The request that finds none out sends it;
// when its batch is done, the one gathered meanwhile goes on another
// goroutine, so no caller waits for batches other than its own.
type gather[R any] struct {
	send func(reqs []R) // runs one batch, setting each request's outcome

	mu   sync.Mutex
	next *gathering[R] // gathering, not sent yet
	busy bool          // a batch out
}

type gathering[R any] struct {
	reqs  []R
	byKey map[string]R // requests that share one entry, by key
	done  chan struct{}
}

// join adds a request made by newReq to the next batch, or, when key is
// not empty and that batch has one under key, shares that one. It returns
// the request and a channel closed when its batch is done.
func (g *gather[R]) join(key string, newReq func() R) (R, <-chan struct{}) {
	g.mu.Lock()
	if g.next == nil {
		g.next = &gathering[R]{done: make(chan struct{})}
	}
	f := g.next
	req, shared := f.byKey[key]
	if key == "" || !shared {
		req = newReq()
		if key != "" {
			if f.byKey == nil {
				f.byKey = map[string]R{}
			}
			f.byKey[key] = req
		}
		f.reqs = append(f.reqs, req)
	}
	if g.busy {
		g.mu.Unlock()
		return req, f.done
	}
	g.busy = true
	g.next = nil
	g.mu.Unlock()
	g.run(f)
	return req, f.done
}

// run sends one batch, then the one that gathered meanwhile, if any.
func (g *gather[R]) run(f *gathering[R]) {
	for f != nil {
		g.send(f.reqs)
		close(f.done)
		g.mu.Lock()
		f, g.next = g.next, nil
		if f == nil {
			g.busy = false
		}
		g.mu.Unlock()
		if f != nil { // the waiters of the next batch: not this caller's work
			go g.run(f)
			return
		}
	}
}
