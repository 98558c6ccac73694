package sdktest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
)

// nodeFlows are the flows node/flow.js must report, in its order.
var nodeFlows = []string{
	"precreate_pay_refund",
	"barcode_pay",
	"barcode_pay_password",
	"cancel",
	"close_unpaid",
	"page_pay",
	"notification_trade_success",
	"transfer",
	"business_error_trade_not_exist",
	"gateway_error_wrong_private_key",
	"verification_is_on",
	"sign_in",
	"clock_moves_keep_the_sdk_working",
}

// TestNodeSDK runs node/flow.js, which drives the official Node SDK (npm
// alipay-sdk, pinned in node/package.json) with validateSign on, and turns
// each flow it reports into a subtest. It does not install anything: run
// `npm ci` in sdktest/node first (.ci/run does).
func TestNodeSDK(t *testing.T) {
	t.Parallel()
	// CI installs Node and the SDK, and sets SDKTEST_REQUIRE_NODE so a
	// missing install fails instead of skipping.
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

	m := startMock(t)
	dev := devCredentials()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("node", "flow.js"))
	cmd.Env = append(os.Environ(),
		"GATEWAY="+m.Gateway,
		"APP_ID="+dev.AppID,
		"APP_PRIVATE_KEY="+dev.AppPrivateKeyPKCS1PEM,
		"ALIPAY_PUBLIC_KEY="+dev.AlipayPublicKeyPEM,
		"CONTROL_URL="+m.Base,
		"CERT_APP_ID="+keys.DevCertAppID,
		"APP_CERT="+string(keys.DevCertAppCertPEM()),
		"ALIPAY_CERT="+string(keys.DevAlipayCertPEM()),
		"ALIPAY_ROOT_CERT="+string(keys.DevRootCertPEM()),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	type report struct {
		Flow  string   `json:"flow"`
		OK    bool     `json:"ok"`
		Error string   `json:"error"`
		Note  string   `json:"note"`
		Skip  string   `json:"skip"`
		IDs   []string `json:"ids"`
	}
	reports := map[string]report{}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var r report
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &r) != nil || r.Flow == "" {
			t.Logf("flow.js: %s", line)
			continue
		}
		reports[r.Flow] = r
	}
	if stderr.Len() > 0 {
		t.Logf("flow.js stderr:\n%s", stderr.String())
	}

	for _, name := range nodeFlows {
		t.Run(name, func(t *testing.T) {
			r, ok := reports[name]
			if !ok {
				t.Fatalf("flow.js did not report this flow (exit: %v)", runErr)
			}
			if r.Note != "" {
				t.Log(r.Note)
			}
			if r.Skip != "" {
				t.Skip(r.Skip)
			}
			if !r.OK {
				// flow.js stops a flow at its first failure, so the failing
				// call is the flow's last exchange.
				var last []exchange
				for _, id := range r.IDs {
					last = append(last, m.wire.mentioning(id)...)
				}
				if len(last) == 0 {
					t.Fatalf("%s\n(no exchange recorded)", r.Error)
				}
				t.Fatalf("%s\nlast exchange of this flow:\n%s", r.Error, lastOf(last))
			}
		})
	}
	if runErr != nil && !t.Failed() {
		t.Errorf("flow.js: %v", runErr)
	}
	for name := range reports {
		if !slices.Contains(nodeFlows, name) {
			t.Errorf("flow.js reported %q, which nodeFlows does not list", name)
		}
	}
}

// lastOf returns the exchange recorded last among those given.
func lastOf(es []exchange) exchange {
	last := es[0]
	for _, e := range es[1:] {
		if e.seq > last.seq {
			last = e
		}
	}
	return last
}
