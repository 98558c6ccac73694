package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/alipay-mock/alipay-mock/alipay"
)

// composeFile is what TestTLSComposeFile reads of docs/tls-compose.yaml.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		ExtraHosts  []string          `yaml:"extra_hosts"`
		Sysctls     map[string]string `yaml:"sysctls"`
		Volumes     []string          `yaml:"volumes"`
		Networks    yaml.Node         `yaml:"networks"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `yaml:"subnet"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
}

// The compose file of docs/tls.md cannot run here (no Docker engine), so
// this test keeps it in step: it checks the wiring (names, addresses,
// volumes, the port) and runs its two alipay-mock commands with the built
// binary, volume paths mapped to temporary directories, then verifies the
// certificate the mock serves with the CA file the app would mount.
func TestTLSComposeFile(t *testing.T) {
	b, err := os.ReadFile("docs/tls-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("docs/tls-compose.yaml: %v", err)
	}
	caSvc, mockSvc, app := f.Services["alipay-mock-ca"], f.Services["alipay-mock"], f.Services["app"]
	if caSvc.Image != "alipay-mock" || mockSvc.Image != "alipay-mock" || app.Image == "" {
		t.Fatalf("services: want alipay-mock-ca and alipay-mock from the alipay-mock image, and an app")
	}

	// The mock's fixed address, inside the network's subnet.
	var mockNets map[string]struct {
		IPv4 string `yaml:"ipv4_address"`
	}
	if err := mockSvc.Networks.Decode(&mockNets); err != nil || len(mockNets) != 1 {
		t.Fatalf("alipay-mock networks: %v", err)
	}
	var netName, ip string
	for k, v := range mockNets {
		netName, ip = k, v.IPv4
	}
	_, subnet, err := net.ParseCIDR(f.Networks[netName].IPAM.Config[0].Subnet)
	if err != nil || net.ParseIP(ip) == nil || !subnet.Contains(net.ParseIP(ip)) {
		t.Fatalf("the mock's address %q is not in network %s's subnet (%v)", ip, netName, err)
	}
	var appNets []string
	if err := app.Networks.Decode(&appNets); err != nil || !slices.Contains(appNets, netName) {
		t.Errorf("the app is not on network %s: %v %v", netName, appNets, err)
	}

	// extra_hosts: every name of the certificate, to the mock.
	var named []string
	for _, h := range app.ExtraHosts {
		name, addr, _ := strings.Cut(h, ":")
		if addr != ip {
			t.Errorf("extra_hosts %q does not point at the mock (%s)", h, ip)
		}
		named = append(named, name)
	}
	for _, h := range alipay.Hosts {
		if !slices.Contains(named, h) {
			t.Errorf("extra_hosts lacks %s, which alipay.Hosts (the certificate) carries", h)
		}
	}

	// Port 443 for an unmodified URL, allowed for the image's nonroot user.
	tlsAddr := flagValue(mockSvc.Command, "--tls-addr")
	if _, port, _ := net.SplitHostPort(tlsAddr); port != "443" {
		t.Errorf("--tls-addr %q: the app dials 443", tlsAddr)
	}
	if mockSvc.Sysctls["net.ipv4.ip_unprivileged_port_start"] != "0" {
		t.Error("the image runs as nonroot: 443 needs net.ipv4.ip_unprivileged_port_start=0")
	}
	dockerfile, _ := os.ReadFile("Dockerfile")
	if !bytes.Contains(dockerfile, []byte("USER nonroot")) || !bytes.Contains(dockerfile, []byte("--chown=nonroot:nonroot /out/trust /trust")) {
		t.Error("Dockerfile: the compose file assumes a nonroot image with a nonroot-owned /trust")
	}

	// Volumes: the app gets the certificate read-only, never the data (and
	// so the CA key).
	caOut := flagValue(caSvc.Command, "--out")
	trustVol := ""
	for _, v := range caSvc.Volumes {
		if vol, dir, _ := strings.Cut(v, ":"); dir == path.Dir(caOut) {
			trustVol = vol
		}
	}
	if trustVol == "" {
		t.Fatalf("no volume holds %s in alipay-mock-ca", caOut)
	}
	if !slices.Contains(app.Volumes, trustVol+":"+path.Dir(caOut)+":ro") {
		t.Errorf("the app must mount %s read-only at %s: %v", trustVol, path.Dir(caOut), app.Volumes)
	}
	data := flagValue(mockSvc.Command, "--data")
	if flagValue(caSvc.Command, "--data") != data {
		t.Errorf("alipay-mock-ca and alipay-mock must keep the CA in the same --data")
	}
	for _, v := range app.Volumes {
		if strings.Contains(v, ":"+data) || strings.HasPrefix(v, "mockdata:") {
			t.Errorf("the app mounts the mock's data (and the CA key): %s", v)
		}
	}
	for _, k := range []string{"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"} {
		if app.Environment[k] != caOut {
			t.Errorf("app %s = %q, want %s", k, app.Environment[k], caOut)
		}
	}
	if app.DependsOn["alipay-mock"].Condition != "service_healthy" || mockSvc.DependsOn["alipay-mock-ca"].Condition != "service_completed_successfully" {
		t.Error("start order: the CA first, then the mock, then the app once the mock is healthy")
	}

	// Run both commands as the containers would, volumes mapped here.
	tmp := t.TempDir()
	mapPaths := func(args []string) []string {
		out := slices.Clone(args)
		for i, a := range out {
			for _, dir := range []string{data, path.Dir(caOut)} {
				if a == dir || strings.HasPrefix(a, dir+"/") {
					out[i] = filepath.Join(tmp, a)
				}
			}
		}
		return out
	}
	os.MkdirAll(filepath.Join(tmp, path.Dir(caOut)), 0o755)
	var stdout, stderr bytes.Buffer
	if code := run(mapPaths(caSvc.Command), &stdout, &stderr); code != 0 {
		t.Fatalf("alipay-mock %v: exit %d %s", caSvc.Command, code, stderr.String())
	}
	caPEM, err := os.ReadFile(filepath.Join(tmp, caOut))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("the exported CA does not parse")
	}
	args := mapPaths(mockSvc.Command)
	args[slices.Index(args, "--tls-addr")+1] = "127.0.0.1:0"
	bin := buildBinary(t)
	// Its variables name serve's flags.
	var help bytes.Buffer
	run([]string{"serve", "-h"}, &help, io.Discard)
	var env []string
	for k, v := range mockSvc.Environment {
		flagName, ok := strings.CutPrefix(k, "ALIPAY_MOCK_")
		flagName = strings.ReplaceAll(strings.ToLower(flagName), "_", "-")
		if !ok || !regexp.MustCompile(`(?m)^\s+-`+regexp.QuoteMeta(flagName)+`(\s|$)`).MatchString(help.String()) {
			t.Errorf("environment %s names no flag of serve", k)
		}
		env = append(env, k+"="+v)
	}
	base := startTLSBinary(t, bin, env, append(args, "--addr", "127.0.0.1:0")...)
	u, _ := url.Parse(base)
	for _, name := range named {
		conn, err := tls.Dial("tcp", u.Host, &tls.Config{ServerName: name, RootCAs: roots})
		if err != nil {
			t.Errorf("%s with the exported CA: %v", name, err)
			continue
		}
		conn.Close()
	}
}

// flagValue is the value after name in a command's arguments.
func flagValue(args []string, name string) string {
	if i := slices.Index(args, name); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}
