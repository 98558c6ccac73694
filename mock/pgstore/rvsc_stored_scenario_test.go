package pgstore_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A rolling deploy: the stored list holds an upload an older replica
// accepted (then.fields naming msg) which this build's new checks refuse.
// The new replica leaves it out of its copy, without a word, and its
// first counted call writes the list back without it: the upload is gone
// from the database, for every replica, the older ones included.
func TestRvscNewReplicaDeletesAnUploadItNoLongerParsesForAll(t *testing.T) {
	url := pgURL(t)
	db := openDB(t, url)
	old := "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {fields: {msg: changed}}\n"
	counted := "name: counted\nrules:\n  - name: r\n    when: {method: alipay.trade.close}\n    times: 5\n    then: {respond: {code: \"20000\"}}\n"
	st, _ := json.Marshal(map[string]any{"marks": 1, "scopes": []any{map[string]any{"app": "", "files": []any{
		map[string]any{"path": "old.yaml", "src": []byte(old), "app_id": "", "state": "Started", "rules": [][2]int{{0, 0}}},
		map[string]any{"path": "counted.yaml", "src": []byte(counted), "app_id": "", "state": "Started", "rules": [][2]int{{0, 0}}},
	}}}})
	if err := db.UpdateScenarios(func([]byte) ([]byte, bool, func()) { return st, true, nil }); err != nil {
		t.Fatal(err)
	}
	m := mocktest.New(t, mock.Options{Store: url})
	m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)
	m.Call("alipay.trade.close", `{"out_trade_no":"none"}`) // a counted call: the replica writes the list
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
	if !strings.Contains(strings.Join(paths, " "), "old.yaml") {
		t.Errorf("the stored list after the new replica's first counted call holds %v: the older replicas' upload old.yaml was deleted for all, without a word", paths)
	}
}
