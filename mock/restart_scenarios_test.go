package mock_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// With --data the scenarios' counters and states outlive a restart, as
// with --store: a times: 1 rule that acted does not act again, a stateful
// scenario goes on from the state it reached, and a reset puts both back
// at their start on disk too.

const onceScenario = `name: once
rules:
  - name: one refusal
    when: {method: alipay.trade.query}
    times: 1
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "scripted once"}}
`

func scenarioFile(t *testing.T, path, yaml string) func() []*scenarios.File {
	return func() []*scenarios.File {
		f, err := scenarios.Parse(path, []byte(yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		return []*scenarios.File{f}
	}
}

// refusalScenario is a scenario file, name, of one rule that refuses
// every call of method with sub_msg subMsg.
func refusalScenario(name, method, subMsg string) string {
	return "name: " + name + `
rules:
  - name: refusal
    when: {method: ` + method + `}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "` + subMsg + `"}}
`
}

// scripted counts the queries, of n, a rule answered with sub_msg.
func scripted(m *mocktest.Mock, n int, subMsg string) int {
	k := 0
	for range n {
		if r := m.Call("alipay.trade.query", `{"out_trade_no":"NO-SUCH"}`); r["sub_msg"] == subMsg {
			k++
		}
	}
	return k
}

// answers are the sub_msgs of n queries, in order.
func answers(m *mocktest.Mock, n int) []string {
	var out []string
	for range n {
		r := m.Call("alipay.trade.query", `{"out_trade_no":"NO-SUCH"}`)
		s, _ := r["sub_msg"].(string)
		out = append(out, s)
	}
	return out
}

func restart(t *testing.T, m *mocktest.Mock, o mock.Options) *mocktest.Mock {
	t.Helper()
	if err := m.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	return mocktest.New(t, o)
}

func TestTimesOneRuleDoesNotActAgainAfterRestart(t *testing.T) {
	o := mock.Options{DataDir: t.TempDir(), Scenarios: scenarioFile(t, "once.yaml", onceScenario)()}
	m := mocktest.New(t, o)
	if n := scripted(m, 1, "scripted once"); n != 1 {
		t.Fatalf("the times: 1 rule acted %d times on the first query, want 1", n)
	}
	o.Scenarios = scenarioFile(t, "once.yaml", onceScenario)()
	m = restart(t, m, o)
	if n := scripted(m, 2, "scripted once"); n != 0 {
		t.Fatalf("after a restart the used-up times: 1 rule acted %d times, want 0", n)
	}
}

// A scenario loaded through the control API is kept with its counters,
// as one given at start.
func TestUploadedScenarioKeepsItsCounterAcrossRestart(t *testing.T) {
	o := mock.Options{DataDir: t.TempDir()}
	m := mocktest.New(t, o)
	m.Control(http.MethodPost, "/scenarios", onceScenario, http.StatusCreated)
	if n := scripted(m, 1, "scripted once"); n != 1 {
		t.Fatalf("the times: 1 rule acted %d times on the first query, want 1", n)
	}
	m = restart(t, m, o)
	if !strings.Contains(string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)), "one refusal") {
		t.Fatal("the uploaded scenario is not in force after a restart")
	}
	if n := scripted(m, 2, "scripted once"); n != 0 {
		t.Fatalf("after a restart the used-up times: 1 rule acted %d times, want 0", n)
	}
	// Loading it again puts a fresh copy in force, with its own counter.
	m.Control(http.MethodPut, "/scenarios", onceScenario, http.StatusOK)
	m = restart(t, m, o)
	if n := scripted(m, 2, "scripted once"); n != 1 {
		t.Fatalf("after replacing the scenario and a restart, its times: 1 rule acted %d times, want 1", n)
	}
}

const statesScenario = `name: states
rules:
  - name: first
    when: {method: alipay.trade.query, state: Started}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "in Started"}, set_state: Second}
  - name: second
    when: {method: alipay.trade.query, state: Second}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "in Second"}}
`

