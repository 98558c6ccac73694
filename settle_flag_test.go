package main

import (
	"bytes"
	"strings"
	"testing"
)

// --settle-max-percent is a percentage of the trade's total: 1 to 100.
func TestSettleMaxPercentIsOneToHundred(t *testing.T) {
	for _, v := range []string{"0", "101", "-5"} {
		var out, errb bytes.Buffer
		if code := run([]string{"serve", "--addr", "127.0.0.1:0", "--settle-max-percent", v}, &out, &errb); code == 0 ||
			!strings.Contains(errb.String(), "--settle-max-percent must be 1 to 100") {
			t.Errorf("--settle-max-percent %s: exit %d, %q; want it refused", v, code, errb.String())
		}
	}
}
