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
