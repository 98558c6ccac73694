// Package clock is the one source of time for the whole mock, and the
// scheduler of everything that happens at a time (notification retries,
// trade expiry). Nothing else in the mock calls time.Now: the clock can run
// at wall speed, faster (60x runs Alipay's 25 h retry schedule in 25
// minutes), or stand still until a test moves it.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now is time.Now: the one call of it in the mock.
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
	onJump func(Snapshot)
}

// NewSim makes a clock reading start, running at speed (0 means frozen).
func NewSim(start time.Time, speed float64) *Sim {
	s := &Sim{wall: Real{}, moved: make(chan struct{})}
	s.reanchor(start)
	s.speed, s.frozen = speed, speed == 0
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
	elapsed := s.wall.Now().Sub(s.anchor)
	return s.base.Add(time.Duration(float64(elapsed) * s.speed))
}

// Now is the clock's reading.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Sim) jumped() {
	close(s.moved)
	s.moved = make(chan struct{})
	if s.onJump != nil {
		s.onJump(s.snapshotLocked())
	}
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
// have read had it never stopped, a frozen one reads the same.
func (s *Sim) Restore(sn Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.base, s.anchor, s.speed, s.frozen = sn.Base, sn.Anchor, sn.Speed, sn.Frozen
	if s.speed <= 0 {
		s.speed = 1
	}
	s.jumped()
}

// OnJump registers a function told the new state whenever the reading
// jumps (set, advanced, speed changed, restored). It runs under the
// clock's lock and must not call the clock.
func (s *Sim) OnJump(f func(Snapshot)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onJump = f
}

// Moved returns a channel closed the next time the reading jumps (set,
// advanced, speed changed), so a sleeper can recompute its deadline.
func (s *Sim) Moved() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.moved
}

// Advance moves the reading forward by d and returns it.
func (s *Sim) Advance(d time.Duration) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.nowLocked().Add(d)
	s.reanchor(t)
	s.jumped()
	return t
}

// Set moves the reading to t (forward or back).
func (s *Sim) Set(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reanchor(t)
	s.jumped()
}

// SetSpeed makes the clock run at speed times wall speed; 0 freezes it.
func (s *Sim) SetSpeed(speed float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reanchor(s.nowLocked())
	if speed <= 0 {
		s.frozen = true
	} else {
		s.frozen, s.speed = false, speed
	}
	s.jumped()
}

// State describes the clock for the control API.
type State struct {
	Now    time.Time `json:"now"`
	Speed  float64   `json:"speed"`
	Frozen bool      `json:"frozen"`
}

// State reports the reading and mode.
func (s *Sim) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.speed
	if s.frozen {
		sp = 0
	}
	return State{Now: s.nowLocked(), Speed: sp, Frozen: s.frozen}
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
