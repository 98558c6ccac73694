// Package timestamp is Alipay's one time format: "yyyy-MM-dd HH:mm:ss" in
// GMT+8 (Beijing time), whatever the zone of the machine. Request
// timestamps, response and notification time fields all use it.
package timestamp

import (
	"fmt"
	"time"
)

// Layout is the Go layout of Alipay times.
const Layout = "2006-01-02 15:04:05"

// Zone is GMT+8, fixed.
var Zone = time.FixedZone("GMT+8", 8*3600)

// Format writes t as Alipay does.
func Format(t time.Time) string { return t.In(Zone).Format(Layout) }

// Parse reads an Alipay time as GMT+8; a fraction of a second (as in
// gmt_refund) is accepted.
func Parse(s string) (time.Time, error) {
	t, err := time.ParseInLocation(Layout, s, Zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp: %q is not yyyy-MM-dd HH:mm:ss", s)
	}
	return t, nil
}

// Skew is where a request's time stands against the two clocks that judge
// it. Production compares it with the real time of the caller's world; the
// mock also has its own clock, which tests move. A request is accepted
// when its time is near either: near the wall clock, as production would
// accept it; near the mock's clock, as a client stamping with that clock
// (the bundled client in Go tests) expects.
//
// A time the merchant works out from its clock (time_expire) is judged
// alike, its window ahead of the clocks: a negative Past is how far ahead
// of a clock it must at least be.
type Skew struct {
	At         time.Time     // the request's time
	Wall, Mock time.Time     // the two clocks' readings when it arrived
	Past       time.Duration // how far behind a clock it may be
	Future     time.Duration // how far ahead of a clock it may be
	WallFirst  bool          // Near tries the wall clock first
}

// Accepted reports whether the time is near either clock.
func (s Skew) Accepted() bool {
	_, ok := s.Near()
	return ok
}

// Near returns the reading of the clock the time is near: the mock's, its
// plain meaning, when near both (the wall's with WallFirst); ok is false
// when near neither.
func (s Skew) Near() (clock time.Time, ok bool) {
	switch {
	case s.WallFirst && s.near(s.Wall):
		return s.Wall, true
	case s.near(s.Mock):
		return s.Mock, true
	case s.near(s.Wall):
		return s.Wall, true
	}
	return time.Time{}, false
}

// NearerWall reports whether the time is nearer the wall clock than the
// mock's (the mock's on a tie): the clock the caller keeps, whatever the
// bounds.
func (s Skew) NearerWall() bool {
	return s.At.Sub(s.Wall).Abs() < s.At.Sub(s.Mock).Abs()
}

func (s Skew) near(clock time.Time) bool {
	d := s.At.Sub(clock)
	return -s.Past <= d && d <= s.Future
}

// String says by how much the time missed each clock, for logs and the
// journal: "2026-12-05 16:00:00 is 30h0m0s ahead of the wall clock
// (2026-12-04 10:00:00) and 30h0m0s ahead of the mock's clock (...);
// allowed: 24h0m0s behind to 24h0m0s ahead".
func (s Skew) String() string {
	return fmt.Sprintf("%s is %s the wall clock (%s) and %s the mock's clock (%s); allowed: %s behind to %s ahead",
		Format(s.At), off(s.At.Sub(s.Wall)), Format(s.Wall), off(s.At.Sub(s.Mock)), Format(s.Mock), s.Past, s.Future)
}

func off(d time.Duration) string {
	switch {
	case d > 0:
		return d.Round(time.Second).String() + " ahead of"
	case d < 0:
		return (-d).Round(time.Second).String() + " behind"
	}
	return "exactly on"
}
