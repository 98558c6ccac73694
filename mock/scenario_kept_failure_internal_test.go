package mock

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// With --data, a call whose scenario count the data directory could not
// take is a store failure (20000), no rule acting, as with --store; so is
// a scenario change through the control API (503).
func TestScenarioCountNotKeptIsAStoreFailure(t *testing.T) {
	d := newRestartDir(t, "success", func(o *Options) {
		f, err := scenarios.Parse("once.yaml", []byte(onceRefusalScenario), nil)
		if err != nil {
			t.Fatal(err)
		}
		o.Scenarios = []*scenarios.File{f}
	})
	s, c, _ := d.start()
	_ = s.db.Close() // every write fails from now on
	_, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: "NO-SUCH"})
	var aerr *client.Error
	if !errors.As(err, &aerr) || aerr.Code != "20000" {
		t.Fatalf("a query whose count was not stored: %v, want 20000 with no rule acting", err)
	}
	resp, err := http.Post(d.url+"/_mock/scenarios", "application/yaml", strings.NewReader(onceRefusalScenario))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a scenario upload not stored: %s, want 503", resp.Status)
	}
}
