package clock

import (
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestSimModes(t *testing.T) {
	c := NewManual(t0)
	if !c.Now().Equal(t0) || !c.State().Frozen {
		t.Fatal("a manual clock stands still")
	}
	if got := c.Advance(90 * time.Minute); !got.Equal(t0.Add(90 * time.Minute)) {
		t.Errorf("advance: %v", got)
	}
	if c.WallUntil(t0.Add(2*time.Hour)) != -1 {
		t.Error("a frozen clock never gets anywhere by itself")
	}
	c.SetSpeed(3600) // an hour a second
	if w := c.WallUntil(c.Now().Add(time.Hour)); w <= 0 || w > time.Second {
		t.Errorf("wall wait for 1h at 3600x: %v", w)
	}
	a := c.Now()
	time.Sleep(20 * time.Millisecond)
	if moved := c.Now().Sub(a); moved < time.Minute {
		t.Errorf("at 3600x, 20ms of wall time moved the clock only %v", moved)
	}
	c.SetSpeed(0)
	b := c.Now()
	time.Sleep(5 * time.Millisecond)
	if !c.Now().Equal(b) {
		t.Error("speed 0 freezes")
	}
	ch := c.Moved()
	c.Set(t0)
	select {
	case <-ch:
	default:
		t.Error("Set must signal Moved")
	}
}

func TestSchedulerAdvanceRunsEachJobAtItsTime(t *testing.T) {
	c := NewManual(t0)
	s := NewScheduler(c, 4)
	var mu sync.Mutex
	var log []string
	add := func(d time.Duration, key, name string) {
		s.Schedule(Job{At: t0.Add(d), Key: key, Kind: "test", Ref: name, Run: func(at time.Time) []Fired {
			mu.Lock()
			log = append(log, name+"@"+at.Sub(t0).String()+"/"+c.Now().Sub(t0).String())
			mu.Unlock()
			return []Fired{{At: at, Kind: "test", Ref: name}}
		}})
	}
	add(10*time.Minute, "a", "a1")
	add(time.Minute, "b", "b1")
	add(time.Hour, "a", "a2")
	// A job that schedules a follow-up inside the window.
	s.Schedule(Job{At: t0.Add(2 * time.Minute), Key: "c", Run: func(at time.Time) []Fired {
		add(at.Sub(t0)+3*time.Minute, "c", "c2")
		return nil
	}})
	fired := s.Advance(30 * time.Minute)
	if len(fired) != 3 {
		t.Fatalf("fired %v", fired)
	}
	want := []string{"b1@1m0s/1m0s", "c2@5m0s/5m0s", "a1@10m0s/10m0s"}
	for i, w := range want {
		if log[i] != w {
			t.Errorf("run %d: %s, want %s", i, log[i], w)
		}
	}
	if !c.Now().Equal(t0.Add(30*time.Minute)) || s.Pending() != 1 {
		t.Errorf("after: now +%v, pending %d", c.Now().Sub(t0), s.Pending())
	}
	if f := s.AdvanceToNext(); len(f) != 1 || f[0].Ref != "a2" || !c.Now().Equal(t0.Add(time.Hour)) {
		t.Errorf("to next: %v at +%v", f, c.Now().Sub(t0))
	}
	if s.AdvanceToNext() != nil {
		t.Error("nothing pending: nothing fires")
	}
}

func TestSchedulerKeepsOneKeyInOrder(t *testing.T) {
	c := NewManual(t0)
	s := NewScheduler(c, 8)
	var mu sync.Mutex
	got := map[string][]int{}
	for i := 0; i < 50; i++ {
		for _, k := range []string{"x", "y", "z"} {
			k, i := k, i
			s.Schedule(Job{At: t0, Key: k, Run: func(time.Time) []Fired {
				mu.Lock()
				got[k] = append(got[k], i)
				mu.Unlock()
				return nil
			}})
		}
	}
	s.RunDue()
	for k, seq := range got {
		for i, v := range seq {
			if v != i {
				t.Fatalf("key %s ran out of order: %v", k, seq)
			}
		}
	}
}

func TestLoopFollowsARunningClock(t *testing.T) {
	c := NewSim(t0, 60000) // a minute per millisecond
	s := NewScheduler(c, 1)
	stop := make(chan struct{})
	defer close(stop)
	go s.Loop(stop)
	done := make(chan time.Time, 1)
	s.Schedule(Job{At: c.Now().Add(10 * time.Minute), Run: func(at time.Time) []Fired { done <- at; return nil }})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the loop did not run a job 10 clock-minutes ahead at 60000x")
	}
}
