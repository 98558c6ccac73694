package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// When the clock's state cannot be written to the data directory, health
// turns 503 naming it, as it does whenever the store or the clock cannot
// be written (docs/persistence.md). The data file is closed under the
// running mock, as a failing disk would leave it; everything is driven
// over HTTP.
func TestHealthIs503WhenTheClockCannotBeStored(t *testing.T) {
	s, err := New(Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer func() { srv.Close(); _ = s.Close() }()
	health := func() (int, map[string]string) {
		resp, err := http.Get(srv.URL + "/_mock/health")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, m := health(); code != http.StatusOK {
		t.Fatalf("health before: %d %v", code, m)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"/_mock/clock/advance", "application/json", strings.NewReader(`{"by":"1h"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, m := health()
	if code != http.StatusServiceUnavailable || m["status"] != "store_failing" || !strings.Contains(m["store_error"], "clock") {
		t.Errorf("health after a failed clock write: %d %v", code, m)
	}
}
