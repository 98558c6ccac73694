package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
)

func rvrpPost(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With --data and the data file failing, an app registered through the
// control API is answered 400 (control.addApp answers every error 400,
// apps.add's "not stored" included) and a clock change 200 (the clock's
// write is queued by OnJump and the scheduler's Sync error dropped:
// persist.go), though neither outlives a restart. The rule is 503 for a
// store failure.
func TestRvrpDataControlChangesNotKeptAre503(t *testing.T) {
	s, url := resetMock(t, t.TempDir())
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"app_id": "2021000000000918",
		"public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"})
	if st, out := rvrpPost(t, url+"/_mock/apps", string(body)); st != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/apps with the data file failing: HTTP %d %.300s, want 503", st, out)
	}
	if st, out := rvrpPost(t, url+"/_mock/clock/advance", `{"by":"25h"}`); st != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/clock/advance with the data file failing: HTTP %d %.200s, want 503", st, out)
	}
	if st, out := rvrpPost(t, url+"/_mock/clock", `{"speed":0}`); st != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/clock with the data file failing: HTTP %d %.200s, want 503", st, out)
	}
}
