package mock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// settleAsync pays out_trade_no out, binds a receiver and settles 1.00 to
// it async; it returns the trade_no and settle_no.
func settleAsync(t *testing.T, m *mocktest.Mock, out string) (string, string) {
	t.Helper()
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	expect(t, paid, "code", "10000")
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"B`+out+`","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`), "code", "10000")
	tradeNo := paid["trade_no"].(string)
	s := m.Call("alipay.trade.order.settle", `{"out_request_no":"ST`+out+`","trade_no":"`+tradeNo+`","royalty_mode":"async","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}]}`)
	expect(t, s, "code", "10000")
	return tradeNo, s["settle_no"].(string)
}

// registerDevApp registers the dev app again through the control API with
// the given app_gateway_url, and returns the answer.
func registerDevApp(t *testing.T, m *mocktest.Mock, gateway string, want int) map[string]any {
	t.Helper()
	var out map[string]any
	body := map[string]string{"app_id": keys.DevAppID, "public_key": string(keys.DevFile("app_public_key.pem")),
		"sign_type": "RSA2", "app_gateway_url": gateway}
	b := m.Control(http.MethodPost, "/apps", body, want)
	_ = json.Unmarshal(b, &out)
	return out
}

func TestSettleMessageToAppGateway(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	gw := mocktest.NewMerchant(t, "fail", "success")
	if got := registerDevApp(t, m, gw.URL+"/gateway", http.StatusCreated); got["app_gateway_url"] != gw.URL+"/gateway" {
		t.Fatalf("app_gateway_url not kept: %v", got)
	}
	tradeNo, settleNo := settleAsync(t, m, "SM1")
	start := m.Clock.Now()

	// Not before the settlement is done.
	m.Advance("4s")
	var list []notify.Notification
	m.ControlJSON(http.MethodGet, "/notifications?out_trade_no=SM1", nil, http.StatusOK, &list)
	if len(list) != 0 {
		t.Fatalf("message before the settlement is done: %+v", list)
	}
	m.Advance("1s")
	list = m.Notifications("out_trade_no=SM1&count=1")
	if len(list) != 1 || list[0].Kind != notify.KindMessage || list[0].URL != gw.URL+"/gateway" || list[0].Event != notify.SettleNotify {
		t.Fatalf("want one message to the app gateway: %+v", list)
	}
	first := m.WaitAttempts("SM1", 1)
	if first.Attempts[0].OK || first.State != notify.Pending {
		t.Fatalf("a refused message must stay pending: %+v", first)
	}

	pemKey := m.Control(http.MethodGet, "/alipay-public-key", nil, http.StatusOK)
	pub, err := keys.ParsePublicKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	calls := gw.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d calls to the gateway, want 1", len(calls))
	}
	check := func(c mocktest.Received, at time.Time) {
		t.Helper()
		p := map[string]string{}
		for k, v := range c.Form {
			if len(v) != 1 {
				t.Fatalf("%s repeated: %v", k, v)
			}
			p[k] = v[0]
		}
		if err := sign.VerifyString(pub, sign.RSA2, sign.UTF8, sign.NotifyContent(p), p["sign"]); err != nil {
			t.Fatalf("message signature does not verify with the mock's Alipay public key: %v: %v", err, p)
		}
		want := map[string]string{"msg_method": "alipay.trade.order.settle.notify", "app_id": keys.DevAppID,
			"version": "1.1", "sign_type": "RSA2", "utc_timestamp": strconv.FormatInt(at.UnixMilli(), 10)}
		for k, v := range want {
			if p[k] != v {
				t.Errorf("%s = %q, want %q", k, p[k], v)
			}
		}
		if !strings.EqualFold(p["charset"], "utf-8") || p["notify_id"] == "" || p["notify_id"] != first.NotifyID {
			t.Errorf("charset %q, notify_id %q (outbox %q)", p["charset"], p["notify_id"], first.NotifyID)
		}
		if _, ok := p["notify_time"]; ok {
			t.Errorf("a message carries utc_timestamp, not notify_time: %v", p)
		}
		var raw map[string]any
		if err := json.Unmarshal([]byte(p["biz_content"]), &raw); err != nil {
			t.Fatalf("biz_content: %v: %q", err, p["biz_content"])
		}
		if raw["trade_no"] != tradeNo || raw["settle_no"] != settleNo || raw["operation_dt"] != timestamp.Format(start.Add(5*time.Second)) {
			t.Errorf("biz_content %v, want trade_no %s settle_no %s operation_dt 5s after settling", raw, tradeNo, settleNo)
		}
		details, _ := raw["royalty_detail_list"].([]any)
		if len(details) != 1 {
			t.Fatalf("royalty_detail_list %v", raw["royalty_detail_list"])
		}
		d := details[0].(map[string]any)
		if d["operation_type"] != "transfer" || d["trans_in"] != "2088000000000002" || d["amount"] != "1.00" ||
			d["state"] != "SUCCESS" || d["detail_id"] != settleNo+"01" {
			t.Errorf("royalty detail %v", d)
		}
	}
	done := start.Add(5 * time.Second)
	check(calls[0], done)

	// Production's schedule: the next attempt 4 minutes later, signed
	// afresh with its own utc_timestamp.
	m.Advance("3m59s")
	if n := len(gw.Calls()); n != 1 {
		t.Fatalf("retried before 4 minutes: %d calls", n)
	}
	m.Advance("1s")
	second := m.WaitAttempts("SM1", 2)
	if second.State != notify.Delivered || !second.Attempts[1].OK {
		t.Fatalf("second attempt answered success: %+v", second)
	}
	calls = gw.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	check(calls[1], done.Add(4*time.Minute))
	if calls[1].Header.Get(notify.MarkerHeader) != "1" {
		t.Errorf("the message lacks the notifier marker")
	}
	// The dashboard lists it, marked as a message.
	if page := string(m.Control(http.MethodGet, "/ui/notifications", nil, http.StatusOK)); !strings.Contains(page, "message: alipay.trade.order.settle.notify") {
		t.Errorf("dashboard does not mark the message")
	}
	if page := string(m.Control(http.MethodGet, "/ui/notifications/"+second.ID, nil, http.StatusOK)); !strings.Contains(page, ">message<") {
		t.Errorf("notification page does not show its kind")
	}
}

