package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The regexes of the scenario files in force are bounded, every file
// together, not only their text: ten "[a-z]{1000}" in 1 KB keep about
// 400 KB, so the 8 MiB text bound let uploads keep GBs. The upload past
// the bound is 413 and changes nothing; what the taken ones keep stays
// in tens of MB.
func TestScenarioRegexesInForceAreBounded(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < 10; i++ {
		b.WriteString("- {when: {method: alipay.trade.query, biz: {out_trade_no: {regex: \"[a-z]{1000}\"}}}, then: {fault: drop}}\n")
	}
	file := b.String()
	upload := func(name string) (int, string) {
		resp, err := http.Post(m.URL+"/_mock/scenarios?name="+name, "application/yaml", strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	before := liveHeap()
	taken := 0
	for ; taken < 1000; taken++ { // the text bound alone takes about 8,000
		code, body := upload(fmt.Sprintf("r%d", taken))
		if code == http.StatusCreated {
			continue
		}
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "regexes") {
			t.Fatalf("upload %d: HTTP %d %s, want 201 or 413 naming the regexes", taken, code, body)
		}
		break
	}
	kept := liveHeap() - before
	t.Logf("%d uploads of %d bytes taken, keeping %.0f bytes", taken, len(file), kept)
	if taken == 1000 {
		t.Fatalf("%d uploads of ten [a-z]{1000} each taken: the regexes in force are not bounded", taken)
	}
	if kept > 128<<20 {
		t.Errorf("the uploads taken keep %.0f MB", kept/(1<<20))
	}
	list := string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK))
	if !strings.Contains(list, fmt.Sprintf(`"r%d"`, taken-1)) || strings.Contains(list, fmt.Sprintf(`"r%d"`, taken)) {
		t.Errorf("the refused upload changed the list: %.300s", list)
	}
	m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	if code, body := upload("again"); code != http.StatusCreated {
		t.Errorf("an upload after a delete made room: HTTP %d %s", code, body)
	}
}

// callWithHeaders posts a signed dev-app call with extra headers and
// returns the answer's fields.
func callWithHeaders(t *testing.T, m *mocktest.Mock, method, biz string, h map[string]string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, m.URL+"/gateway.do", strings.NewReader(mocktest.Form(m.Params(method, biz, nil)).Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return m.Verify(method, m.Read(resp), true)
}

// The X-Alipay-Mock header answers its own request alone: a rule neither
// counts nor acts on it, so a "times: 1" outcome chain still gives its
// one answer to the next request without the header, and the list says
// the rule has not acted.
func TestOutcomeHeaderLeavesRuleTimesAlone(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control(http.MethodPost, "/scenarios", "name: once\nrules:\n  - name: fail once\n    when: {method: alipay.trade.query}\n"+
		"    times: 1\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n", http.StatusCreated)
	biz := `{"out_trade_no":"HDR-TIMES-1"}`
	for _, h := range []string{"code=20000", "code=20000&execute=true"} {
		if first := callWithHeaders(t, m, "alipay.trade.query", biz, map[string]string{"X-Alipay-Mock": h}); first["code"] != "20000" {
			t.Fatalf("header-forced call (%s): %v", h, first)
		}
	}
	if list := string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)); !strings.Contains(list, `"acted":[0]`) {
		t.Errorf("after header-forced calls only, the rule is listed as having acted: %.400s", list)
	}
	second := callWithHeaders(t, m, "alipay.trade.query", biz, nil)
	if second["sub_code"] != "ACQ.SYSTEM_ERROR" {
		t.Errorf("the rule's one answer never came: after header-forced calls the next query answered %v %v",
			second["code"], second["sub_code"])
	}
}

// With --data, a rule that counts (times, nth) or uses states costs only
// the requests that reach it for their method: a precreate no rule names
// matches on the copy in memory, as with no counting rule in force, and
// does not decode and encode the whole kept list (1 MiB of text here,
// about 6 MB a request, under one lock for every request). A close the
// rule counts writes the list, encoded once, not decoded again (was
// about 9 MB).
func TestCountingRuleCostsOnlyTheRequestsThatReachIt(t *testing.T) {
	m := mocktest.New(t, mock.Options{DataDir: t.TempDir(), NoMagicAmounts: true})
	big := "# " + strings.Repeat("x", 1<<20-300) + "\nname: big\nrules:\n  - when: {method: alipay.trade.query}\n    then: {fault: drop}\n"
	m.Control(http.MethodPost, "/scenarios?name=big", big, http.StatusCreated)
	const n = 20
	precreates := func(prefix string) uint64 {
		return mocktest.AllocatedBy(func() {
			for i := 0; i < n; i++ {
				m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"%s-%d","total_amount":"1.00","subject":"s"}`, prefix, i))
			}
		})
	}
	plain := precreates("COST-A") / n
	m.Control(http.MethodPost, "/scenarios?name=counting", "name: counting\nrules:\n  - when: {method: alipay.trade.close}\n    times: 1\n    then: {respond: {code: \"40004\"}}\n", http.StatusCreated)
	counting := precreates("COST-B") / n
	t.Logf("a precreate no rule names allocates %d bytes, %d once a close rule counts", plain, counting)
	if counting > plain+(256<<10) {
		t.Errorf("a rule that counts closes makes every precreate allocate %d bytes (was %d): the kept list is decoded and encoded on every request", counting, plain)
	}
	closes := mocktest.AllocatedBy(func() {
		for i := 0; i < n; i++ {
			m.Call("alipay.trade.close", fmt.Sprintf(`{"out_trade_no":"COST-B-%d"}`, i))
		}
	}) / n
	t.Logf("a close the rule counts allocates %d bytes", closes)
	bound := uint64(6 << 20) // ~4 MB, was ~9 MB
	if raceDetector {
		bound = 19 << 19 // ~6-7 MB, was 12-14 MB: no pooled buffers
	}
	if closes > bound {
		t.Errorf("a close the rule counts allocates %d bytes for 1 MiB of text in force: the list is decoded or encoded more than once", closes)
	}
}
