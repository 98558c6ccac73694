package pgstore_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
)

// lockedLog is a log sink safe for the mock's goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// storedPaths is the paths of the files the stored scenario list holds.
func storedPaths(t *testing.T, db *pgstore.DB) string {
	t.Helper()
	var stored []byte
	if err := db.UpdateScenarios(func(s []byte) ([]byte, bool, func()) { stored = s; return nil, false, nil }); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Scopes []struct {
			Files []struct {
				Path string `json:"path"`
			} `json:"files"`
		} `json:"scopes"`
	}
	_ = json.Unmarshal(stored, &got)
	var paths []string
	for _, sc := range got.Scopes {
		for _, f := range sc.Files {
			paths = append(paths, f.Path)
		}
	}
	return strings.Join(paths, " ")
}

// A rolling deploy: the stored list holds an upload an older replica
// accepted (then.fields naming msg) which this build's checks refuse. The
// new replica warns, naming it, and does not put it in force, but keeps
// it in the list it writes back (its first counted call), so the older
// replicas keep it in force; a DELETE of its scope removes it as any file.
func TestNewReplicaKeepsAStoredScenarioItRefusesForTheOthers(t *testing.T) {
	url := pgURL(t)
	db := openDB(t, url)
	old := "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {fields: {msg: changed}}\n"
	counted := "name: counted\nrules:\n  - name: r\n    when: {method: alipay.trade.close}\n    times: 5\n    then: {respond: {code: \"20000\"}}\n"
	st, _ := json.Marshal(map[string]any{"marks": 1, "scopes": []any{map[string]any{"app": "", "files": []any{
		map[string]any{"path": "old.yaml", "src": []byte(old), "app_id": "", "state": "Started", "rules": [][2]int{{3, 2}}},
		map[string]any{"path": "counted.yaml", "src": []byte(counted), "app_id": "", "state": "Started", "rules": [][2]int{{0, 0}}},
	}}}})
	if err := db.UpdateScenarios(func([]byte) ([]byte, bool, func()) { return st, true, nil }); err != nil {
		t.Fatal(err)
	}
	var logs lockedLog
	m := mocktest.New(t, mock.Options{Store: url, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if b := m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK); strings.Contains(string(b), "old.yaml") {
		t.Errorf("the refused file is listed in force: %s", b)
	}
	if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "old.yaml") || !strings.Contains(l, "scope=global") {
		t.Errorf("no warning naming the refused old.yaml and its scope: %s", l)
	}
	if r := m.Call("alipay.trade.query", `{"out_trade_no":"none"}`); r["msg"] == "changed" {
		t.Errorf("the refused file acts on the new replica: %v", r)
	}
	m.Call("alipay.trade.close", `{"out_trade_no":"none"}`) // a counted call: the replica writes the list
	if got := storedPaths(t, db); got != "old.yaml counted.yaml" {
		t.Errorf("the stored list after the new replica's first counted call holds %q; want old.yaml kept for the older replicas, in its place", got)
	}
	var kept []byte
	_ = db.UpdateScenarios(func(s []byte) ([]byte, bool, func()) { kept = s; return nil, false, nil })
	var counts struct {
		Scopes []struct {
			Files []struct {
				Rules [][2]int `json:"rules"`
			} `json:"files"`
		} `json:"scopes"`
	}
	if err := json.Unmarshal(kept, &counts); err != nil || len(counts.Scopes) != 1 || len(counts.Scopes[0].Files) != 2 ||
		len(counts.Scopes[0].Files[0].Rules) != 1 || counts.Scopes[0].Files[0].Rules[0] != [2]int{3, 2} {
		t.Errorf("old.yaml's counters were not kept as stored: %s", kept)
	}
	m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	if got := storedPaths(t, db); got != "" {
		t.Errorf("after DELETE /_mock/scenarios the stored list holds %q, want none", got)
	}
}
