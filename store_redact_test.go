package main

import (
	"bytes"
	"strings"
	"testing"
)

// A --store value that is not a postgres:// URL is not shown: a password
// hides in forms no mask reads (a URL net/url cannot parse, one without
// its scheme, keyword/value text whose value runs past an &).
func TestStoreFlagNeverShowsAValueThatIsNotAPostgresURL(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--store", "mysql://u:hunter2@db:bad/x"},
		{"serve", "--addr", "127.0.0.1:0", "--store", "u:hunter2@db:5432/x"},
		{"serve", "--addr", "127.0.0.1:0", "--store", "//u:hunter2@db:5432/x"},
		// libpq's keyword/value form: an unquoted value runs to the next
		// space, & included; the mask stops at the &.
		{"serve", "--addr", "127.0.0.1:0", "--store", "host=db user=u password=xx&hunter2 dbname=x"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code == 0 {
			t.Fatalf("%v started", args)
		}
		if msg := errb.String(); strings.Contains(msg, "hunter2") {
			t.Errorf("%v: error shows the password: %q", args, msg)
		}
	}
}
