package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// fakeV3 records one v3 request and answers with a canned reply.
type fakeV3 struct {
	srv *httptest.Server
	mu  sync.Mutex
	req *http.Request
	raw string // request body
	// reply
	status int
	body   string
	signed bool
	sigFor string // sign this body instead (a signature that cannot verify)
}

func newFakeV3(t *testing.T) *fakeV3 {
	f := &fakeV3{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.req, f.raw = r, string(b)
		if f.signed {
			ts, nonce, signed := "1714536000000", sign.NewNonce(), f.body
			if f.sigFor != "" {
				signed = f.sigFor
			}
			sig, err := sign.SignV3Response(keys.DevAlipayPrivateKey(), ts, nonce, signed)
			if err != nil {
				t.Error(err)
			}
			w.Header().Set(sign.HeaderTimestamp, ts)
			w.Header().Set(sign.HeaderNonce, nonce)
			w.Header().Set(sign.HeaderSignature, sig)
		}
		w.WriteHeader(f.status)
		io.WriteString(w, f.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeV3) answer(status int, body string, signed bool, sigFor string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body, f.signed, f.sigFor = status, body, signed, sigFor
}

func TestV3Request(t *testing.T) {
	f := newFakeV3(t)
	order := client.PrecreateRequest{Order: client.Order{OutTradeNo: "o1", TotalAmount: amount.MustParse("1.00"), Subject: "s"}}
	tests := []struct {
		name       string
		call       func(c *client.Client) error
		httpMethod string
		uri        string
		body       string
		token      string
	}{
		{
			name: "config notify_url goes in the body of precreate",
			call: func(c *client.Client) error {
				_, err := c.PrecreateV3(context.Background(), order)
				return err
			},
			httpMethod: "POST", uri: "/shop/v3/alipay/trade/precreate",
			body: `{"notify_url":"http://shop/notify","out_trade_no":"o1","subject":"s","total_amount":"1.00"}`,
		},
		{
			name: "not in the body of query; app_auth_token signed and sent",
			call: func(c *client.Client) error {
				_, err := c.QueryV3(context.Background(), client.QueryRequest{OutTradeNo: "o1"}, client.WithAppAuthToken("tok"))
				return err
			},
			httpMethod: "POST", uri: "/shop/v3/alipay/trade/query", body: `{"out_trade_no":"o1"}`, token: "tok",
		},
		{
			name: "bill URL: GET with the fields in the query",
			call: func(c *client.Client) error {
				return c.V3(context.Background(), "alipay.data.dataservice.bill.downloadurl.query",
					map[string]string{"bill_type": "trade", "bill_date": "2024-05"}, nil)
			},
			httpMethod: "GET", uri: "/shop/v3/alipay/data/dataservice/bill/downloadurl/query?bill_date=2024-05&bill_type=trade",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, f.srv.URL+"/shop/gateway.do", func(c *client.Config) { c.NotifyURL = "http://shop/notify" })
			f.answer(200, `{}`, true, "")
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			r, raw := f.req, f.raw
			f.mu.Unlock()
			if r.Method != tt.httpMethod || r.RequestURI != tt.uri || raw != tt.body || r.Header.Get(sign.HeaderAppAuthToken) != tt.token {
				t.Fatalf("got %s %s %q token %q", r.Method, r.RequestURI, f.raw, r.Header.Get(sign.HeaderAppAuthToken))
			}
			auth, authString, sig, err := sign.ParseV3Authorization(r.Header.Get(sign.HeaderAuthorization))
			if err != nil {
				t.Fatal(err)
			}
			if auth.AppID != keys.DevAppID || auth.Timestamp != strconv.FormatInt(fixedNow.UnixMilli(), 10) {
				t.Errorf("authString %s", authString)
			}
			pub := &keys.DevAppPrivateKey().PublicKey
			if err := sign.VerifyV3Request(pub, authString, sig, r.Method, r.RequestURI, raw, tt.token); err != nil {
				t.Errorf("request signature: %v", err)
			}
		})
	}
}