func TestSettleMessageNeedsAppGateway(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	gw := mocktest.NewMerchant(t, "success")
	registerDevApp(t, m, "ftp://example.com/x", http.StatusBadRequest)
	registerDevApp(t, m, "", http.StatusCreated)
	settleAsync(t, m, "SN1")
	fired := m.Advance("5s")
	if b, _ := json.Marshal(fired); !strings.Contains(string(b), "no app_gateway_url") {
		t.Errorf("the clock's report does not say why nothing was sent: %s", b)
	}
	var list []notify.Notification
	m.ControlJSON(http.MethodGet, "/notifications?out_trade_no=SN1", nil, http.StatusOK, &list)
	if len(list) != 0 || len(gw.Calls()) != 0 {
		t.Fatalf("a message with no app gateway: %+v", list)
	}
	// A sync settlement sends none even with a gateway.
	registerDevApp(t, m, gw.URL, http.StatusCreated)
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"SN2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	expect(t, m.Call("alipay.trade.order.settle", `{"out_request_no":"X1","trade_no":"`+paid["trade_no"].(string)+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}]}`), "code", "10000")
	m.Advance("1m")
	m.ControlJSON(http.MethodGet, "/notifications?out_trade_no=SN2", nil, http.StatusOK, &list)
	if len(list) != 0 {
		t.Fatalf("a sync settlement sent a message: %+v", list)
	}
}

// With --data, an app's app_gateway_url and a message not yet due survive
// a restart: the settlement done after it still sends its message.
func TestSettleMessageAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gw := mocktest.NewMerchant(t, "success")
	dev := apps.DevSpec()
	dev.AppGatewayURL = gw.URL
	start := func() (*mocktest.Mock, *client.Client) {
		s, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", DataDir: dir, Seed: 1, Clock: clock.NewManual(mocktest.Epoch),
			TimestampTolerance: -1, Apps: []apps.Spec{dev}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		c, err := client.New(s.DevClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		return mocktest.On(t, s), c
	}
	m1, c1 := start()
	// An app registered through the control API keeps its gateway too.
	other := map[string]string{"app_id": "2021000000000042", "public_key": string(keys.DevFile("app_public_key.pem")),
		"app_gateway_url": gw.URL + "/other"}
	m1.Control(http.MethodPost, "/apps", other, http.StatusCreated)
	const recv = "2088000000000101"
	if _, err := c1.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: recv}}}); err != nil {
		t.Fatal(err)
	}
	p, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "SR1", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		AuthCode: "286648048691290423"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c1.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S1", TradeNo: p.TradeNo, RoyaltyMode: "async",
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("3.00")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}

	m2, _ := start()
	var list []map[string]any
	m2.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
	kept := false
	for _, a := range list {
		kept = kept || a["app_id"] == other["app_id"] && a["app_gateway_url"] == other["app_gateway_url"]
	}
	if !kept {
		t.Fatalf("app_gateway_url after restart: %v", list)
	}
	m2.Advance("5s")
	ns := m2.Notifications("out_trade_no=SR1&count=1")
	if len(ns) != 1 || ns[0].Kind != notify.KindMessage || !strings.Contains(ns[0].Params["biz_content"], st.SettleNo) {
		t.Fatalf("message after restart: %+v", ns)
	}
	if got := m2.WaitAttempts("SR1", 1); got.State != notify.Delivered {
		t.Fatalf("not delivered: %+v", got)
	}
}

// alipay.trade.order.settle.query's RoyaltyDetail returns trans_out "只有在
// operation_type为replenish(补差),transfer_refund(退分账)类型才返回"
// (alipay-sdk-java-all v2/src/main/java/com/alipay/api/domain/RoyaltyDetail.java):
// a transfer's detail names only the receiver, and no trans_out_type.
func TestSettleQueryTransferHasNoTransOut(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"SQ1","total_amount":"100.00","subject":"x","scene":"bar_code","auth_code":"283912345678901234"}`)
	tn, _ := paid["trade_no"].(string)
	m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"B1","receiver_list":[{"type":"userId","account":"2088000000000002","memo":"m"}]}`)
	s := m.Call("alipay.trade.order.settle", `{"out_request_no":"ST1","trade_no":"`+tn+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}]}`)
	no, _ := s["settle_no"].(string)
	q := m.Call("alipay.trade.order.settle.query", `{"settle_no":"`+no+`"}`)
	list, _ := q["royalty_detail_list"].([]any)
	if len(list) != 1 {
		t.Fatalf("settle query: %v", q)
	}
	d := list[0].(map[string]any)
	expect(t, d, "operation_type", "transfer", "trans_in", "2088000000000002", "trans_in_type", "userId", "state", "SUCCESS")
	for _, k := range []string{"trans_out", "trans_out_type"} {
		if _, ok := d[k]; ok {
			t.Errorf("a transfer's royalty detail carries %s: %v", k, d)
		}
	}
}
