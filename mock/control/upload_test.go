package control_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// send posts body with a Content-Type (none when ct is "") and returns the
// status and the answer.
func send(t *testing.T, m *mocktest.Mock, method, path, ct string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, m.URL+"/_mock"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// curlD is what curl -d @file sends: the file without its line breaks.
func curlD(file string) []byte { return []byte(strings.NewReplacer("\r", "", "\n", "").Replace(file)) }

const goodScenario = `# a comment first, as the shipped examples have
name: slow-query
rules:
  - when: {method: alipay.trade.query}
    then: {delay: 1s}
`

// POST /_mock/apps takes JSON sent as JSON; anything else gets 415 saying
// how to send it, not a problem with an app it could not read.
func TestAddAppNeedsJSON(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	app := `{"app_id":"9021000100000077","public_key":"` + keys.PublicBase64(&keys.DevAppPrivateKey().PublicKey) + `"}`
	for _, tc := range []struct {
		name, ct string
		status   int
		say      string
	}{
		{"curl -d", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType,
			"body must be JSON sent with Content-Type: application/json (got Content-Type application/x-www-form-urlencoded, which curl -d sends unless told otherwise); with curl add -H 'Content-Type: application/json'"},
		{"no Content-Type", "", http.StatusUnsupportedMediaType,
			"body must be JSON sent with Content-Type: application/json (got no Content-Type); with curl add -H 'Content-Type: application/json'"},
		{"text/plain", "text/plain", http.StatusUnsupportedMediaType, "(got Content-Type text/plain)"},
		{"JSON", "application/json; charset=utf-8", http.StatusCreated, `"app_id":"9021000100000077"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(t, m, "POST", "/apps", tc.ct, []byte(app))
			if status != tc.status || !strings.Contains(body, tc.say) {
				t.Errorf("HTTP %d %s\nwant %d saying %q", status, body, tc.status, tc.say)
			}
			if strings.Contains(body, "16 digits") {
				t.Errorf("blames the app id: %s", body)
			}
		})
	}
}

// A scenario file sent the way curl -d sends it (form type, line breaks
// gone) is refused with the way to send it; --data-binary's form type
// with the line breaks intact is read as the YAML it is.
func TestScenarioUploadSentAsForm(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const form = "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, ct string
		body     []byte
		status   int
		say      string
	}{
		{"curl -d, comment first", form, curlD(goodScenario), http.StatusBadRequest,
			`"error":"the body came as a form (Content-Type: application/x-www-form-urlencoded) without line breaks: curl -d strips them from a file; send it with --data-binary @FILE -H 'Content-Type: application/yaml'"`},
		{"curl -d, no comment", form, curlD("name: x\nrules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 1s}\n"), http.StatusBadRequest, "--data-binary @FILE"},
		{"curl -F", "multipart/form-data; boundary=x", []byte("--x\r\n\r\n" + goodScenario + "\r\n--x--\r\n"), http.StatusBadRequest, "curl -F"},
		{"--data-binary", form, []byte(goodScenario), http.StatusCreated, `"name":"slow-query"`},
		{"YAML", "application/yaml", []byte(goodScenario), http.StatusCreated, `"name":"slow-query"`},
		{"no Content-Type", "", []byte(goodScenario), http.StatusCreated, `"name":"slow-query"`},
		{"broken YAML sent as YAML", "application/yaml", []byte("rules: {"), http.StatusBadRequest, `"error":"invalid scenario"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(t, m, "POST", "/scenarios", tc.ct, tc.body)
			if status != tc.status || !strings.Contains(body, tc.say) {
				t.Errorf("HTTP %d %s\nwant %d saying %s", status, body, tc.status, tc.say)
			}
		})
	}
	// multipart.Writer's own framing, as curl -F builds it.
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", "s.yaml")
	fw.Write([]byte(goodScenario))
	w.Close()
	if status, body := send(t, m, "PUT", "/scenarios", w.FormDataContentType(), buf.Bytes()); status != http.StatusBadRequest || !strings.Contains(body, "--data-binary") {
		t.Errorf("multipart: HTTP %d %s", status, body)
	}
}

