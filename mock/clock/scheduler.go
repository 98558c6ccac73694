package clock

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Job is something that happens at a time on the clock.
type Job struct {
	At   time.Time
	Kind string // e.g. "notify", "trade.expire"
	Ref  string // what it is about, for the report
	// Key orders jobs: those with one key never run at the same time and
	// run in the order they were scheduled (one trade's notifications).
	Key string
	// App is the app it acts for, when its Key does not say (a red
	// packet's deadline): a reset of that app takes it off.
	App string
	Run func(at time.Time) []Fired
	seq uint64
	idx int // place in the heap, for Cancel
}

// Fired reports one thing that happened when a job ran.
type Fired struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Ref    string    `json:"ref"`
	Detail string    `json:"detail,omitempty"`
}

type jobHeap []*Job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	if !h[i].At.Equal(h[j].At) {
		return h[i].At.Before(h[j].At)
	}
	return h[i].seq < h[j].seq
}
func (h jobHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *jobHeap) Push(x any) {
	j := x.(*Job)
	j.idx = len(*h)
	*h = append(*h, j)
}
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	j.idx = -1
	return j
}

// Scheduler runs jobs when the clock reaches them: by itself while the
// clock moves (Loop), or synchronously when a test advances the clock. It
// keeps one heap, not a goroutine per job, so thousands of pending
// notifications cost only their memory.
type Scheduler struct {
	clock   *Sim
	workers int

	mu   sync.Mutex
	jobs jobHeap
	refs map[string][]*Job // pending jobs by Ref, for Cancel
	seq  uint64
	wake chan struct{}

	// stands are jobs that stand for many (Count): ref to how many.
	stands map[string]func() int

	run      sync.Mutex // one runner at a time: the loop or an advance
	afterRun func()     // called at the end of every run, the run lock held
	// elsewhere applies what falls due outside the scheduler (Elsewhere).
	elsewhere func(now time.Time) ([]Fired, error)
}

// Elsewhere registers what applies deadlines the scheduler holds no job
// for: with --store, those kept with trades and red packets in the shared
// database, which any replica applies (mock/replicas.go). An advance,
// RunDue and RunDueLimit call it at the end, before they return, and run
// the jobs it planned that are due; the loop does not (the store's own
// sweep runs whenever the clock moves). An advance returns f's error (what
// it could not read); the clock stays moved.
func (s *Scheduler) Elsewhere(f func(now time.Time) ([]Fired, error)) {
	s.run.Lock()
	defer s.run.Unlock()
	s.elsewhere = f
}

// elsewhereLocked applies what fell due outside the scheduler, and the jobs
// that planned, until neither has anything left; the run lock is held.
func (s *Scheduler) elsewhereLocked(c *collector) error {
	for s.elsewhere != nil {
		fired, err := s.elsewhere(s.clock.Now())
		c.add(fired)
		if err != nil || len(fired) == 0 {
			return err
		}
		s.runDueLocked(c)
	}
	return nil
}

// AfterRun registers a function called at the end of every run (RunDue,
// Advance, the loop's rounds) before it returns: the store waits there
// until what the jobs changed is on disk, so a run's answer is durable.
func (s *Scheduler) AfterRun(f func()) {
	s.run.Lock()
	defer s.run.Unlock()
	s.afterRun = f
}

func (s *Scheduler) ranLocked() {
	if s.afterRun != nil {
		s.afterRun()
	}
}

// NewScheduler makes a scheduler on the clock; workers bounds how many
// jobs (of different keys) run at once.
func NewScheduler(c *Sim, workers int) *Scheduler {
	if workers < 1 {
		workers = 1
	}
	return &Scheduler{clock: c, workers: workers, wake: make(chan struct{}, 1), refs: map[string][]*Job{}}
}

// Clock is the scheduler's clock.
func (s *Scheduler) Clock() *Sim { return s.clock }

