package mock_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// A nonce goes once the earlier of the two clocks is past its request's
// window, "until neither clock accepts its timestamp" (docs/v3.md). But the
// mock's clock is set back as readily as forward (POST /_mock/clock
// {"set":…}): a test on a clock in the past advances it past the window
// (any verified v3 request then drops the nonce), sets it back, and the
// very same signed request is taken and acted on again.
func TestRvx2V3NonceReplayedAfterTheClockIsSetBack(t *testing.T) {
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC) // well before the wall clock
	srv := mock.NewTestServer(t, mock.Options{Clock: clock.NewManual(start)})
	const uri, body = "/v3/alipay/trade/query", `{"out_trade_no":"RVX2NONCE"}`
	authz, err := sign.SignV3Request(keys.DevAppPrivateKey(), sign.NewV3Auth(keys.DevAppID, "", start), http.MethodPost, uri, body, "")
	if err != nil {
		t.Fatal(err)
	}
	if s, b := sendV3(t, srv, uri, body, authz); s != http.StatusBadRequest || !strings.Contains(b, "ACQ.TRADE_NOT_EXIST") {
		t.Fatalf("first request: HTTP %d %s; want 400 ACQ.TRADE_NOT_EXIST (verified)", s, b)
	}
	srv.Clock.Advance(25 * time.Hour)
	// Another verified request, stamped now: the nonces past their window go.
	other, err := sign.SignV3Request(keys.DevAppPrivateKey(), sign.NewV3Auth(keys.DevAppID, "", srv.Clock.Now()), http.MethodPost, uri, body, "")
	if err != nil {
		t.Fatal(err)
	}
	if s, b := sendV3(t, srv, uri, body, other); s != http.StatusBadRequest {
		t.Fatalf("another request: HTTP %d %s", s, b)
	}
	srv.Clock.Set(start)
	if s, b := sendV3(t, srv, uri, body, authz); !isReplayRefusal(s, b) {
		t.Errorf("the first request replayed once the clock is set back: HTTP %d %s; want the replay's 401", s, b)
	}
}
