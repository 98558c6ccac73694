package pgstore_test

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The store's URL is shown in the banner (SharedStore) and in start-up
// errors without any password: the user part's, ?password= and libpq's
// sslpassword (the client key's passphrase, which pgx reads), in any case;
// in libpq's keyword/value form (quoted or not), which is refused; and in a
// URL pgx cannot parse, whose error quoted the URL whole.
func TestStoreURLHidesEveryPassword(t *testing.T) {
	// Start-up errors need no database: a URL pgx refuses, and a port
	// nothing listens on.
	for _, u := range []string{
		"postgres://mock:hunter2@127.0.0.1:1/x?sslmode=bogus&sslpassword=hunter2",
		"postgres://mock@127.0.0.1:1/x?sslmode=disable&SSLPassword=hunter2&password=hunter2&connect_timeout=5",
		"host=127.0.0.1 port=1 user=mock password=hunter2 dbname=x",
		`host=127.0.0.1 user=mock PASSWORD = 'hunter2 it\'s' sslpassword=hunter2 dbname=x`,
		"user=mock password='hunter2",
		"postgres://mock@127.0.0.1:1/x?sslmode=disable;password=hunter2",
		"postgres://mock@127.0.0.1:1/x?sslmode=disable#password=hunter2",
		"postgres://mock:hunter2@127.0.0.1:1/x?sslmode=disable;y=1",
		"postgres://mock:hunter2@127.0.0.1:99999/x",
	} {
		s, err := mock.New(mock.Options{Store: u})
		if err == nil {
			s.Close()
			t.Errorf("Store %s: started", u)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Store %s: error %q shows a password", u, err)
		}
	}
	u := pgURL(t)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	m := mocktest.New(t, mock.Options{Store: u + sep + "sslpassword=hunter2"})
	if s := m.Srv.SharedStore(); strings.Contains(s, "hunter2") || !strings.Contains(s, "sslpassword=xxxxx") {
		t.Errorf("SharedStore() = %q: want every password shown as xxxxx", s)
	}
}
