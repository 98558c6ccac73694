package mock_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// Reviewer rv-l: docs/security.md says the local CA's key stays in a 0700
// directory. An existing --ca-dir (or --data DIR/ca) that other users can
// write is used as it is: anyone who can write there can put in a CA whose
// key they hold before the mock starts, and the owner then trusts it
// (alipay-mock ca). The mock should refuse such a directory, or make it
// its own (0700).
func TestRVLLooseCADirectoryIsNotUsedAsIs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	srv, err := mock.Start(mock.Options{TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: dir}})
	if err != nil {
		return // refused: fine
	}
	defer srv.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("the mock keeps its CA key in %s, mode %v: other users can replace the CA", dir, fi.Mode().Perm())
	}
}

// Reviewer rv-l: a --store value that is not a postgres:// URL, such as
// libpq's keyword/value form (which pgx takes, and DATABASE_URL-style
// variables often hold), or a URL whose password pair follows a semicolon,
// is refused with an error that prints the password (the banner and the
// other start-up errors mask it: TestStoreURLHidesEveryPassword).
func TestRVLStoreErrorsNeverShowThePassword(t *testing.T) {
	for _, u := range []string{
		"host=127.0.0.1 port=1 user=mock password=hunter2 dbname=x",
		"postgres://mock@127.0.0.1:1/x?sslmode=disable;password=hunter2",
		"postgres://mock@127.0.0.1:1/x?sslmode=disable#password=hunter2",
	} {
		s, err := mock.New(mock.Options{Store: u})
		if err == nil {
			s.Close()
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Store %q: error %q shows the password", u, err)
		}
	}
}
