package mock

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// A reset or a clear the data directory failed to write answers 503 with
// the store's error on every surface, never success: the control API's
// reset (of every app and of one), its clear of notifications, and the
// dashboard's reset. Memory forgets anyway. The data file is closed under
// the running mock, as a failing disk would leave it; opened again, the
// directory still holds the trade (the 503 was true), and a reset there
// answers 200 and deletes it.
func TestResetTheStoreFailedAnswers503(t *testing.T) {
	dir := t.TempDir()
	s, url := resetMock(t, dir)
	c, err := client.New(client.Config{GatewayURL: url + GatewayPath, AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := createTrade(c, "RESET1"); err != nil {
		t.Fatal(err)
	}
	if code, _ := resetCall(t, http.MethodGet, url+"/_mock/trades/RESET1", nil); code != http.StatusOK {
		t.Fatalf("the trade before the failure: HTTP %d", code)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/reset", "/reset?app_id=" + keys.DevAppID} {
		code, body := resetCall(t, http.MethodPost, url+"/_mock"+path, nil)
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(body, &e); code != http.StatusServiceUnavailable || err != nil || !strings.Contains(e.Error, "trades not deleted") {
			t.Errorf("POST /_mock%s with the store failing: HTTP %d %s, want 503 naming what was not deleted", path, code, body)
		}
	}
	if code, body := resetCall(t, http.MethodDelete, url+"/_mock/notifications", nil); code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"error"`) {
		t.Errorf("DELETE /_mock/notifications with the store failing: HTTP %d %s, want 503", code, body)
	}
	code, page := resetCall(t, http.MethodPost, url+"/_mock/ui/reset", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": url})
	if code != http.StatusServiceUnavailable || !strings.Contains(string(page), "The reset did not finish") || !strings.Contains(string(page), "trades not deleted") {
		t.Errorf("the dashboard's reset with the store failing: HTTP %d, want 503 and an error page:\n%s", code, page)
	}
	// Memory forgot: this mock does not serve what it was asked to forget.
	if code, body := resetCall(t, http.MethodGet, url+"/_mock/trades/RESET1", nil); code != http.StatusNotFound {
		t.Errorf("the trade after a failed reset: HTTP %d %s, want 404 (memory forgets anyway)", code, body)
	}
	_ = s.Close()

	// The store still holds the trade; a reset that works answers 200.
	_, url = resetMock(t, dir)
	if code, _ := resetCall(t, http.MethodGet, url+"/_mock/trades/RESET1", nil); code != http.StatusOK {
		t.Fatalf("the trade a failed reset left in the store: HTTP %d, want 200", code)
	}
	if code, body := resetCall(t, http.MethodPost, url+"/_mock/reset", nil); code != http.StatusOK {
		t.Fatalf("POST /_mock/reset with the store back: HTTP %d %s", code, body)
	}
	if code, body := resetCall(t, http.MethodDelete, url+"/_mock/notifications", nil); code != http.StatusOK {
		t.Fatalf("DELETE /_mock/notifications with the store back: HTTP %d %s", code, body)
	}
	if code, _ := resetCall(t, http.MethodGet, url+"/_mock/trades/RESET1", nil); code != http.StatusNotFound {
		t.Fatalf("the trade after a reset that worked: HTTP %d, want 404", code)
	}
}

// resetMock runs a mock on the data directory dir behind a real listener,
// stopped when the test ends.
func resetMock(t *testing.T, dir string) (*Server, string) {
	t.Helper()
	s, err := New(Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); _ = s.Close() })
	return s, hs.URL
}

// resetCall sends a request without a body, following no redirect.
func resetCall(t *testing.T, method, url string, header map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
