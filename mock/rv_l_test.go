package mock_test

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

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
