// Package clock is the mock's time, and the scheduler of everything that
// happens at a time (notification retries, trade expiry). The clock can run
// at wall speed, faster (60x runs Alipay's 25 h retry schedule in 25
// minutes), or stand still until a test moves it. Every time the mock
// records or judges comes from here. Wall time is read elsewhere only to
// measure latency (journal, notification attempts) and to wait in real
// time (a scenario's delay, the scheduler's timer); request timestamps are
// judged against both this clock and the wall clock it is anchored to
// (Sim.Wall).
package clock

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
)

// The range the clock may be moved in: years the wire formats and the
// JSON of times can hold with room for the retry schedule, and a speed at
// which a day passes in a tenth of a second.
var (
	MinReading = time.Date(1970, 1, 1, 0, 0, 0, 0, zone)
	MaxReading = time.Date(2199, 12, 31, 23, 59, 59, 0, zone)
)

// MaxSpeed is the fastest the clock may run.
const MaxSpeed = 1e6

// zone is GMT+8, in which the range is written.
var zone = time.FixedZone("GMT+8", 8*3600)

// CheckReading refuses a reading outside [MinReading, MaxReading].
func CheckReading(t time.Time) error {
	if t.Before(MinReading) || t.After(MaxReading) {
		return fmt.Errorf("the clock can be set from %s to %s (GMT+8), not to %s",
			MinReading.Format(layout), MaxReading.Format(layout), t.In(zone).Format(layout))
	}
	return nil
}

// CheckSpeed refuses a speed outside [0, MaxSpeed] (0 freezes the clock).
func CheckSpeed(speed float64) error {
	if !(speed >= 0 && speed <= MaxSpeed) { // NaN fails too
		return fmt.Errorf("speed is a number from 0 (frozen) to %.0f, not %g", float64(MaxSpeed), speed)
	}
	return nil
}

// CheckAdvance refuses a move that is not forward or that would leave the
// range.
func CheckAdvance(now time.Time, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("advance by a positive duration such as 90s, 4m or 25h, not %s", d)
	}
	if MaxReading.Sub(now) < d {
		return fmt.Errorf("advancing by %s would pass %s (GMT+8), the latest the clock can read", d, MaxReading.Format(layout))
	}
	return nil
}

// CheckNext refuses to advance to a job due at next past the range: the
// clock can never reach it.
func CheckNext(next time.Time) error {
	if next.After(MaxReading) {
		return fmt.Errorf("the next job is due at %s (GMT+8), past %s (GMT+8), the latest the clock can read: advance by a duration instead",
			next.In(zone).Format(layout), MaxReading.Format(layout))
	}
	return nil
}

const layout = "2006-01-02 15:04:05"

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now is time.Now, the wall clock every Sim is anchored to.
func (Real) Now() time.Time { return time.Now() }

// Sim is a controllable clock. Its reading is anchored to the wall clock:
// at wall time anchor it read base, and since then it moved at speed
// (1 = real time); frozen, it does not move unless advanced.
type Sim struct {
	mu     sync.Mutex
	wall   Clock
	base   time.Time
	anchor time.Time
	speed  float64
	frozen bool
	moved  chan struct{} // closed and replaced whenever the reading jumps
	onJump func(Snapshot) error
	settle func() error
}

// NewSim makes a clock reading start, running at speed (0 means frozen);
// both are kept within the clock's range.
func NewSim(start time.Time, speed float64) *Sim {
	s := &Sim{wall: Real{}, moved: make(chan struct{})}
	s.reanchor(clamp(start))
	if !(speed > 0) { // 0, negative or NaN
		speed = 0
	}
	s.speed, s.frozen = min(speed, MaxSpeed), speed == 0
	if s.frozen {
		s.speed = 1
	}
	return s
}

// NewManual makes a frozen clock reading t.
func NewManual(t time.Time) *Sim { return NewSim(t, 0) }

func (s *Sim) reanchor(t time.Time) {
	s.base, s.anchor = t, s.wall.Now()
}

