package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
)

// postControl posts a JSON body and returns the answer's status and body.
func postControl(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With --data and the data file failing, an app registration and clock
// changes through the control API are 503, and the clock does not move:
// none of it would outlive a restart.
func TestDataControlChangesNotKeptAre503(t *testing.T) {
	s, url := resetMock(t, t.TempDir())
	before := s.Clock.Snapshot()
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"app_id": "2021000000000918",
		"public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"})
	if st, out := postControl(t, url+"/_mock/apps", string(body)); st != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/apps with the data file failing: HTTP %d %.300s, want 503", st, out)
	}
	for _, c := range []struct{ path, body string }{
		{"/_mock/clock/advance", `{"by":"25h"}`},
		{"/_mock/clock", `{"speed":0}`},
		{"/_mock/clock", `{"set":"2030-01-01 00:00:00"}`},
	} {
		if st, out := postControl(t, url+c.path, c.body); st != http.StatusServiceUnavailable {
			t.Errorf("POST %s %s with the data file failing: HTTP %d %.200s, want 503", c.path, c.body, st, out)
		}
	}
	if after := s.Clock.Snapshot(); after != before {
		t.Errorf("the clock moved though not kept: %+v, was %+v", after, before)
	}
}