// The control API's 400 lists every problem of an upload with its line,
// rule and whole message, and keeps what was in force.
func TestScenarioUploadListsEveryProblem(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	file := `name: broken
rules:
  - name: matcher
    when:
      method: alipay.trade.query
      biz: {out_trade_no: {prefx: "X-"}}
    then: {delay: 1s}
  - name: buyer
    when: {method: alipay.trade.precreate}
    then:
      buyer: {pay_after: banana}
  - name: code
    when: {method: alipay.trade.pay}
    then: {respond: {code: "12345"}}
`
	for _, method := range []string{"PUT", "POST"} {
		status, body := send(t, m, method, "/scenarios?name=broken", "application/yaml", []byte(file))
		var got struct {
			Error    string              `json:"error"`
			Problems []scenarios.Problem `json:"problems"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil || status != http.StatusBadRequest {
			t.Fatalf("%s: HTTP %d %s", method, status, body)
		}
		want := []scenarios.Problem{
			{Path: "broken.yaml", Line: 6, Msg: `unknown field "prefx" in a condition (known: equals, prefix, regex, range, absent)`, Rule: "matcher"},
			{Path: "broken.yaml", Line: 11, Msg: `"banana" is not a duration such as 5s or 4m`, Rule: "buyer"},
			{Path: "broken.yaml", Line: 14, Msg: `code: respond.code "12345" is not an Alipay code`, Rule: "code"},
		}
		if len(got.Problems) != len(want) {
			t.Fatalf("%s: problems %+v, want %+v", method, got.Problems, want)
		}
		for i := range want {
			if got.Problems[i] != want[i] {
				t.Errorf("%s: problem %d is %#v, want %#v", method, i, got.Problems[i], want[i])
			}
		}
	}
	var list map[string][]scenarios.Status
	m.ControlJSON("GET", "/scenarios", nil, http.StatusOK, &list)
	if len(list["global"]) != 1 || list["global"][0].File.Name != "magic-amounts" {
		t.Errorf("a refused upload changed what is in force: %+v", list)
	}
}

// An upload nested deeper than the format can use is refused with one
// problem at the line that goes too deep, before the check walks it.
func TestScenarioUploadTooDeep(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	file := "name: deep\nrules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 1s}\nx: " +
		strings.Repeat("{a: ", 5_000) + "1" + strings.Repeat("}", 5_000) + "\n"
	status, body := send(t, m, "PUT", "/scenarios?name=deep", "application/yaml", []byte(file))
	var got struct {
		Problems []scenarios.Problem `json:"problems"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || status != http.StatusBadRequest {
		t.Fatalf("HTTP %d %s", status, body)
	}
	want := scenarios.Problem{Path: "deep.yaml", Line: 5,
		Msg: fmt.Sprintf("the file nests deeper than %d levels: a scenario needs at most 8 (see docs/scenarios.md)", scenarios.MaxDepth)}
	if len(got.Problems) != 1 || got.Problems[0] != want {
		t.Fatalf("problems %+v, want %+v", got.Problems, want)
	}
	var list map[string][]scenarios.Status
	m.ControlJSON("GET", "/scenarios", nil, http.StatusOK, &list)
	if len(list["global"]) != 1 || list["global"][0].File.Name != "magic-amounts" {
		t.Errorf("a refused upload changed what is in force: %+v", list)
	}
}

// The magic amounts are built in: clearing every scope and replacing the
// global one leave them (the answer says what it kept), a rule of the
// user's for the same amount acts before them, reset restarts them, and
// only NoMagicAmounts (--no-magic-amounts) turns them off.
func TestMagicAmountsStayUntilTheirFlag(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	magic := func(out string) string {
		t.Helper()
		_, err := c.Precreate(t.Context(), client.PrecreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("20000.00"), Subject: "magic"}})
		var ae *client.Error
		if e, ok := err.(*client.Error); ok {
			ae = e
		}
		if ae == nil {
			return "no error: " + errString(err)
		}
		return ae.Code
	}
	acted := func() int {
		t.Helper()
		var list map[string][]scenarios.Status
		m.ControlJSON("GET", "/scenarios", nil, http.StatusOK, &list)
		for _, st := range list["global"] {
			if st.Builtin && st.File.Name == "magic-amounts" {
				return st.Acted[0]
			}
		}
		t.Fatalf("magic amounts not listed: %+v", list)
		return 0
	}
	if got := magic("M1"); got != "20000" {
		t.Fatalf("before: %s", got)
	}
	for i, path := range []string{"/scenarios?all=true", "/scenarios"} {
		var ans struct {
			Status string   `json:"status"`
			Kept   []string `json:"kept"`
			Note   string   `json:"note"`
		}
		m.ControlJSON("DELETE", path, nil, http.StatusOK, &ans)
		if ans.Status != "cleared" || len(ans.Kept) != 1 || ans.Kept[0] != "magic-amounts" || !strings.Contains(ans.Note, "--no-magic-amounts") {
			t.Errorf("DELETE %s: %+v", path, ans)
		}
		if got := magic(fmt.Sprintf("MD%d", i)); got != "20000" {
			t.Errorf("after DELETE %s: %s", path, got)
		}
	}
	var scoped struct {
		Kept []string `json:"kept"`
	}
	m.ControlJSON("DELETE", "/scenarios?app_id="+keys.DevAppID, nil, http.StatusOK, &scoped)
	if scoped.Kept != nil {
		t.Errorf("clearing an app's scope keeps nothing global: %+v", scoped)
	}
	// A global rule of the user's for the same amount acts first.
	m.Control("PUT", "/scenarios", "rules:\n  - when: {method: alipay.trade.precreate, biz: {total_amount: \"20000.00\"}}\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n", http.StatusOK)
	if got := magic("M2"); got != "40004" {
		t.Errorf("the user's rule: %s", got)
	}
	m.Control("DELETE", "/scenarios", nil, http.StatusOK)
	if got := magic("M3"); got != "20000" {
		t.Errorf("after the user's rule went: %s", got)
	}
	if n := acted(); n != 4 {
		t.Errorf("the first magic rule acted %d times, want 4", n)
	}
	m.Control("POST", "/reset", nil, http.StatusOK)
	if n := acted(); n != 0 {
		t.Errorf("after reset it acted %d times, want 0", n)
	}
	if got := magic("M4"); got != "20000" {
		t.Errorf("after reset: %s", got)
	}

	off := mocktest.New(t, mock.Options{NoMagicAmounts: true})
	var ans map[string]any
	off.ControlJSON("DELETE", "/scenarios?all=true", nil, http.StatusOK, &ans)
	if _, ok := ans["kept"]; ok {
		t.Errorf("nothing built in to keep: %v", ans)
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// lockedBuffer is a log sink the handlers write to while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "scenario loaded" {
			delete(m, "time")
			delete(m, "level")
			delete(m, "msg")
			out = append(out, m)
		}
	}
	return out
}

