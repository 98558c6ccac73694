package clock

import (
	"errors"
	"testing"
	"time"
)

// A change whose reading the store did not keep (OnSettle fails) reports
// the failure and puts the clock back; an advance goes back to where it
// started, and the jobs it ran stay run.
func TestChangeNotKeptPutsTheClockBack(t *testing.T) {
	c := NewManual(t0)
	queued := 0
	c.OnJump(func(Snapshot) error { queued++; return nil })
	lost := errors.New("disk failed")
	c.OnSettle(func() error { return lost })
	if err := c.Set(t0.Add(time.Hour)); !errors.Is(err, lost) {
		t.Errorf("Set: %v, want the failure", err)
	}
	if err := c.SetSpeed(60); !errors.Is(err, lost) {
		t.Errorf("SetSpeed: %v, want the failure", err)
	}
	if !c.Now().Equal(t0) || !c.State().Frozen {
		t.Errorf("after changes not kept the clock reads %v (frozen %v), want %v frozen", c.Now(), c.State().Frozen, t0)
	}
	s := NewScheduler(c, 1)
	ran := 0
	for i := 1; i <= 3; i++ {
		s.Schedule(Job{At: t0.Add(time.Duration(i) * time.Minute), Run: func(time.Time) []Fired { ran++; return nil }})
	}
	queued = 0
	if _, _, err := s.AdvanceLimit(time.Hour, -1); !errors.Is(err, lost) {
		t.Errorf("AdvanceLimit: %v, want the failure", err)
	}
	if queued != 4 || ran != 3 {
		t.Errorf("the advance queued %d readings and ran %d jobs, want 4 and 3", queued, ran)
	}
	if !c.Now().Equal(t0) {
		t.Errorf("after an advance not kept the clock reads %v, want %v", c.Now(), t0)
	}
}