// Schedule adds a job.
func (s *Scheduler) Schedule(j Job) {
	s.mu.Lock()
	s.seq++
	j.seq = s.seq
	heap.Push(&s.jobs, &j)
	if j.Ref != "" {
		s.refs[j.Ref] = append(s.refs[j.Ref], &j)
	}
	earliest := s.jobs[0] == &j
	s.mu.Unlock()
	if !earliest {
		return // the loop's timer is already set for an earlier job
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Planned reports whether a job of ref waits on the clock.
func (s *Scheduler) Planned(ref string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.refs[ref]) > 0
}

// forget drops a job that left the heap from the Ref index; s.mu is held.
func (s *Scheduler) forget(j *Job) {
	if j.Ref == "" {
		return
	}
	list := s.refs[j.Ref]
	for i, x := range list {
		if x == j {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(s.refs, j.Ref)
	} else {
		s.refs[j.Ref] = list
	}
}

// Cancel removes the pending jobs about ref that match says yes to (all
// of them when match is nil) and returns how many it removed: the jobs of
// a trade or red packet that is no longer kept.
func (s *Scheduler) Cancel(ref string, match func(Job) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, j := range append([]*Job(nil), s.refs[ref]...) {
		if j.idx < 0 || (match != nil && !match(*j)) {
			continue
		}
		heap.Remove(&s.jobs, j.idx)
		s.forget(j)
		n++
	}
	return n
}

// CancelWhere removes the pending jobs, whatever their Ref, that match
// says yes to and returns how many it removed: the jobs of what a reset
// forgot. It walks every pending job.
func (s *Scheduler) CancelWhere(match func(Job) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept, n := s.jobs[:0], 0
	for _, j := range s.jobs {
		if match(*j) {
			j.idx = -1
			s.forget(j)
			n++
			continue
		}
		j.idx = len(kept)
		kept = append(kept, j)
	}
	for i := len(kept); i < len(s.jobs); i++ {
		s.jobs[i] = nil
	}
	s.jobs = kept
	if n > 0 {
		heap.Init(&s.jobs)
	}
	return n
}

// Count makes the pending jobs with Ref ref count as n() jobs: one job
// that stands for many things due (the trade book's deadlines) is
// reported as those things.
func (s *Scheduler) Count(ref string, n func() int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stands == nil {
		s.stands = map[string]func() int{}
	}
	s.stands[ref] = n
}

// Pending is the number of jobs waiting.
func (s *Scheduler) Pending() int {
	s.mu.Lock()
	n := len(s.jobs)
	var counts []func() int
	for ref, f := range s.stands {
		n -= len(s.refs[ref])
		counts = append(counts, f)
	}
	s.mu.Unlock()
	for _, f := range counts { // outside the lock: f may take its owner's
		n += f()
	}
	return n
}

// NextDue is the time of the earliest job.
func (s *Scheduler) NextDue() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.jobs) == 0 {
		return time.Time{}, false
	}
	return s.jobs[0].At, true
}

// popDue takes the jobs due at or before t, in order.
func (s *Scheduler) popDue(t time.Time) []*Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*Job
	for len(s.jobs) > 0 && !s.jobs[0].At.After(t) {
		j := heap.Pop(&s.jobs).(*Job)
		s.forget(j)
		due = append(due, j)
	}
	return due
}

// collector keeps the first max of what fired and counts the rest, so a
// long advance (400,000 notification attempts) reports in bounded memory.
type collector struct {
	max  int
	out  []Fired
	more int
}

func (c *collector) add(fs []Fired) {
	for _, f := range fs {
		if len(c.out) < c.max {
			c.out = append(c.out, f)
		} else {
			c.more++
		}
	}
}

// unbounded collects everything.
func unbounded() *collector { return &collector{max: int(^uint(0) >> 1)} }

// runBatch runs jobs: one goroutine per key, at most workers at once,
// each key's jobs in order; what fires goes to c in key order.
func (s *Scheduler) runBatch(due []*Job, c *collector) {
	var order []string
	byKey := map[string][]*Job{}
	for _, j := range due {
		k := j.Key
		if k == "" {
			k = fmt.Sprintf("\x00%d", j.seq) // keyless jobs are independent
		}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], j)
	}
	results := make([][]Fired, len(order))
	sem := make(chan struct{}, s.workers)
	var wg sync.WaitGroup
	for i, k := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, jobs []*Job) {
			defer func() { <-sem; wg.Done() }()
			for _, j := range jobs {
				results[i] = append(results[i], j.Run(j.At)...)
			}
		}(i, byKey[k])
	}
	wg.Wait()
	for i, r := range results {
		c.add(r)
		results[i] = nil
	}
}

// RunDue runs every job due now, including jobs that running ones
// schedule for now, and returns what fired.
func (s *Scheduler) RunDue() []Fired {
	out, _ := s.RunDueLimit(-1)
	return out
}

