package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// postScenario uploads a scenario file and returns the HTTP status.
func postScenario(t *testing.T, m *mocktest.Mock, query, file string) int {
	t.Helper()
	resp, err := http.Post(m.URL+"/_mock/scenarios"+query, "application/yaml", strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A scenario file of two YAML documents (rules joined with "---", as
// people join Kubernetes manifests) is refused at the line of the "---":
// the second document's rules would otherwise be dropped without a word.
func TestScenarioSecondYAMLDocumentRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{NoMagicAmounts: true})
	file := "name: a\nrules:\n  - when: {method: alipay.trade.query}\n    then: {fault: drop}\n" +
		"---\nname: b\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n"
	var got struct {
		Problems []scenarios.Problem `json:"problems"`
	}
	m.ControlJSON(http.MethodPost, "/scenarios", file, http.StatusBadRequest, &got)
	if len(got.Problems) != 1 || got.Problems[0].Line != 5 {
		t.Errorf("upload of two documents: problems %+v, want one at line 5 (the ---)", got.Problems)
	}
}

// A negative pay_after_queries is a problem of the file, as times: -1 is.
func TestScenarioNegativePayAfterQueriesRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	file := "name: neg\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 0s, pay_after_queries: -1}}\n"
	if code := postScenario(t, m, "", file); code != http.StatusBadRequest {
		t.Errorf("buyer.pay_after_queries -1: HTTP %d, want 400 (a problem of the file)", code)
	}
}

// A file's own app_id naming no app is refused as ?app_id= of it is: a
// typo in the file is not a scenario that silently never acts.
func TestScenarioFileAppIDOfNoAppRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	file := "name: typo\napp_id: \"9021000100009999\"\nrules:\n  - when: {method: alipay.trade.query}\n    then: {fault: drop}\n"
	inFile := postScenario(t, m, "", file)
	inQuery := postScenario(t, m, "?app_id=9021000100009999", strings.Replace(file, "app_id: \"9021000100009999\"\n", "", 1))
	if inFile != http.StatusBadRequest || inQuery != http.StatusBadRequest {
		t.Errorf("an unknown app in the file: HTTP %d; the same app as ?app_id=: HTTP %d; want 400 for both", inFile, inQuery)
	}
}

// Magic amounts are amounts: 20000.00 yuan written "20000", "20000.0" or
// as a JSON number gets the 20000 the table promises, as Alipay takes
// them all as the same total.
func TestMagicAmountsMatchTheAmountNotItsText(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, total := range []string{`"20000"`, `"20000.0"`, `20000.00`, `20000`} {
		got := m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"MAGIC-TEXT-%d","total_amount":%s,"subject":"s"}`, i, total))
		if got["code"] != "20000" {
			t.Errorf("precreate of total_amount %s: code %v, want 20000 (the magic amount 20000.00)", total, got["code"])
		}
	}
	// An amount the gateway refuses is refused, magic or not.
	for i, total := range []string{`"20000.000"`, `"+20000"`, `2e4`} {
		got := m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"MAGIC-BAD-%d","total_amount":%s,"subject":"s"}`, i, total))
		if got["sub_code"] != "ACQ.INVALID_PARAMETER" {
			t.Errorf("precreate of total_amount %s: code %v %v, want 40004 ACQ.INVALID_PARAMETER (not an amount)", total, got["code"], got["sub_code"])
		}
	}
}

// A Kubernetes ConfigMap mounted as the scenario directory holds each
// file twice: the real file in a timestamped directory
// (..2026_12_07_09_00_00.1) and a symlink to it at the top
// (once.yaml -> ..data/once.yaml). Each file loads once, so a times: 1
// rule acts once.
func TestConfigMapScenarioDirLoadsEachFileOnce(t *testing.T) {
	dir := t.TempDir()
	stamp := filepath.Join(dir, "..2026_12_07_09_00_00.1")
	if err := os.Mkdir(stamp, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "name: once\nrules:\n  - when: {method: alipay.trade.query}\n    times: 1\n" +
		"    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n"
	if err := os.WriteFile(filepath.Join(stamp, "once.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(stamp), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "once.yaml"), filepath.Join(dir, "once.yaml")); err != nil {
		t.Fatal(err)
	}
	files, err := scenarios.LoadPath(dir, gateway.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	m := mocktest.New(t, mock.Options{Scenarios: files})
	scripted := 0
	for i := 0; i < 3; i++ {
		if m.Call("alipay.trade.query", `{"out_trade_no":"CM-ONCE-1"}`)["sub_code"] == "ACQ.SYSTEM_ERROR" {
			scripted++
		}
	}
	if len(files) != 1 || scripted != 1 {
		var paths []string
		for _, f := range files {
			paths = append(paths, f.Path)
		}
		t.Errorf("a ConfigMap of one file: %d files loaded %v; the times: 1 rule acted %d times", len(files), paths, scripted)
	}
}

// A buyer that never pays beside a time to pay is a contradiction, a
// problem of the file, not a buyer who pays; so is a failure planned at
// or after the payment. never: true alone loads, and the trade times out.
func TestNeverPayingBuyerBesidePayAfterRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	file := "name: never\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {never: true, scan_after: 0s, pay_after: 1m}}\n"
	if code := postScenario(t, m, "", file); code != http.StatusBadRequest {
		m.Call("alipay.trade.precreate", `{"out_trade_no":"NEVER-PAYS-1","total_amount":"1.00","subject":"s"}`)
		m.Advance("2m")
		got := m.Call("alipay.trade.query", `{"out_trade_no":"NEVER-PAYS-1"}`)
		t.Errorf("a buyer with never: true and pay_after loaded (HTTP %d), want 400; the trade is %v", code, got["trade_status"])
	}
	for _, buyer := range []string{"{never: true, pay_after_queries: 2}", "{scan_after: 0s, pay_after: 1m, fail_after: 1m}"} {
		file := "name: contra\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: " + buyer + "}\n"
		if code := postScenario(t, m, "", file); code != http.StatusBadRequest {
			t.Errorf("buyer %s: HTTP %d, want 400", buyer, code)
		}
	}
	alone := "name: alone\nrules:\n  - when: {method: alipay.trade.precreate, biz: {out_trade_no: ALONE-1}}\n    then: {buyer: {scan_after: 0s, never: true}}\n"
	m.Control(http.MethodPost, "/scenarios", alone, http.StatusCreated)
	m.Call("alipay.trade.precreate", `{"out_trade_no":"ALONE-1","total_amount":"1.00","subject":"s","timeout_express":"5m"}`)
	m.Advance("6m")
	if got := m.Call("alipay.trade.query", `{"out_trade_no":"ALONE-1"}`); got["trade_status"] != "TRADE_CLOSED" {
		t.Errorf("a buyer with never: true alone: %v after its timeout, want TRADE_CLOSED", got["trade_status"])
	}
}

// A scenario upload over its 1 MiB bound answers 413, as every other
// control API body over its bound does.
func TestScenarioUploadOverBoundIs413(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	body := "# " + strings.Repeat("x", 1<<20) + "\nname: big\nrules:\n  - when: {method: alipay.trade.query}\n    then: {fault: drop}\n"
	resp, err := http.Post(m.URL+"/_mock/scenarios", "application/yaml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an upload over 1 MiB: HTTP %d %s, want 413", resp.StatusCode, b)
	}
}