func (s *Sim) nowLocked() time.Time {
	if s.frozen {
		return s.base
	}
	moved := float64(s.wall.Now().Sub(s.anchor)) * s.speed
	if room := MaxReading.Sub(s.base); moved > float64(room) {
		return MaxReading // a fast clock stops at the end of its range
	}
	return s.base.Add(time.Duration(moved))
}

// Wall is the wall clock this clock is anchored to: the time of the
// caller's world, which production judges request timestamps against.
func (s *Sim) Wall() time.Time { return s.wall.Now() }

// SetWall puts the reading back on wall time; the speed is kept. It
// reports the hook's refusal (OnJump), the clock then unmoved.
func (s *Sim) SetWall() (time.Time, error) {
	var t time.Time
	err := s.change(func() {
		t = s.wall.Now()
		s.reanchor(t)
	})
	return t, err
}

// Now is the clock's reading.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

// change makes a jump under the clock's lock, then waits for it to be
// kept (settled) after letting the lock go.
func (s *Sim) change(f func()) error {
	prev, next, err := s.jump(f)
	if err != nil {
		return err
	}
	return s.settled(prev, next)
}

// jump makes a jump and tells the hook (jumped), returning the state
// before and after it.
func (s *Sim) jump(f func()) (prev, next Snapshot, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev = s.snapshotLocked()
	f()
	next = s.snapshotLocked()
	return prev, next, s.jumped(prev)
}

// settled waits for the jumps the hook queued to be kept (OnSettle); when
// they were not, the clock goes back from next to prev, unless it moved
// again since (that change answers for itself), and the failure is
// reported. Changes settle by themselves; the scheduler settles an
// advance once, for all its stops.
func (s *Sim) settled(prev, next Snapshot) error {
	s.mu.Lock()
	f := s.settle
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	err := f()
	if err == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshotLocked() == next {
		s.base, s.anchor, s.speed, s.frozen = prev.Base, prev.Anchor, prev.Speed, prev.Frozen
		close(s.moved)
		s.moved = make(chan struct{})
	}
	return err
}

// jumped tells the hook the new state, and undoes the jump from prev
// when the hook refuses it.
func (s *Sim) jumped(prev Snapshot) error {
	if s.onJump != nil {
		if err := s.onJump(s.snapshotLocked()); err != nil {
			s.base, s.anchor, s.speed, s.frozen = prev.Base, prev.Anchor, prev.Speed, prev.Frozen
			return err
		}
	}
	close(s.moved)
	s.moved = make(chan struct{})
	return nil
}

// Snapshot is what a clock needs to carry on after a restart: the reading
// at a wall-clock instant, and how it moves since.
type Snapshot struct {
	Base   time.Time `json:"base"`
	Anchor time.Time `json:"anchor"` // wall time when it read Base
	Speed  float64   `json:"speed"`
	Frozen bool      `json:"frozen"`
}

func (s *Sim) snapshotLocked() Snapshot {
	return Snapshot{Base: s.base, Anchor: s.anchor, Speed: s.speed, Frozen: s.frozen}
}

// Snapshot returns the clock's state.
func (s *Sim) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

// Restore carries on from a snapshot: a running clock reads what it would
// have read had it never stopped, a frozen one reads the same. It reports
// the hook's refusal (OnJump), the clock then unmoved.
func (s *Sim) Restore(sn Snapshot) error {
	return s.change(func() {
		s.base, s.anchor, s.speed, s.frozen = sn.Base, sn.Anchor, sn.Speed, sn.Frozen
		if CheckSpeed(s.speed) != nil || s.speed == 0 {
			s.speed = 1
		}
		if CheckReading(s.base) != nil { // a snapshot from outside the range
			s.reanchor(s.wall.Now())
		}
	})
}

// OnJump registers a function told the new state whenever the reading
// jumps (set, advanced, speed changed, restored), before anyone reads it:
// it runs under the clock's lock and must not call the clock. When it
// fails (the store did not take the state) the jump is undone and the
// change reports the failure.
func (s *Sim) OnJump(f func(Snapshot) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onJump = f
}

// OnSettle registers a wait for what the hook queued without waiting
// (--data: the data file's commit): a change waits for it once, outside
// the clock's lock, and is undone and reports the failure when it fails
// (settled).
func (s *Sim) OnSettle(f func() error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle = f
}

