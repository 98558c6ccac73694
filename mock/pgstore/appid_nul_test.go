package pgstore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// An app id (or method) no text column can hold, a NUL or invalid UTF-8,
// names no stored row: a list filtered by it lists nothing, a lookup
// finds nothing (404), a delete by it is refused (400). It is
// never cleaned into "" and read as "every app" (DELETE
// /_mock/journal?app_id=%00 cleared the whole journal), and never the
// store's failure (503).
func TestReplicasAppIDNoColumnHoldsMatchesNothing(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	if r := a.Call("alipay.trade.precreate", `{"out_trade_no":"NUL1","total_amount":"1.00","subject":"x"}`); !ok(r) {
		t.Fatalf("precreate: %v", r)
	}
	a.Call("alipay.trade.query", `{"out_trade_no":"NUL1"}`)
	waitJournal(t, b, 2)
	bad := []string{"%00", "%FF%FE", "a%00b"}
	for _, app := range bad { // refused as the query is read, in every mode (TestControlTextWithNULIsRefused)
		b.Control(http.MethodDelete, "/journal?app_id="+app, nil, http.StatusBadRequest)
	}
	if n := len(journalOf(b, "")); n != 2 {
		t.Fatalf("the journal lists %d entries after deletes by app ids no row holds, want the 2 it had", n)
	}
	lists := []string{"/journal", "/trades", "/red-packets", "/transfers", "/notifications", "/app-auth-tokens"}
	for _, app := range bad {
		for _, list := range lists {
			if body := strings.TrimSpace(string(b.Control(http.MethodGet, list+"?app_id="+app, nil, http.StatusOK))); body != "[]" {
				t.Errorf("GET /_mock%s?app_id=%s: %.300s, want []", list, app, body)
			}
		}
		if body := strings.TrimSpace(string(b.Control(http.MethodGet, "/journal?method="+app, nil, http.StatusOK))); body != "[]" {
			t.Errorf("GET /_mock/journal?method=%s: %.300s, want []", app, body)
		}
		for _, path := range []string{"/trades/NUL1?app_id=" + app, "/trades/" + app, "/red-packets/" + app,
			"/red-packets/" + app + "?app_id=" + keys.DevAppID, "/transfers/" + app + "?app_id=" + keys.DevAppID, "/transfers/x?app_id=" + app} {
			b.Control(http.MethodGet, path, nil, http.StatusNotFound)
		}
		for _, path := range []string{"/ui/trades?app_id=" + app, "/ui/red-packets?app_id=" + app, "/ui/transfers?app_id=" + app, "/ui/journal?app_id=" + app} {
			b.Control(http.MethodGet, path, nil, http.StatusOK)
		}
	}
	if n := len(journalOf(b, "")); n != 2 {
		t.Fatalf("the journal lists %d entries at the end, want 2", n)
	}
	var h struct {
		Status string `json:"status"`
	}
	b.ControlJSON(http.MethodGet, "/health", nil, http.StatusOK, &h)
	if h.Status != "ok" {
		t.Fatalf("health: %+v", h)
	}
}
