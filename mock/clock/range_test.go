package clock

import (
	"testing"
	"time"
)

// A job past the clock's range is never reached: an advance (by a
// duration, or to the next job) stops the clock at MaxReading and returns
// instead of setting the clock to the job's time again and again.
func TestAdvanceStopsAtTheEndOfTheRange(t *testing.T) {
	c := NewManual(MaxReading.Add(-time.Hour))
	s := NewScheduler(c, 1)
	ran := 0
	s.Schedule(Job{At: MaxReading.Add(-30 * time.Minute), Kind: "in", Run: func(time.Time) []Fired { ran++; return nil }})
	s.Schedule(Job{At: MaxReading.Add(24 * time.Hour), Kind: "past", Run: func(time.Time) []Fired { ran += 100; return nil }})
	for _, step := range []struct {
		name string
		do   func()
	}{
		{"to next", func() { s.AdvanceToNext() }},
		{"to next past the range", func() { s.AdvanceToNext() }},
		{"by 48h", func() { s.Advance(48 * time.Hour) }},
	} {
		done := make(chan struct{})
		go func() { step.do(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still advancing after 5 s (the job past the range is never due)", step.name)
		}
	}
	if ran != 1 || !c.Now().Equal(MaxReading) {
		t.Errorf("ran %d (want the job in range only: 1), clock %v (want %v)", ran, c.Now(), MaxReading)
	}
	if err := CheckNext(MaxReading.Add(time.Second)); err == nil {
		t.Error("CheckNext takes a job past the range")
	}
	if err := CheckNext(MaxReading); err != nil {
		t.Errorf("CheckNext refuses the last reading: %v", err)
	}
}