// Moved returns a channel closed the next time the reading jumps (set,
// advanced, speed changed), so a sleeper can recompute its deadline.
func (s *Sim) Moved() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.moved
}

// Advance moves the reading forward by d and returns it; a jump the hook
// refused (OnJump) leaves the reading, returned.
func (s *Sim) Advance(d time.Duration) time.Time {
	var t time.Time
	if s.change(func() {
		t = clamp(s.nowLocked().Add(d))
		s.reanchor(t)
	}) != nil {
		return s.Now()
	}
	return t
}

// Set moves the reading to t (forward or back), kept within the range.
// It reports the hook's refusal (OnJump), the clock then unmoved.
func (s *Sim) Set(t time.Time) error {
	return s.change(func() { s.reanchor(clamp(t)) })
}

// move is Set without waiting for it to be kept (settled): an advance
// settles once, for all its stops.
func (s *Sim) move(t time.Time) (next Snapshot, err error) {
	_, next, err = s.jump(func() { s.reanchor(clamp(t)) })
	return next, err
}

// Change is a change of the clock made in one jump: the reading set to At
// (unless zero) or, with Wall, to wall time; then the speed (unless nil;
// 0 freezes).
type Change struct {
	At    time.Time
	Wall  bool
	Speed *float64
}

// Change makes c in one jump, and reports the hook's refusal (OnJump),
// the clock then unmoved.
func (s *Sim) Change(c Change) error {
	return s.change(func() {
		switch {
		case c.Wall:
			s.reanchor(s.wall.Now())
		case !c.At.IsZero():
			s.reanchor(clamp(c.At))
		}
		if c.Speed != nil {
			s.setSpeedLocked(*c.Speed)
		}
	})
}

// clamp keeps a reading in [MinReading, MaxReading]; the control surfaces
// refuse what is outside with CheckReading, this keeps library callers safe.
func clamp(t time.Time) time.Time {
	if t.Before(MinReading) {
		return MinReading
	}
	if t.After(MaxReading) {
		return MaxReading
	}
	return t
}

// SetSpeed makes the clock run at speed times wall speed; 0 freezes it.
// It reports the hook's refusal (OnJump), the clock then unmoved.
func (s *Sim) SetSpeed(speed float64) error {
	return s.change(func() { s.setSpeedLocked(speed) })
}

func (s *Sim) setSpeedLocked(speed float64) {
	s.reanchor(s.nowLocked())
	switch {
	case !(speed > 0): // 0, negative or NaN
		s.frozen = true
	default:
		s.frozen, s.speed = false, min(speed, MaxSpeed)
	}
}

// State describes the clock for the control API.
type State struct {
	Now    time.Time `json:"now"`
	Speed  float64   `json:"speed"`
	Frozen bool      `json:"frozen"`
	// Wall is the wall clock's reading, and WallOffset how far the clock
	// is ahead of it (negative: behind).
	Wall       time.Time     `json:"wall"`
	WallOffset time.Duration `json:"-"`
}

// State reports the reading and mode.
func (s *Sim) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.speed
	if s.frozen {
		sp = 0
	}
	now, wall := s.nowLocked(), s.wall.Now()
	return State{Now: now, Speed: sp, Frozen: s.frozen, Wall: wall, WallOffset: now.Sub(wall)}
}

// WallUntil converts a reading in the future to the wall-clock wait until
// it, or -1 when the clock is frozen (only an Advance gets there).
func (s *Sim) WallUntil(t time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen {
		return -1
	}
	d := t.Sub(s.nowLocked())
	if d <= 0 {
		return 0
	}
	return time.Duration(float64(d) / s.speed)
}

// LogChange writes the one info line of a clock change: who changed it
// (control-api, dashboard), how (set, wall, speed, advance), the reading
// and speed after it and how many jobs fell due on the way.
func LogChange(log *slog.Logger, source, change string, clk *Sim, fired int) {
	if log == nil {
		return
	}
	st := clk.State()
	log.Info("clock", "change", change, "now", timestamp.Format(st.Now), "speed", st.Speed,
		"frozen", st.Frozen, "fired", fired, "source", source)
}
