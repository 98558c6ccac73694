package mock_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// rawV3 sends one v3 request whose request line carries target as written
// (absolute form, RFC 9112 §3.2.2, is what a client sends through an HTTP
// proxy), signed over signedURI; it returns the status and the body.
func rawV3(t *testing.T, e *v3Env, method, target, signedURI, body string) (int, string) {
	t.Helper()
	host := strings.TrimPrefix(e.srv.URL(), "http://")
	authz, err := sign.SignV3Request(keys.DevAppPrivateKey(), sign.NewV3Auth(keys.DevAppID, "", e.srv.Clock.Now()),
		method, signedURI, body, "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", method, target, host, authz, len(body), body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// v3 signs the path and query, never the scheme and host: a request line in
// absolute form ("POST http://host/v3/…") verifies against the signature of
// its path and query, kept exactly as sent (escapes included).
func TestV3AbsoluteFormTargetVerifiesOverPathAndQuery(t *testing.T) {
	e := newV3Env(t)
	host := strings.TrimPrefix(e.srv.URL(), "http://")
	status, body := rawV3(t, e, http.MethodPost, "http://"+host+"/v3/alipay/trade/query", "/v3/alipay/trade/query", `{"out_trade_no":"ABS-1"}`)
	var got struct{ Code string }
	_ = json.Unmarshal([]byte(body), &got)
	if status != http.StatusBadRequest || got.Code != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("POST in absolute form: HTTP %d %s; want 400 ACQ.TRADE_NOT_EXIST (the signature verified)", status, body)
	}
	// A GET's query is signed as sent: %2D is not rewritten to '-'.
	const uri = "/v3/alipay/data/dataservice/bill/downloadurl/query?bill_type=trade&bill_date=2024%2D05%2D01"
	status, body = rawV3(t, e, http.MethodGet, "http://"+host+uri, uri, "")
	if status != http.StatusOK || !strings.Contains(body, "bill_download_url") {
		t.Errorf("GET in absolute form: HTTP %d %s; want 200 with the bill's URL", status, body)
	}
	// The host is not part of what is signed: a signature over it is refused.
	status, body = rawV3(t, e, http.MethodPost, "http://"+host+"/v3/alipay/trade/query", "http://"+host+"/v3/alipay/trade/query", `{"out_trade_no":"ABS-1"}`)
	if status != http.StatusUnauthorized || !strings.Contains(body, "invalid-signature") {
		t.Errorf("signed over scheme and host: HTTP %d %s; want 401 invalid-signature", status, body)
	}
}
