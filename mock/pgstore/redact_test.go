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
		"postgres://mock@db/x?sslmode=verify-full&sslpassword=s3cret",
		"postgres://mock@db/x?SSLPassword=s3cret&password=s3cret&password=s3cret",
		"postgres://mock@db/x?ssl%70assword=s3cret",
		"postgres://mock@db/x?sslpassword=s3cret%zz&sslmode=disable",
	} {
		if out := redact(in); strings.Contains(out, "s3cret") || !strings.HasPrefix(out, "postgres") {
			t.Errorf("redact(%q) = %q", in, out)
		}
	}
	for _, in := range []string{"postgres://mock@db:5432/x", "postgres://mock@db:5432/x?sslmode=disable&application_name=a%20b"} {
		if out := redact(in); out != in {
			t.Errorf("redact(%q) = %q: a URL without a password changed", in, out)
		}
	}
}
