package client_test

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// fixedNow is 2024-05-01 12:00:00 in GMT+8, given in UTC so that a client
// writing the machine's zone would show 04:00:00.
var fixedNow = time.Date(2024, 5, 1, 4, 0, 0, 0, time.UTC)

func appPublicKey(t testing.TB) *rsa.PublicKey {
	t.Helper()
	k, err := keys.ParsePublicKey(keys.DevFile("app_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newClient is a client of the dev app on gateway, with a fixed clock.
func newClient(t testing.TB, gateway string, edit func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{
		GatewayURL:      gateway,
		AppID:           keys.DevAppID,
		PrivateKey:      string(keys.DevFile("app_private_key.pem")),
		AlipayPublicKey: string(keys.DevFile("alipay_public_key.pem")),
		Now:             func() time.Time { return fixedNow },
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// received is one request as the fake gateway saw it, decoded.
type received struct {
	Query     url.Values
	RawBody   string
	Params    map[string]string
	Charset   sign.Charset
	VerifyErr error
}

// reply is what the fake gateway answers: a node in Alipay's shape.
type reply struct {
	node      string // JSON text of the node
	unsigned  bool
	badSign   bool // sign something else
	status    int
	nodeName  string // default: the method's
	signer    *rsa.PrivateKey
	signType  sign.Type
	rawOutput []byte // sent as is when set
}

// fakeGateway checks request signatures like the real gateway and answers
// with the reply of the test; it stands in where the mock is not needed.
type fakeGateway struct {
	*httptest.Server
	mu    sync.Mutex
	reply reply
	last  received
}

func newFakeGateway(t testing.TB) *fakeGateway {
	g := &fakeGateway{}
	appPub := appPublicKey(t)
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		rec := received{Query: r.URL.Query(), RawBody: string(body), Params: map[string]string{}}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for k, vs := range r.URL.Query() {
			form[k] = vs
		}
		cs, err := sign.ParseCharset(form.Get("charset"))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		rec.Charset = cs
		for k := range form {
			rec.Params[k], _ = cs.Decode([]byte(form.Get(k)))
		}
		st, _ := sign.ParseType(rec.Params["sign_type"])
		rec.VerifyErr = sign.VerifyString(appPub, st, cs, sign.RequestContent(rec.Params), rec.Params["sign"])
		g.last = rec

		rp := g.reply
		if rp.status != 0 {
			w.WriteHeader(rp.status)
			io.WriteString(w, rp.node)
			return
		}
		if rp.rawOutput != nil {
			w.Write(rp.rawOutput)
			return
		}
		name := rp.nodeName
		if name == "" {
			name = sign.NodeName(rec.Params["method"])
		}
		nodeBytes, err := cs.Encode(rp.node)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		signature := ""
		if !rp.unsigned {
			signer, stype := rp.signer, rp.signType
			if signer == nil {
				signer = keys.DevAlipayPrivateKey()
			}
			if stype == "" {
				stype = st
			}
			data := nodeBytes
			if rp.badSign {
				data = append([]byte("x"), data...)
			}
			signature, _ = sign.Sign(signer, stype, data)
		}
		w.Header().Set("Content-Type", "text/html;charset="+string(cs))
		w.Write(sign.Envelope(name, nodeBytes, signature, ""))
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *fakeGateway) set(r reply) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reply = r
}

func (g *fakeGateway) received() received {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.last
}

func (g *fakeGateway) gatewayURL() string { return g.URL + "/gateway.do" }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return string(b)
}
