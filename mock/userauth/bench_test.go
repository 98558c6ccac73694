package userauth_test

import (
	"runtime"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// BenchmarkSignIn is one sign-in on the book: a consent form opened and
// answered, the code exchanged, the token resolved. It reports the heap a
// kept token costs (B/token, measured with MaxTokens tokens kept) so the
// ceiling (MaxForms, MaxCodes, MaxTokens) can be read as memory. Run with
//
//	go test ./mock/userauth -run '^$' -bench SignIn -benchtime 2s
func BenchmarkSignIn(b *testing.B) {
	book, _ := newBook()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, _ := book.Open(userauth.Form{AppID: app, Scope: userauth.ScopeUser, RedirectURI: "https://shop.example/cb", State: "s"})
		_, c, err := book.Consent(f.Token, user)
		if err != nil {
			b.Fatal(err)
		}
		t, err := book.Exchange(app, c.Code)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := book.Resolve(app, t.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sign-ins/s")

	// Heap per kept token: fill a fresh book to its ceiling.
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	full, _ := newBook()
	for range userauth.MaxTokens {
		if _, err := full.Exchange(app, mustGrant(full).Code); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	_, codes, tokens := full.Len()
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	b.ReportMetric(float64(max(grew, 0))/float64(tokens), "B/token")
	b.ReportMetric(float64(codes), "codes_kept")
	runtime.KeepAlive(full)
}
