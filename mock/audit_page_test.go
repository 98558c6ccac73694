package mock_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The dashboard's audit page runs the audit from a form and shows each
// probe's finding; a cross-site form post is refused.
func TestDashboardAuditPage(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	shop := mocktest.NewMerchant(t, "success") // answers success to everything, forged or not
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"UI-1","total_amount":"8.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = shop.URL + "/n" }))
	m.Control("POST", "/trades/UI-1/scan", "", http.StatusOK)

	// The trade's page links the form, filled in for the trade.
	var tr struct {
		TradeNo string `json:"trade_no"`
	}
	m.ControlJSON("GET", "/trades/UI-1", "", http.StatusOK, &tr)
	status, body := auditGet(t, m.URL+"/_mock/ui/trades/"+tr.TradeNo)
	link := `/_mock/ui/audit?app_id=` + keys.DevAppID + `&amp;notify_url=` + url.QueryEscape(shop.URL+"/n") + `&amp;out_trade_no=UI-1`
	if status != http.StatusOK || !strings.Contains(body, `href="`+link+`" id="audit-link"`) {
		t.Errorf("the trade page does not link %s", link)
	}
	status, body = auditGet(t, m.URL+strings.ReplaceAll(link, "&amp;", "&"))
	if !strings.Contains(body, `value="`+shop.URL+`/n"`) || !strings.Contains(body, `value="UI-1"`) {
		t.Errorf("the form is not filled in for the trade")
	}
	for _, want := range []string{`<form method="post" action="/_mock/ui/audit"`, `value="forged-signature" checked`, `href="/_mock/ui/audit" class="active"`, "runs no command"} {
		if status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET: HTTP %d, lacks %q", status, want)
		}
	}

	form := url.Values{"notify_url": {shop.URL}, "app_id": {keys.DevAppID}, "out_trade_no": {"UI-1"},
		"probe": {"baseline", "forged-signature"}}
	status, body = auditPost(t, m.URL+"/_mock/ui/audit", form, nil)
	for _, want := range []string{`data-probe="baseline" data-finding="none"`, `data-probe="forged-signature" data-finding="security"`,
		`data-findings="1"`, `value="gbk">`} {
		if status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("POST: HTTP %d, lacks %q", status, want)
		}
	}
	if n := len(shop.Calls()); n != 2 {
		t.Errorf("the shop got %d requests, want 2", n)
	}

	form.Set("notify_url", "file:///etc/passwd")
	if status, body = auditPost(t, m.URL+"/_mock/ui/audit", form, nil); status != http.StatusBadRequest || !strings.Contains(body, "notify_url must be") {
		t.Errorf("bad notify_url: HTTP %d", status)
	}
	form.Set("notify_url", shop.URL)
	if status, _ = auditPost(t, m.URL+"/_mock/ui/audit", form, http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}); status != http.StatusForbidden {
		t.Errorf("cross-site post: HTTP %d", status)
	}
	if n := len(shop.Calls()); n != 2 {
		t.Errorf("refused posts sent %d more requests", n-2)
	}
}

func auditGet(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func auditPost(t *testing.T, u string, form url.Values, h http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
