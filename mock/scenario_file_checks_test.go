package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
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