func TestScenarioStateSurvivesRestart(t *testing.T) {
	file := scenarioFile(t, "states.yaml", statesScenario)
	o := mock.Options{DataDir: t.TempDir(), Scenarios: file()}
	m := mocktest.New(t, o)
	if n := scripted(m, 1, "in Started"); n != 1 {
		t.Fatal("the first query was not answered in the state Started")
	}
	o.Scenarios = file()
	m = restart(t, m, o)
	if n := scripted(m, 1, "in Second"); n != 1 {
		t.Fatal("after a restart the scenario is no longer in the state Second it moved to")
	}
}

func TestResetRestartsKeptScenarioCountersAndStates(t *testing.T) {
	once := scenarioFile(t, "once.yaml", onceScenario)
	states := scenarioFile(t, "states.yaml", statesScenario)
	files := func() []*scenarios.File { return append(once(), states()...) }
	o := mock.Options{DataDir: t.TempDir(), Scenarios: files()}
	m := mocktest.New(t, o)
	if n := scripted(m, 2, "scripted once"); n != 1 { // the second query moves states to Second
		t.Fatalf("the times: 1 rule acted %d times, want 1", n)
	}
	o.Scenarios = files()
	m = restart(t, m, o)
	if n := scripted(m, 1, "in Second"); n != 1 {
		t.Fatal("after a restart the used-up rule acted, or the state Second was lost")
	}
	m.Control(http.MethodPost, "/reset", nil, http.StatusOK)
	o.Scenarios = files()
	m = restart(t, m, o)
	if got := answers(m, 3); !slices.Equal(got, []string{"scripted once", "in Started", "in Second"}) {
		t.Fatalf("after a reset and a restart the queries were answered %q, want the times: 1 rule, then the states from Started", got)
	}
}

// A file given at start that differs from the stored one of its path
// (edited between runs) replaces it in place: the edit is what acts, with
// its counters from zero, where the stored one stood; the other files keep
// theirs.
func TestEditedScenarioFileReplacesTheStoredOneAtRestart(t *testing.T) {
	edited := `name: once
rules:
  - name: one refusal
    when: {method: alipay.trade.query}
    times: 1
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "edited once"}}
`
	states := scenarioFile(t, "states.yaml", statesScenario)
	o := mock.Options{DataDir: t.TempDir(), Scenarios: append(scenarioFile(t, "once.yaml", onceScenario)(), states()...)}
	m := mocktest.New(t, o)
	if got := answers(m, 2); !slices.Equal(got, []string{"scripted once", "in Started"}) {
		t.Fatalf("the queries were answered %q, want the times: 1 rule, then the states' first", got)
	}
	o.Scenarios = append(scenarioFile(t, "once.yaml", edited)(), states()...)
	m = restart(t, m, o)
	if got := answers(m, 2); !slices.Equal(got, []string{"edited once", "in Second"}) {
		t.Fatalf("after the restart with once.yaml edited the queries were answered %q, want the edited rule first, then the states going on in Second", got)
	}
	if n := strings.Count(string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)), `"path":"once.yaml"`); n != 1 {
		t.Fatalf("once.yaml is in force %d times after the restart, want once (the edited text)", n)
	}
}

// A file given at start edited to name an app_id (another scope) replaces
// the stored one of its path as any edit does: the old, global text is
// not left in force beside it.
func TestScenarioFileEditedToAnAppReplacesTheStoredOneAtRestart(t *testing.T) {
	old := refusalScenario("once", "alipay.trade.query", "old text")
	edited := "app_id: \"" + keys.DevAppID + "\"\n" + strings.Replace(old, "old text", "edited text", 1)
	o := mock.Options{DataDir: t.TempDir(), Scenarios: scenarioFile(t, "once.yaml", old)()}
	m := mocktest.New(t, o)
	if got := answers(m, 1); !slices.Equal(got, []string{"old text"}) {
		t.Fatalf("before the edit: %q", got)
	}
	o.Scenarios = scenarioFile(t, "once.yaml", edited)()
	m = restart(t, m, o)
	if n := strings.Count(string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)), `"path":"once.yaml"`); n != 1 {
		t.Fatalf("once.yaml is in force %d times after the restart with it edited, want once (the edited text)", n)
	}
}

