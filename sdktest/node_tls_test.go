package sdktest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	alipayhosts "github.com/alipay-mock/alipay-mock/alipay"
)

// TestNodeSDKProductionHostOverTLS runs node/tls.js: the official Node SDK
// with its default (production) gateway, the mock's CA given through
// NODE_EXTRA_CA_CERTS and Alipay's names resolved to 127.0.0.1 by a lookup
// on the SDK's agent. A second run without NODE_EXTRA_CA_CERTS must fail
// on the certificate, which shows the trust came from that variable.
func TestNodeSDKProductionHostOverTLS(t *testing.T) {
	t.Parallel()
	skip := t.Skip
	if os.Getenv("SDKTEST_REQUIRE_NODE") != "" {
		skip = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed; the Node SDK flows need Node.js >= 18")
	}
	if _, err := os.Stat(filepath.Join("node", "node_modules", "alipay-sdk", "package.json")); err != nil {
		skip("node/node_modules is missing; run: (cd sdktest/node && npm ci)")
	}
	m := startTLSMock(t)
	_, port, _ := strings.Cut(m.srv.TLSAddr(), ":")
	if _, err := strconv.Atoi(port); err != nil {
		t.Fatalf("TLS address %q", m.srv.TLSAddr())
	}
	hosts, _ := json.Marshal(alipayhosts.Hosts)
	dev := devCredentials()
	for _, tc := range []struct {
		expect, flow string
		extraCA      bool
	}{
		{"trusted", "production_gateway_over_tls", true},
		{"untrusted", "untrusted_ca_is_refused", false},
	} {
		t.Run(tc.expect, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, filepath.Join("node", "tls.js"))
			var envs []string
			for _, e := range os.Environ() {
				// The run's own trust: none inherited from the machine.
				if !strings.HasPrefix(e, "NODE_EXTRA_CA_CERTS=") && !strings.HasPrefix(e, "NODE_TLS_REJECT_UNAUTHORIZED=") {
					envs = append(envs, e)
				}
			}
			envs = append(envs, "APP_ID="+dev.AppID, "APP_PRIVATE_KEY="+dev.AppPrivateKeyPKCS1PEM,
				"ALIPAY_PUBLIC_KEY="+dev.AlipayPublicKeyPEM, "TLS_PORT="+port, "EXPECT="+tc.expect, "ALIPAY_HOSTS="+string(hosts))
			if tc.extraCA {
				envs = append(envs, "NODE_EXTRA_CA_CERTS="+m.caFile)
			}
			cmd.Env = envs
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			if stderr.Len() > 0 {
				t.Logf("tls.js stderr:\n%s", stderr.String())
			}
			seen := false
			sc := bufio.NewScanner(&stdout)
			for sc.Scan() {
				var r struct {
					Flow, Error, Note string
					OK                bool
				}
				if json.Unmarshal(sc.Bytes(), &r) != nil || r.Flow == "" {
					t.Logf("tls.js: %s", sc.Text())
					continue
				}
				if r.Flow != tc.flow {
					t.Errorf("tls.js reported %q, want %q", r.Flow, tc.flow)
					continue
				}
				seen = true
				if r.Note != "" {
					t.Log(r.Note)
				}
				if !r.OK {
					t.Errorf("%s: %s", r.Flow, r.Error)
				}
			}
			if !seen {
				t.Fatalf("tls.js did not report %s (exit: %v)", tc.flow, runErr)
			}
			if runErr != nil && !t.Failed() {
				t.Errorf("tls.js: %v", runErr)
			}
		})
	}
}
