package main

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/localca"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// banner is the start-up text: where to point apps, SDKs and a browser,
// the keys, the apps, the scenarios in force and where state is kept.
func banner(srv *mock.Server, dataDir string) string {
	base, all := reachable(srv.URL())
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", versionLine())
	fmt.Fprintf(&b, "  gateway:           %s%s\n", base, mock.GatewayPath)
	fmt.Fprintf(&b, "  dashboard:         %s%s/\n", base, web.DashboardPrefix)
	fmt.Fprintf(&b, "  control API:       %s%s/\n", base, control.Prefix)
	if all != "" {
		fmt.Fprintf(&b, "  listening on:      %s\n", all)
	}
	if tlsURL := srv.TLSURL(); tlsURL != "" {
		tlsBase, _ := reachable(strings.Replace(tlsURL, "https://", "http://", 1))
		fmt.Fprintf(&b, "  TLS:               %s%s (certificate for openapi.alipay.com and Alipay's other names, docs/tls.md)\n",
			strings.Replace(tlsBase, "http://", "https://", 1), mock.GatewayPath)
		fmt.Fprintf(&b, "  local CA:          %s (alipay-mock ca prints it; apps must trust it, docs/tls.md)\n", filepath.Join(srv.CA().Dir(), localca.CAFile))
		if srv.QRCodeStyle() == mock.QRCodeAlipay {
			fmt.Fprintf(&b, "  qr_code:           https://qr.alipay.com/bax0… as in production (--qr-code mock for the mock's own URL)\n")
		}
	}
	fmt.Fprintf(&b, "  Alipay public key: %s%s/alipay-public-key%s\n                     %s\n",
		base, control.Prefix, srv.AlipayKeyFileHint(), keys.Fingerprint(&srv.Key.PublicKey))
	for _, a := range srv.Apps.All() {
		fmt.Fprintf(&b, "  app %s (%s, %s) seller %s\n                     %s\n", a.AppID, a.Name, a.SignType, a.Seller.UserID, a.Fingerprint())
	}
	var scen []string
	for scope, list := range srv.Scenarios.List() {
		for _, st := range list {
			s := st.File.Name
			switch p := st.File.Path; {
			case scope == "" && (p == "" || p == "scenarios/magic-amounts.yaml") && s == "magic-amounts":
				s += " (built in; --no-magic-amounts turns it off)"
			case p != "":
				s += " (" + p + ")"
			}
			if scope != "" {
				s += " for app " + scope
			}
			scen = append(scen, s)
		}
	}
	sort.Strings(scen)
	if len(scen) == 0 {
		scen = []string{"none (--scenario FILE_OR_DIR loads some)"}
	}
	fmt.Fprintf(&b, "  scenarios:         %s\n", strings.Join(scen, "\n                     "))
	signer := sign.Backend()
	if signer == "crypto/rsa" {
		signer += " (a build with -tags openssl signs about 2-3x as fast)"
	}
	fmt.Fprintf(&b, "  RSA signer:        %s\n", signer)
	if store := srv.SharedStore(); store != "" {
		fmt.Fprintf(&b, "  data:              %s (shared with every replica on it)\n", store)
	} else if dataDir != "" {
		fmt.Fprintf(&b, "  data:              %s (kept across restarts)\n", dataDir)
	} else {
		fmt.Fprintf(&b, "  data:              in memory (--data DIR keeps it across restarts)\n")
	}
	return b.String()
}

// reachable turns a listener URL on every interface (0.0.0.0, [::]) into
// one a browser on this machine can open, and says where else it listens.
func reachable(listenURL string) (base, all string) {
	u, err := url.Parse(listenURL)
	if err != nil {
		return listenURL, ""
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsUnspecified() {
		return listenURL, ""
	}
	port := u.Port()
	all = "every interface, port " + port
	if others := interfaceAddrs(); len(others) > 0 {
		all += ": also http://" + net.JoinHostPort(others[0], port)
		if len(others) > 1 {
			all += fmt.Sprintf(" and %d more", len(others)-1)
		}
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port), all
}

// interfaceAddrs are this machine's non-loopback IPv4 addresses.
func interfaceAddrs() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			out = append(out, n.IP.String())
		}
	}
	return out
}
