package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// POST /_mock/notifications/{id}/resend adds attempts (up to a whole new
// schedule of 8) each time, however often it is called: a notification
// keeps its first attempt and its latest (notify.KeptAttempts in all), and
// says how many it dropped between, so a loop of resends does not grow one
// record (each attempt ~0.4 KB), every answer that shows it, and with
// --data every write of it, without end (docs/limits.md).
func TestResendKeepsAttemptsBounded(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	mer := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"NT-RESEND","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = mer.URL }))
	n := m.WaitNotifications(notify.Filter{OutTradeNo: "NT-RESEND", State: notify.Delivered}, 1)[0]
	const resends = 300
	for i := 0; i < resends; i++ {
		m.Control(http.MethodPost, "/notifications/"+n.ID+"/resend", nil, http.StatusOK)
	}
	var got notify.Notification
	m.ControlJSON(http.MethodGet, "/notifications/"+n.ID, nil, http.StatusOK, &got)
	if len(got.Attempts) != notify.KeptAttempts || got.AttemptsDropped != resends+1-notify.KeptAttempts {
		t.Fatalf("after %d resends: %d attempts kept, %d dropped; want %d kept, %d dropped",
			resends, len(got.Attempts), got.AttemptsDropped, notify.KeptAttempts, resends+1-notify.KeptAttempts)
	}
	if first, last := got.Attempts[0], got.Attempts[len(got.Attempts)-1]; first.N != 1 || last.N != resends+1 || !last.OK {
		t.Errorf("kept attempts %d … %d (last ok %v), want the first (1) and the latest (%d)", first.N, last.N, last.OK, resends+1)
	}
	if got.State != notify.Delivered {
		t.Errorf("state %s, want delivered", got.State)
	}
}

// Past the attempts kept, a resend's round still runs the whole schedule:
// the round counts the attempts made, not those kept.
func TestResendPastTheKeptAttemptsRunsTheWholeSchedule(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	mer := mocktest.NewMerchant(t, "fail")
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"NT-ROUND","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = mer.URL }))
	n := m.WaitNotifications(notify.Filter{OutTradeNo: "NT-ROUND"}, 1)[0]
	m.WaitAttempts("NT-ROUND", 1)
	const resends = 20
	for i := 0; i < resends; i++ {
		m.Control(http.MethodPost, "/notifications/"+n.ID+"/resend", nil, http.StatusOK)
		// Each resend's attempt lands before the next: two resends before
		// an attempt runs plan one attempt, not two.
		m.WaitAttempts("NT-ROUND", 2+i)
	}
	m.Advance("26h")
	var got notify.Notification
	m.ControlJSON(http.MethodGet, "/notifications/"+n.ID, nil, http.StatusOK, &got)
	made := 1 + resends + len(notify.DefaultSchedule) // the last resend and its 7 retries
	if got.State != notify.GivenUp || len(got.Attempts)+got.AttemptsDropped != made || len(got.Attempts) != notify.KeptAttempts {
		t.Fatalf("state %s, %d attempts kept, %d dropped; want given_up after %d attempts, %d kept",
			got.State, len(got.Attempts), got.AttemptsDropped, made, notify.KeptAttempts)
	}
}

// docs/red-packets.md (and notify.Notifier.CouponEvent's comment): "Notifications
// go to the notify_url of the request that made each successful operation
// (the order's for the automatic refund)". A refund whose request carried
// no notify_url is nonetheless notified to the packet's notify_url
// (couponTarget falls back to the order's for every operation), while a
// claim without one is notified nowhere: the two rules disagree, and the
// merchant's handler gets a fund_auth_unfreeze it never asked for.
func TestRedPacketRefundWithoutNotifyURLIsNotNotified(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	mer := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"NT-RP","out_request_no":"NT-RP-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`,
		func(p map[string]string) { p["notify_url"] = mer.URL }))
	q := m.Call("alipay.fund.coupon.operation.query", `{"out_order_no":"NT-RP","out_request_no":"NT-RP-pay"}`)
	authNo, _ := q["auth_no"].(string)
	m.WaitNotifications(notify.Filter{OutTradeNo: "NT-RP", State: notify.Delivered}, 1) // the sender's payment
	// A claim and a refund, neither request with a notify_url.
	m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"NT-RP-C1","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"4.00","payee_user_id":"2088102000000101"}`)
	if r := m.Call("alipay.fund.coupon.order.refund", `{"auth_no":"`+authNo+`","out_request_no":"R1","amount":"1.00"}`); r["code"] != "10000" {
		t.Fatalf("refund: %v", r)
	}
	m.Srv.Sched.RunDue()
	for _, n := range m.Srv.Notifier.Outbox().List(notify.Filter{}) {
		if n.Params["out_request_no"] == "R1" {
			t.Errorf("the refund, whose request named no notify_url, was notified to %s (%s): claims without one are not", n.URL, n.Params["notify_type"])
		}
	}
}

// mocktest.WaitAttempts waits for attempt n as made, past the attempts
// kept (notify.KeptAttempts): it counted those kept, so for a notification
// sent again past 17 attempts it never returned.
func TestWaitAttemptsSeesAttemptsPastTheKeptOnes(t *testing.T) {
	m, mer, _ := resentPastKept(t, "WA-1")
	if got := len(mer.Calls()); got != resends+1 {
		t.Fatalf("the merchant got %d attempts, want %d", got, resends+1)
	}
	got := m.WaitAttempts("WA-1", resends+1) // made: the merchant got it
	if last := got.Attempts[len(got.Attempts)-1]; last.N != resends+1 {
		t.Errorf("last attempt %d, want %d", last.N, resends+1)
	}
}

// The dashboard's notification page says how many attempts were made but
// not kept (attempts_dropped): it listed the kept ones only, numbers
// jumping from 1 with nothing said.
func TestDashboardShowsAttemptsDropped(t *testing.T) {
	m, _, n := resentPastKept(t, "WA-2")
	got := m.WaitAttempts("WA-2", resends+1)
	resp, err := http.Get(m.URL + "/_mock/ui/notifications/" + n.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: HTTP %d", resp.StatusCode)
	}
	want := fmt.Sprintf("%d attempts made between the first and the latest are not kept", got.AttemptsDropped)
	if got.AttemptsDropped == 0 || !strings.Contains(string(b), want) {
		t.Errorf("the dashboard's page of %s (%d attempts dropped) does not say %q", n.ID, got.AttemptsDropped, want)
	}
}

// resends sends a notification again past the attempts kept.
const resends = notify.KeptAttempts + 2

// resentPastKept pays a trade whose notification is delivered, then sends
// it again resends times.
func resentPastKept(t *testing.T, no string) (*mocktest.Mock, *mocktest.Merchant, notify.Notification) {
	t.Helper()
	m := mocktest.New(t, mock.Options{})
	mer := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"`+no+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = mer.URL }))
	n := m.WaitNotifications(notify.Filter{OutTradeNo: no, State: notify.Delivered}, 1)[0]
	for i := 0; i < resends; i++ {
		m.Control(http.MethodPost, "/notifications/"+n.ID+"/resend", nil, http.StatusOK)
	}
	return m, mer, n
}
