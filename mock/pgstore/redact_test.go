package pgstore

import (
	"strings"
	"testing"
)

func TestRedactHidesPasswords(t *testing.T) {
	for _, in := range []string{
		"postgres://mock:s3cret@db:5432/x?sslmode=disable",
		"postgres://mock@db/x?password=s3cret",
		"postgresql://mock:s3cret@db/x",
		"postgres://mock:s3cret@db/x?%zz",
	} {
		if out := redact(in); strings.Contains(out, "s3cret") || !strings.HasPrefix(out, "postgres") {
			t.Errorf("redact(%q) = %q", in, out)
		}
	}
	if out := redact("postgres://mock@db:5432/x"); out != "postgres://mock@db:5432/x" {
		t.Errorf("a URL without a password changed: %q", out)
	}
}
