package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// sendV3 sends one v3 POST with authz as its Authorization, as a client
// that keeps a signed request and sends it again would.
func sendV3(t *testing.T, srv *mock.Server, uri, body, authz string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+uri, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(sign.HeaderAuthorization, authz)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// isReplayRefusal reports whether a v3 answer is the refusal of a nonce
// used already: 401 invalid-signature, as a signature that does not
// verify, with links.
func isReplayRefusal(status int, body string) bool {
	var e struct {
		Code, Message string
		Links         []sign.V3Link
	}
	return status == http.StatusUnauthorized && json.Unmarshal([]byte(body), &e) == nil &&
		e.Code == "invalid-signature" && strings.HasPrefix(e.Message, "验签出错，nonce") && len(e.Links) == 1
}

// The v3 nonce is "自己生成唯一性字符串，每次请求要保证唯一" (Alipay's v3 signing
// guide, as quoted in https://cnblogs.com/yjdmx/p/17918400.html; the SDKs
// send a random UUID each time): the same signed request sent again, nonce
// and all, is refused as an authentication failure, not acted on twice.
// The nonce is the app's: another app may send the same one.
func TestV3RepeatedNonceIsRefused(t *testing.T) {
	e := newV3Env(t)
	const uri, body = "/v3/alipay/trade/query", `{"out_trade_no":"NONCE1"}`
	e.precreate("v3", "NONCE1")
	auth := sign.NewV3Auth(keys.DevAppID, "", e.srv.Clock.Now())
	authz, err := sign.SignV3Request(keys.DevAppPrivateKey(), auth, http.MethodPost, uri, body, "")
	if err != nil {
		t.Fatal(err)
	}
	if s, b := sendV3(t, e.srv, uri, body, authz); s != http.StatusOK {
		t.Fatalf("first request: HTTP %d %s", s, b)
	}
	if s, b := sendV3(t, e.srv, uri, body, authz); !isReplayRefusal(s, b) {
		t.Errorf("the same Authorization (same nonce) sent again: HTTP %d %s; want 401 invalid-signature naming the nonce", s, b)
	}
	// Signed again with the same nonce and another timestamp: still used.
	if r := e.do(v3Req{uri: uri, body: body, nonce: auth.Nonce, at: e.srv.Clock.Now().Add(time.Second)}); !isReplayRefusal(r.status, string(r.body)) {
		t.Errorf("the nonce again, signed anew: HTTP %d %s", r.status, r.body)
	}
	if r := e.do(v3Req{uri: uri, body: body}); r.status != http.StatusOK {
		t.Errorf("the request with a new nonce: HTTP %d %s", r.status, r.body)
	}
	if r := e.do(v3Req{uri: uri, body: body, appID: v3LimitedApp, nonce: auth.Nonce}); r.status == http.StatusUnauthorized {
		t.Errorf("another app's request with the same nonce: HTTP %d %s", r.status, r.body)
	}
}

// Only a request whose signature verified uses its nonce: one refused
// before (a bad signature, a stale timestamp) leaves it free, so the
// corrected request sent with the same nonce is served.
func TestV3NonceOfARequestRefusedBeforeItVerifiedStaysFree(t *testing.T) {
	e := newV3Env(t)
	const uri, body = "/v3/alipay/trade/query", `{"out_trade_no":"NONCE2"}`
	e.precreate("v3", "NONCE2")
	nonce := sign.NewNonce()
	r := e.do(v3Req{uri: uri, body: body, sent: `{"out_trade_no":"OTHER"}`, nonce: nonce})
	if r.status != http.StatusUnauthorized || isReplayRefusal(r.status, string(r.body)) {
		t.Fatalf("a body other than the signed one: HTTP %d %s; want the bad signature's 401", r.status, r.body)
	}
	r = e.do(v3Req{uri: uri, body: body, nonce: nonce, at: e.srv.Clock.Now().Add(-48 * time.Hour)})
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"invalid-timestamp"`) {
		t.Fatalf("a timestamp 48 h old: HTTP %d %s", r.status, r.body)
	}
	if r = e.do(v3Req{uri: uri, body: body, nonce: nonce}); r.status != http.StatusOK {
		t.Errorf("the corrected request with the same nonce: HTTP %d %s; want 200", r.status, r.body)
	}
}

// A nonce does not go with time: a request stamped with the wall clock (as
// the SDKs stamp) is refused again after the mock's clock moved on past the
// tolerance, which the wall clock still accepts it within.
func TestV3NonceKeptWhileTheWallClockStillAcceptsItsTimestamp(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{Clock: clock.NewManual(time.Now())})
	const uri, body = "/v3/alipay/trade/query", `{"out_trade_no":"NONCE3"}`
	authz, err := sign.SignV3Request(keys.DevAppPrivateKey(), sign.NewV3Auth(keys.DevAppID, "", srv.Clock.Wall()), http.MethodPost, uri, body, "")
	if err != nil {
		t.Fatal(err)
	}
	if s, b := sendV3(t, srv, uri, body, authz); s != http.StatusBadRequest || !strings.Contains(b, "ACQ.TRADE_NOT_EXIST") {
		t.Fatalf("first request: HTTP %d %s; want 400 ACQ.TRADE_NOT_EXIST (verified)", s, b)
	}
	srv.Clock.Advance(25 * time.Hour) // past the default 24 h on the mock's clock
	if s, b := sendV3(t, srv, uri, body, authz); !isReplayRefusal(s, b) {
		t.Errorf("sent again once the mock's clock is 25 h on: HTTP %d %s; want the replay's 401", s, b)
	}
}

// The mock's clock is set back as readily as forward (POST /_mock/clock):
// a nonce is still kept once both clocks are past its request's window,
// so the same signed request, sent again after the clock went back to
// where it accepts the timestamp, is refused. (It went with the window.)
func TestV3NonceKeptAfterTheClockIsSetBack(t *testing.T) {
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC) // well before the wall clock
	srv := mock.NewTestServer(t, mock.Options{Clock: clock.NewManual(start)})
	const uri, body = "/v3/alipay/trade/query", `{"out_trade_no":"NONCE4"}`
	authz, err := sign.SignV3Request(keys.DevAppPrivateKey(), sign.NewV3Auth(keys.DevAppID, "", start), http.MethodPost, uri, body, "")
	if err != nil {
		t.Fatal(err)
	}
	if s, b := sendV3(t, srv, uri, body, authz); s != http.StatusBadRequest || !strings.Contains(b, "ACQ.TRADE_NOT_EXIST") {
		t.Fatalf("first request: HTTP %d %s; want 400 ACQ.TRADE_NOT_EXIST (verified)", s, b)
	}
	srv.Clock.Advance(25 * time.Hour)
	// Another verified request, stamped now (nonces past their window went).
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

// A v3 request refused for its Content-Type (400 invalid-content-type) was
// never served: the same request sent again with the Content-Type corrected
// (the header is not signed) is served, not refused as a replay.
func TestV3NonceOfARequestRefusedForItsContentTypeStaysFree(t *testing.T) {
	e := newV3Env(t)
	const uri, body = "/v3/alipay/trade/query", `{"out_trade_no":"NONCE-CT"}`
	e.precreate("v3", "NONCE-CT")
	nonce := sign.NewNonce()
	r := e.do(v3Req{uri: uri, body: body, nonce: nonce, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"invalid-content-type"`) {
		t.Fatalf("a form Content-Type: HTTP %d %s; want 400 invalid-content-type", r.status, r.body)
	}
	if r = e.do(v3Req{uri: uri, body: body, nonce: nonce}); r.status != http.StatusOK {
		t.Errorf("the corrected request with the same nonce: HTTP %d %s; want 200 (the refused one was never served)", r.status, r.body)
	}
}
