package client_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportRewrite(t *testing.T) {
	tests := []struct {
		name    string
		mockURL string
		reqURL  string
		want    string // the URL the base transport gets
	}{
		{"production", "http://127.0.0.1:8080", "https://openapi.alipay.com/gateway.do?charset=utf-8", "http://127.0.0.1:8080/gateway.do?charset=utf-8"},
		{"sandbox", "http://127.0.0.1:8080", "https://openapi-sandbox.dl.alipaydev.com/gateway.do", "http://127.0.0.1:8080/gateway.do"},
		{"legacy sandbox with port", "http://127.0.0.1:8080", "https://openapi.alipaydev.com:443/gateway.do?a=%2F", "http://127.0.0.1:8080/gateway.do?a=%2F"},
		{"upper-case host", "http://localhost:8080", "https://OPENAPI.ALIPAY.COM/gateway.do", "http://localhost:8080/gateway.do"},
		{"v3 path", "http://127.0.0.1:8080/", "https://openapi.alipay.com/v3/alipay/trade/query", "http://127.0.0.1:8080/v3/alipay/trade/query"},
		{"path prefix", "https://mock.test/alipay/", "https://openapi.alipay.com/gateway.do?x=1", "https://mock.test/alipay/gateway.do?x=1"},
		{"other host", "http://127.0.0.1:8080", "https://example.com/gateway.do", "https://example.com/gateway.do"},
		{"look-alike host", "http://127.0.0.1:8080", "https://openapi.alipay.com.evil.example/gateway.do", "https://openapi.alipay.com.evil.example/gateway.do"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			tr, err := client.NewTransport(tt.mockURL, roundTripFunc(func(r *http.Request) (*http.Response, error) {
				got = r
				return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest(http.MethodPost, tt.reqURL, strings.NewReader("a=1"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tr.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
			if got.URL.String() != tt.want {
				t.Errorf("base got %s, want %s", got.URL, tt.want)
			}
			if got.Host != "" && got.Host != got.URL.Host {
				t.Errorf("Host header %q for %s", got.Host, got.URL)
			}
			if req.URL.String() != tt.reqURL {
				t.Errorf("caller's request modified: %s", req.URL)
			}
		})
	}
}

// TestTransportOverHTTP sends a gopay-style request through a real socket.
func TestTransportOverHTTP(t *testing.T) {
	type seen struct{ host, uri, body string }
	ch := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- seen{r.Host, r.RequestURI, string(b)}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	tr, err := client.NewTransport(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: tr}
	resp, err := hc.Post("https://openapi-sandbox.dl.alipaydev.com/gateway.do?charset=utf-8", "application/x-www-form-urlencoded", strings.NewReader("biz_content=%7B%7D"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := <-ch
	want := seen{strings.TrimPrefix(srv.URL, "http://"), "/gateway.do?charset=utf-8", "biz_content=%7B%7D"}
	if s != want || string(body) != "ok" {
		t.Errorf("server saw %+v (answer %q), want %+v", s, body, want)
	}
}

func TestNewTransportErrors(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://x", "http://127.0.0.1:8080/gateway.do", "http://h/?q=1"} {
		if _, err := client.NewTransport(u, nil); err == nil {
			t.Errorf("NewTransport(%q) succeeded", u)
		}
	}
}
