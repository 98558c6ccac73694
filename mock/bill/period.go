package bill

import (
	"fmt"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
)

// Period is the span a bill covers: [Start, End) in GMT+8, a calendar day
// or a calendar month.
type Period struct {
	Start, End time.Time
	Monthly    bool
}

// Day is the period of one GMT+8 calendar day.
func Day(year int, month time.Month, day int) Period {
	s := time.Date(year, month, day, 0, 0, 0, 0, timestamp.Zone)
	return Period{Start: s, End: s.AddDate(0, 0, 1)}
}

// Month is the period of one GMT+8 calendar month.
func Month(year int, month time.Month) Period {
	s := time.Date(year, month, 1, 0, 0, 0, 0, timestamp.Zone)
	return Period{Start: s, End: s.AddDate(0, 1, 0), Monthly: true}
}

// ParsePeriod reads a bill_date: yyyy-MM-dd for a day, yyyy-MM for a month.
func ParsePeriod(billDate string) (Period, error) {
	switch len(billDate) {
	case len("2006-01-02"):
		t, err := time.ParseInLocation("2006-01-02", billDate, timestamp.Zone)
		if err == nil {
			return Day(t.Year(), t.Month(), t.Day()), nil
		}
	case len("2006-01"):
		t, err := time.ParseInLocation("2006-01", billDate, timestamp.Zone)
		if err == nil {
			return Month(t.Year(), t.Month()), nil
		}
	}
	return Period{}, fmt.Errorf("bill: bill_date %q is neither yyyy-MM-dd nor yyyy-MM", billDate)
}

// Label is the date part of the file names: yyyyMMdd, or yyyyMM for a month.
func (p Period) Label() string {
	if p.Monthly {
		return p.Start.In(timestamp.Zone).Format("200601")
	}
	return p.Start.In(timestamp.Zone).Format("20060102")
}

// Contains reports whether t falls in [Start, End).
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.Start) && t.Before(p.End)
}

func (p Period) valid() error {
	if p.Start.IsZero() || !p.Start.Before(p.End) {
		return fmt.Errorf("bill: empty period [%v, %v)", p.Start, p.End)
	}
	return nil
}
