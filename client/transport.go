package client

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// alipayHosts are the hosts Transport redirects: the gateways and the
// authorisation pages (sign-in with Alipay) of production and the sandbox.
var alipayHosts = map[string]bool{
	"openapi.alipay.com":                true,
	"openapi-sandbox.dl.alipaydev.com":  true,
	"openapi.alipaydev.com":             true,
	"openauth.alipay.com":               true,
	"openauth-sandbox.dl.alipaydev.com": true,
	"openauth.alipaydev.com":            true,
}

// Transport is an http.RoundTripper that sends requests for Alipay's
// production and sandbox gateway and authorisation hosts to a mock instead, keeping path and
// query; other requests pass through unchanged. It is for SDKs whose
// gateway host is fixed, such as go-pay/gopay:
//
//	t, _ := client.NewTransport("http://127.0.0.1:8080", nil)
//	httpClient := &http.Client{Transport: t}
type Transport struct {
	target *url.URL
	base   http.RoundTripper
}

// NewTransport redirects to mockURL (scheme and host, optionally a path
// prefix) through base, which defaults to http.DefaultTransport.
func NewTransport(mockURL string, base http.RoundTripper) (*Transport, error) {
	u, err := url.Parse(mockURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("alipay: mock URL %q is not http(s)://host[:port]", mockURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("alipay: mock URL %q must not have a query or fragment", mockURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	if strings.HasSuffix(u.Path, "gateway.do") {
		return nil, fmt.Errorf("alipay: mock URL %q: give the base URL, without /gateway.do", mockURL)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{target: u, base: base}, nil
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !alipayHosts[strings.ToLower(req.URL.Hostname())] {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	u := *req.URL
	u.Scheme = t.target.Scheme
	u.Host = t.target.Host
	if t.target.Path != "" {
		u.Path = t.target.Path + u.Path
		if u.RawPath != "" {
			u.RawPath = t.target.Path + u.RawPath
		}
	}
	r.URL = &u
	r.Host = t.target.Host
	return t.base.RoundTrip(r)
}