// A file no longer given at start (its --scenario removed between runs) is
// gone after the restart, as without --data; what was loaded through the
// control API stays.
func TestScenarioFileRemovedBetweenRunsIsGoneAfterRestart(t *testing.T) {
	uploaded := refusalScenario("uploaded", "alipay.trade.refund", "uploaded")
	states := scenarioFile(t, "states.yaml", statesScenario)
	o := mock.Options{DataDir: t.TempDir(), Scenarios: append(scenarioFile(t, "once.yaml", onceScenario)(), states()...)}
	m := mocktest.New(t, o)
	m.Control(http.MethodPost, "/scenarios?name=uploaded", uploaded, http.StatusCreated)
	o.Scenarios = states()
	m = restart(t, m, o)
	list := string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK))
	if strings.Contains(list, `"path":"once.yaml"`) {
		t.Fatalf("once.yaml, no longer given at start, is still in force after the restart")
	}
	if !strings.Contains(list, `"path":"states.yaml"`) || !strings.Contains(list, `"path":"uploaded.yaml"`) {
		t.Fatalf("the file still given or the upload is gone after the restart")
	}
	if got := answers(m, 1); !slices.Equal(got, []string{"in Started"}) {
		t.Fatalf("after the restart the query was answered %q, want the states' first rule (once.yaml gone)", got)
	}
}

// A file loaded through the control API stays until PUT or DELETE
// /_mock/scenarios (docs/persistence.md), whatever --scenario files later
// starts give or drop: a start file that happens to share its path (an
// upload's path is NAME.yaml, as `--scenario NAME.yaml` is) neither
// replaces it nor takes it away with it when no longer given.
func TestUploadSharingAStartFilesPathSurvivesRestarts(t *testing.T) {
	uploaded := refusalScenario("uploaded", "alipay.trade.query", "uploaded")
	started := refusalScenario("started", "alipay.trade.refund", "started")
	o := mock.Options{DataDir: t.TempDir()}
	m := mocktest.New(t, o)
	m.Control(http.MethodPost, "/scenarios?name=once", uploaded, http.StatusCreated)
	if got := answers(m, 1); !slices.Equal(got, []string{"uploaded"}) {
		t.Fatalf("after the upload: %q", got)
	}
	// A start with a --scenario once.yaml of its own.
	o.Scenarios = scenarioFile(t, "once.yaml", started)()
	m = restart(t, m, o)
	if got := answers(m, 1); !slices.Equal(got, []string{"uploaded"}) {
		t.Errorf("after a start given once.yaml: the upload answered %q, want it still in force (the start file replaced it)", got)
	}
	// That --scenario removed again.
	o.Scenarios = nil
	m = restart(t, m, o)
	if got := answers(m, 1); !slices.Equal(got, []string{"uploaded"}) {
		t.Fatalf("after a start without once.yaml: the upload answered %q, want it still in force (dropped as a start file)", got)
	}
}

