package mock

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// NewTestServer starts a mock on a free loopback port for one test, like
// httptest.NewServer, and stops it when the test ends.
func NewTestServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	opts.Addr = "127.0.0.1:0"
	s, err := Start(opts)
	if err != nil {
		tb.Fatalf("alipay-mock: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// DevClientConfig configures the bundled client as the shipped development
// app talking to this mock. The client stamps its requests with the mock's
// clock, so a test may start the clock at any date.
func (s *Server) DevClientConfig() client.Config {
	return client.Config{
		Now:                s.Clock.Now,
		GatewayURL:         s.GatewayURL(),
		AppID:              keys.DevAppID,
		PrivateKeyRSA:      keys.DevAppPrivateKey(),
		AlipayPublicKeyRSA: s.AlipayPublicKey(),
	}
}

// DevCertClientConfig configures the bundled client as the shipped
// development app in certificate mode (keys.DevCertAppID), the one of the
// two that may call fund methods, talking to this mock.
func (s *Server) DevCertClientConfig() client.Config {
	return client.Config{
		Now:            s.Clock.Now,
		GatewayURL:     s.GatewayURL(),
		AppID:          keys.DevCertAppID,
		PrivateKeyRSA:  keys.DevAppPrivateKey(),
		AppCert:        string(keys.DevCertAppCertPEM()),
		AlipayRootCert: string(keys.DevRootCertPEM()),
		AlipayCert:     string(s.gw.AlipayCertPEM),
	}
}