func TestV3Responses(t *testing.T) {
	f := newFakeV3(t)
	c := newClient(t, f.srv.URL+"/gateway.do", nil)
	tests := []struct {
		name      string
		status    int
		body      string
		signed    bool
		sigFor    string
		wantCode  string // of the response, on success
		wantErr   *client.Error
		wantInErr string
	}{
		{name: "200", status: 200, body: `{"out_trade_no":"o1","trade_status":"TRADE_SUCCESS"}`, signed: true, wantCode: "10000"},
		{name: "202 processing", status: 202, body: `{"out_trade_no":"o1"}`, signed: true, wantCode: "10003"},
		{name: "200 unsigned", status: 200, body: `{"out_trade_no":"o1"}`, wantInErr: client.ErrUnsigned.Error()},
		{name: "200 signed over other bytes", status: 200, body: `{"out_trade_no":"o1"}`, signed: true, sigFor: `{"out_trade_no":"o2"}`, wantInErr: "AlipayPublicKey"},
		{name: "business error", status: 400, body: `{"code":"ACQ.TRADE_NOT_EXIST","links":[],"message":"交易不存在"}`,
			wantErr: &client.Error{Code: "40004", Msg: "Business Failed", SubCode: "ACQ.TRADE_NOT_EXIST", SubMsg: "交易不存在"}},
		{name: "bill business error", status: 400, body: `{"code":"BILL_NOT_EXIST","message":"账单不存在"}`,
			wantErr: &client.Error{Code: "40004", Msg: "Business Failed", SubCode: "isp.bill_not_exist", SubMsg: "账单不存在"}},
		{name: "missing, but 40002 in v1", status: 400, body: `{"code":"missing-app-cert-sn","message":"缺少应用公钥证书序列号"}`,
			wantErr: &client.Error{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.missing-app-cert-sn", SubMsg: "缺少应用公钥证书序列号"}},
		{name: "a code no table has", status: 400, body: `{"code":"missing-something-new","message":"m"}`,
			wantErr: &client.Error{Code: "40001", Msg: "Missing Required Arguments", SubCode: "isv.missing-something-new", SubMsg: "m"}},
		{name: "bad signature", status: 401, body: `{"code":"invalid-signature","message":"验签出错"}`,
			wantErr: &client.Error{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.invalid-signature", SubMsg: "验签出错"}},
		{name: "no Authorization", status: 400, body: `{"code":"missing-timestamp","message":"缺少时间戳参数"}`,
			wantErr: &client.Error{Code: "40001", Msg: "Missing Required Arguments", SubCode: "isv.missing-timestamp", SubMsg: "缺少时间戳参数"}},
		{name: "token", status: 401, body: `{"code":"invalid-app-auth-token","message":"无效的应用授权令牌"}`,
			wantErr: &client.Error{Code: "20001", Msg: "Insufficient Token Permissions", SubCode: "aop.invalid-app-auth-token", SubMsg: "无效的应用授权令牌"}},
		{name: "permission", status: 401, body: `{"code":"insufficient-isv-permissions","message":"ISV权限不足"}`,
			wantErr: &client.Error{Code: "40006", Msg: "Insufficient Permissions", SubCode: "isv.insufficient-isv-permissions", SubMsg: "ISV权限不足"}},
		{name: "call limit", status: 429, body: `{"code":"app-call-limited","message":"应用调用次数超限"}`,
			wantErr: &client.Error{Code: "40005", Msg: "Call Limited", SubCode: "isv.app-call-limited", SubMsg: "应用调用次数超限"}},
		{name: "unknown outcome", status: 500, body: `{"code":"unknow-error","message":"系统繁忙"}`,
			wantErr: &client.Error{Code: "20000", Msg: "Service Currently Unavailable", SubCode: "isp.unknow-error", SubMsg: "系统繁忙"}},
		{name: "unknown outcome, ACQ", status: 500, body: `{"code":"ACQ.SYSTEM_ERROR","message":"系统异常"}`,
			wantErr: &client.Error{Code: "20000", Msg: "Service Currently Unavailable", SubCode: "ACQ.SYSTEM_ERROR", SubMsg: "系统异常"}},
		{name: "unknown outcome, the gateway's", status: 500, body: `{"code":"unknow-error","message":"服务暂不可用（网关自身的未知错误）"}`,
			wantErr: &client.Error{Code: "20000", Msg: "Service Currently Unavailable", SubCode: "aop.unknow-error", SubMsg: "服务暂不可用（网关自身的未知错误）"}},
		{name: "refused without sub_code", status: 400, body: `{"code":"unknow-error","message":"Invalid Arguments"}`,
			wantErr: &client.Error{Code: "40002", Msg: "Invalid Arguments"}},
		{name: "proxy page", status: 502, body: "<html>502 Bad Gateway</html>", wantInErr: "HTTP 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.answer(tt.status, tt.body, tt.signed, tt.sigFor)
			q, err := c.QueryV3(context.Background(), client.QueryRequest{OutTradeNo: "o1"})
			switch {
			case tt.wantErr != nil:
				var e *client.Error
				if !errors.As(err, &e) || *e != *tt.wantErr {
					t.Fatalf("error %#v, want %#v", err, tt.wantErr)
				}
			case tt.wantInErr != "":
				var e *client.Error
				if err == nil || !strings.Contains(err.Error(), tt.wantInErr) || errors.As(err, &e) {
					t.Fatalf("error %v, want one with %q", err, tt.wantInErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if q.Code != tt.wantCode || q.OutTradeNo != "o1" {
					t.Errorf("%+v", q)
				}
			}
		})
	}
}
