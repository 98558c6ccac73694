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
