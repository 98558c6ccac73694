package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// A -rate that is not a finite positive number is a bad flag: refused
// with a message before any request, never a panic (int(1e300 * d)
// overflows to a negative -n and make(chan, negative) panics once the
// warm-up against a live mock is done), never a silent closed loop (NaN
// passes "rate < 0" and "rate > 0" alike, so the report says "closed" for
// an open-model run asked for). -ack-rate NaN passes "from 0 to 1" the
// same way and acknowledges nothing.
func TestRvbLoadtestRefusesNonFiniteRates(t *testing.T) {
	srv := startMock(t)
	for _, args := range [][]string{
		{"-rate", "1e300", "-d", "1s", "-c", "1"},
		{"-rate", "+Inf", "-d", "1s", "-c", "1"},
		{"-rate", "NaN", "-d", "1s", "-c", "1", "-n", "2"},
		{"-ack-rate", "NaN", "-notify", "-d", "1s", "-c", "1", "-n", "2"},
	} {
		err := func() (err error) {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("panic: %v", v)
				}
			}()
			var out, errs bytes.Buffer
			return run(append([]string{"-url", srv.URL()}, args...), &out, &errs)
		}()
		if err == nil || strings.HasPrefix(err.Error(), "panic") {
			t.Errorf("%v: %v, want a flag error", args, err)
		}
	}
}
