package mock_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// An upload the previous build accepted and stored (--data) that this
// build's new checks refuse (then.fields naming msg, then.delay on a page
// method, a count that is not whole) vanishes at the next start without a
// word: nothing listed, nothing logged, no refusal to start.
func TestRvscStoredScenarioRefusedByNewChecksIsDroppedSilently(t *testing.T) {
	for name, src := range map[string]string{
		"fields.msg": "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {fields: {msg: changed}}\n",
		"page delay": "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.page.pay}\n    then: {delay: 1s}\n",
		// the control: a file both builds take is listed after the restart
		"control":   "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n",
		"times 1.5": "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: 1.5\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := store.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := json.Marshal(map[string]any{"marks": 1, "scopes": []any{map[string]any{"app": "", "files": []any{
				map[string]any{"path": "uploaded.yaml", "src": []byte(src), "app_id": "", "state": "Started", "rules": [][2]int{{0, 0}}},
			}}}})
			if err := db.QueueScenarios(st)(); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			var logs syncBuffer
			m := mocktest.New(t, mock.Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			listed := string(m.Control("GET", "/scenarios", nil, 200))
			if !strings.Contains(listed, "uploaded") && !strings.Contains(logs.String(), "uploaded") {
				t.Fatalf("the stored upload is gone without a word: neither GET /_mock/scenarios (%d bytes) nor the log %q names it", len(listed), logs.String())
			}
		})
	}
}