// Two files given at start under one path name in different scopes (a
// program's Options.Scenarios naming each file it parses the same) are
// both in force with --data, as they are without it: joining the stored
// list does not take one for an edit of the other.
func TestStartFilesOfOnePathInTwoScopesAreBothInForce(t *testing.T) {
	global := refusalScenario("global", "alipay.trade.query", "global")
	app := "app_id: \"" + keys.DevAppID + "\"\n" + refusalScenario("app", "alipay.trade.close", "app")
	files := func() []*scenarios.File {
		return append(scenarioFile(t, "s.yaml", global)(), scenarioFile(t, "s.yaml", app)()...)
	}
	for _, data := range []bool{false, true} {
		o := mock.Options{Scenarios: files()}
		if data {
			o.DataDir = t.TempDir()
		}
		m := mocktest.New(t, o)
		got := answers(m, 1)
		r := m.Call("alipay.trade.close", `{"out_trade_no":"NO-SUCH"}`)
		s, _ := r["sub_msg"].(string)
		got = append(got, s)
		if !slices.Equal(got, []string{"global", "app"}) {
			t.Errorf("--data %v: query and close answered %q, want both files' rules", data, got)
		}
	}
}

// Two files given at start under one path in one scope are both in force
// with --data, as without it, and each keeps its own counters.
func TestStartFilesOfOnePathInOneScopeAreBothInForce(t *testing.T) {
	second := strings.Replace(onceScenario, "scripted once", "second once", 1)
	files := func() []*scenarios.File {
		return append(scenarioFile(t, "s.yaml", onceScenario)(), scenarioFile(t, "s.yaml", second)()...)
	}
	o := mock.Options{DataDir: t.TempDir(), Scenarios: files()}
	m := mocktest.New(t, o)
	if got := answers(m, 1); !slices.Equal(got, []string{"scripted once"}) {
		t.Fatalf("the first query: %q, want the first file's times: 1 rule", got)
	}
	o.Scenarios = files()
	m = restart(t, m, o)
	if got := answers(m, 2); !slices.Equal(got, []string{"second once", "交易不存在"}) {
		t.Fatalf("after a restart the queries were answered %q, want the second file's times: 1 rule, then none (the first's used up)", got)
	}
}

// An upload an older build accepted and stored (--data) that this build's
// checks refuse (then.fields naming msg, then.delay on a page method, a
// count that is not whole, a buyer beside respond without execute, a scan
// after the payment, notify: {}) is not in force after the restart, and the log
// says so: a warning naming its path, its scope and its problems. A file
// both builds take is listed, with no such warning.
func TestStoredScenarioTheChecksRefuseIsLoggedAtStart(t *testing.T) {
	for name, src := range map[string]string{
		"fields.msg": "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {fields: {msg: changed}}\n",
		"page delay": "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.page.pay}\n    then: {delay: 1s}\n",
		"times 1.5":  "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: 1.5\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n",
		// Checks added since: a part that never acts beside respond without
		// execute, a buyer step after the trade ended, an empty action.
		"respond beside buyer": "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {respond: {code: \"20000\"}, buyer: {pay_after: 1s}}\n",
		"scan after pay":       "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 2s, pay_after: 1s}}\n",
		"empty notify":         "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {notify: {}}\n",
		"control":              "name: old\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := store.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := json.Marshal(map[string]any{"marks": 1, "scopes": []any{map[string]any{"app": keys.DevAppID, "files": []any{
				map[string]any{"path": "uploaded.yaml", "src": []byte(src), "app_id": keys.DevAppID, "state": "Started", "rules": [][2]int{{0, 0}}},
			}}}})
			if err := db.QueueScenarios(st)(); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			var logs syncBuffer
			m := mocktest.New(t, mock.Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			listed := strings.Contains(string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)), "uploaded.yaml")
			var warned string
			for l := range strings.Lines(logs.String()) {
				if strings.Contains(l, "level=WARN") && strings.Contains(l, "uploaded.yaml") {
					warned = l
				}
			}
			if name == "control" {
				if !listed || warned != "" {
					t.Fatalf("a stored file this build takes: listed %v, warned %q; want it listed, no warning", listed, warned)
				}
				return
			}
			if listed || !strings.Contains(warned, "scope="+keys.DevAppID) || !strings.Contains(warned, "problems=") {
				t.Fatalf("a stored file this build refuses: listed %v, warned %q; want it not in force and a warning naming its path, scope and problems\n%s", listed, warned, logs.String())
			}
		})
	}
}
