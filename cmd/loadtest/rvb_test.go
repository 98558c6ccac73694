package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Open model: a stall's victims must count in the percentiles. Ten
// precreates arrive 100 ms apart on one connection; the 5th is held 2.5 s
// (a scenario). The five behind it are still queued a second after the
// end, so they are dropped as "late" and left out of the latency, which
// then shows the four fast answers: p50 of a few milliseconds while six
// of the ten arrivals waited at least 2 s (the five were never answered).
// That is coordinated omission: the percentiles must count every arrival
// (a late one at least for the time it waited), or not be given as the
// run's.
func TestRvbLoadtestLateArrivalsLeftOutOfLatency(t *testing.T) {
	srv := startMock(t)
	rule := "name: stall\nrules:\n  - when: {method: alipay.trade.precreate, nth: 5}\n    then: {delay: 2500ms}\n"
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/_mock/scenarios", strings.NewReader(rule))
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("scenario: HTTP %d", resp.StatusCode)
	}
	out := loadtest(t, srv, "-json", "-rate", "10", "-arrival", "fixed", "-d", "1s", "-c", "1", "-method", "precreate")
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	t.Logf("answered %d, late %d, latency %+v", rep.Requests.Answered, rep.Requests.Late, rep.Latency)
	if rep.Requests.Late > 0 && rep.Latency.P50 < 1000 {
		t.Errorf("%d of %d arrivals late (each waited ≥ 2 s, never answered), yet p50 %.1f ms, p90 %.1f ms: the late arrivals are left out of the percentiles",
			rep.Requests.Late, rep.Requests.Late+rep.Requests.Sent, rep.Latency.P50, rep.Latency.P90)
	}
}
