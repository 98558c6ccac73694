package clock

import (
	"fmt"
	"testing"
	"time"
)

func TestCancelAndCappedAdvance(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := NewScheduler(NewManual(start), 4)
	ran := map[string]int{}
	job := func(kind, ref string, in time.Duration) {
		s.Schedule(Job{At: start.Add(in), Kind: kind, Ref: ref, Key: ref, Run: func(at time.Time) []Fired {
			ran[kind+" "+ref]++ // one key per ref: never two of a ref at once
			return []Fired{{At: at, Kind: kind, Ref: ref}}
		}})
	}
	for i := 0; i < 30; i++ {
		job("trade", fmt.Sprint("T", i), time.Duration(i+1)*time.Minute)
	}
	job("notify", "T3", time.Hour)
	if n := s.Cancel("T3", func(j Job) bool { return j.Kind == "trade" }); n != 1 {
		t.Fatalf("cancelled %d, want T3's trade job only", n)
	}
	if n := s.Cancel("T4", nil); n != 1 || s.Pending() != 29 {
		t.Fatalf("cancelled %d, %d pending", n, s.Pending())
	}
	if n := s.Cancel("T4", nil); n != 0 {
		t.Error("a job cancelled twice")
	}
	fired, more, _ := s.AdvanceLimit(2*time.Hour, 10)
	if len(fired) != 10 || more != 19 {
		t.Fatalf("reported %d, %d more; want 10 and 19", len(fired), more)
	}
	if ran["trade T3"] != 0 || ran["trade T4"] != 0 || ran["notify T3"] != 1 || ran["trade T5"] != 1 || s.Pending() != 0 {
		t.Errorf("ran %v, %d pending", ran, s.Pending())
	}
}

// CancelWhere takes off every job it matches, whatever its Ref; the rest
// still run in time order, and Cancel still finds them by Ref.
func TestCancelWhere(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := NewScheduler(NewManual(start), 1)
	var order []string
	for i := 40; i > 0; i-- { // scheduled latest first: the heap reorders
		ref := fmt.Sprint("R", i)
		kind := "keep"
		if i%3 == 0 {
			kind = "drop"
		}
		s.Schedule(Job{At: start.Add(time.Duration(i) * time.Minute), Kind: kind, Ref: ref, Key: "k",
			Run: func(time.Time) []Fired { order = append(order, ref); return nil }})
	}
	if n := s.CancelWhere(func(j Job) bool { return j.Kind == "drop" }); n != 13 {
		t.Fatalf("cancelled %d, want 13", n)
	}
	if n := s.Cancel("R3", nil); n != 0 {
		t.Fatal("a job CancelWhere took off was still under its Ref")
	}
	if n := s.Cancel("R40", nil); n != 1 || s.Pending() != 26 {
		t.Fatalf("Cancel after CancelWhere: %d, %d pending", n, s.Pending())
	}
	s.Advance(time.Hour)
	var want []string
	for i := 1; i < 40; i++ {
		if i%3 != 0 {
			want = append(want, fmt.Sprint("R", i))
		}
	}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("ran %v, want %v", order, want)
	}
}