// Every scenario load logs one line: name, scope, rules and where from.
func TestScenarioLoadsAreLogged(t *testing.T) {
	var logs lockedBuffer
	f, err := scenarios.Parse("scenarios/slow.yaml", []byte(goodScenario), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := mocktest.New(t, mock.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Scenarios: []*scenarios.File{f}})
	m.Control("PUT", "/scenarios?app_id="+keys.DevAppID+"&name=mine", goodScenario, http.StatusOK)
	m.Control("POST", "/scenarios", "name: two\nrules:\n  - when: {method: alipay.trade.pay}\n    then: {delay: 1s}\n  - when: {method: alipay.trade.query}\n    then: {delay: 2s}\n", http.StatusCreated)
	send(t, m, "POST", "/scenarios", "application/yaml", []byte("rules: {")) // refused: no line
	magic, err := scenarios.MagicAmounts(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"from":"built in (--no-magic-amounts turns it off)","name":"magic-amounts","rules":` + strconv.Itoa(len(magic.Rules)) + `,"scope":"global"}`,
		`{"from":"scenarios/slow.yaml","name":"slow-query","rules":1,"scope":"global"}`,
		`{"from":"control API PUT","name":"slow-query","rules":1,"scope":"` + keys.DevAppID + `"}`,
		`{"from":"control API POST","name":"two","rules":2,"scope":"global"}`,
	}
	got := logs.lines()
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		if b, _ := json.Marshal(got[i]); string(b) != w {
			t.Errorf("line %d: %s, want %s", i, b, w)
		}
	}
}