// RunDueLimit is RunDue reporting at most max of what fired (none when
// max is 0; all when negative) and how many more fired.
func (s *Scheduler) RunDueLimit(max int) ([]Fired, int) {
	s.run.Lock()
	defer s.run.Unlock()
	c := limit(max)
	s.runDueLocked(c)
	_ = s.elsewhereLocked(c) // the store reports its failures
	s.ranLocked()
	return c.out, c.more
}

// loopRound is the loop's RunDueLimit(0): the jobs due alone.
func (s *Scheduler) loopRound() {
	s.run.Lock()
	defer s.run.Unlock()
	s.runDueLocked(limit(0))
	s.ranLocked()
}

func limit(max int) *collector {
	if max < 0 {
		return unbounded()
	}
	return &collector{max: max}
}

func (s *Scheduler) runDueLocked(c *collector) {
	for {
		due := s.popDue(s.clock.Now())
		if len(due) == 0 {
			return
		}
		s.runBatch(due, c)
	}
}

// Advance moves the clock forward by d, stopping at each due job on the way
// so that every job runs at its own time (a retry scheduled by an attempt
// within the window runs too), and returns everything that fired.
func (s *Scheduler) Advance(d time.Duration) []Fired {
	out, _, _ := s.AdvanceLimit(d, -1)
	return out
}

// AdvanceLimit is Advance reporting at most max of what fired (all when
// negative) and how many more fired. A move of the clock its hook refused
// (Sim.OnJump) ends it there: the clock stays where it last moved, and the
// refusal is returned. The moves are kept once, at the end (Sim.OnSettle):
// if they were not, the clock goes back to where the advance found it
// (unless it moved again since) and the failure is returned; the jobs
// that ran stay run.
func (s *Scheduler) AdvanceLimit(d time.Duration, max int) ([]Fired, int, error) {
	s.run.Lock()
	defer s.run.Unlock()
	c := limit(max)
	from := s.clock.Snapshot()
	last, moved := from, false
	set := func(t time.Time) error {
		sn, err := s.clock.move(t)
		if err == nil {
			last, moved = sn, true
		}
		return err
	}
	// The clock stops at the end of its range: a job past it is never
	// reached (each round below then runs at least one job, so it ends).
	target := MaxReading
	if now := s.clock.Now(); d < MaxReading.Sub(now) {
		target = now.Add(d)
	}
	var err error
	for err == nil {
		next, ok := s.NextDue()
		if !ok || next.After(target) {
			break
		}
		if next.After(s.clock.Now()) {
			if err = set(next); err != nil {
				break
			}
		}
		s.runDueLocked(c)
	}
	if err == nil && target.After(s.clock.Now()) {
		err = set(target)
	}
	if err == nil {
		s.runDueLocked(c)
	}
	err = errors.Join(err, s.elsewhereLocked(c)) // what fell due up to where the clock stopped
	s.ranLocked()
	if moved {
		err = errors.Join(err, s.clock.settled(from, last))
	}
	return c.out, c.more, err
}

// AdvanceToNext moves the clock to the earliest pending job and runs what
// is due then. With nothing pending it does nothing; with the earliest job
// past MaxReading it moves the clock to MaxReading (callers refuse that
// first with CheckNext).
func (s *Scheduler) AdvanceToNext() []Fired {
	out, _, _ := s.AdvanceToNextLimit(-1)
	return out
}

// AdvanceToNextLimit is AdvanceToNext reporting at most max of what fired
// (all when negative) and how many more fired, and the clock's refusal
// to move (AdvanceLimit).
func (s *Scheduler) AdvanceToNextLimit(max int) ([]Fired, int, error) {
	next, ok := s.NextDue()
	if !ok {
		return nil, 0, nil
	}
	d := next.Sub(s.clock.Now())
	if d < 0 {
		d = 0
	}
	return s.AdvanceLimit(d, max)
}

// Loop runs jobs as the clock reaches them until stop is closed. A frozen
// clock only moves through Advance, so the loop then just waits.
func (s *Scheduler) Loop(stop <-chan struct{}) {
	for {
		// Taken before reading the clock, so a jump while the timer is
		// worked out still wakes the loop.
		moved := s.clock.Moved()
		s.loopRound() // nobody reads what fired here: keep none of it
		var timer *time.Timer
		var fire <-chan time.Time
		if next, ok := s.NextDue(); ok && !next.After(MaxReading) { // a job past the range never falls due
			if wait := s.clock.WallUntil(next); wait >= 0 {
				timer = time.NewTimer(wait)
				fire = timer.C
			}
		}
		select {
		case <-stop:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-s.wake:
		case <-fire:
		case <-moved:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}
