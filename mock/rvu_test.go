package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// A notification keeps every attempt it ever made, and
// POST /_mock/notifications/{id}/resend adds one (up to a whole new
// schedule of 8) each time, however often it is called: nothing bounds a
// notification's attempts, so a loop of resends grows one record (each
// attempt keeps its notify_time and sign, ~0.4 KB), every answer that shows
// it, and with --data every write of it, without end. docs/limits.md
// counts 8 attempts per final notification; trades bound their history
// (MaxRefunds) for the same reason.
func TestRvuResendKeepsAttemptsBounded(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	mer := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"RVU-RESEND","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = mer.URL }))
	n := m.WaitNotifications(notify.Filter{OutTradeNo: "RVU-RESEND", State: notify.Delivered}, 1)[0]
	const resends = 300
	for i := 0; i < resends; i++ {
		m.Control(http.MethodPost, "/notifications/"+n.ID+"/resend", nil, http.StatusOK)
	}
	got, _ := m.Srv.Notifier.Outbox().Get(n.ID)
	if len(got.Attempts) > 100 {
		t.Fatalf("after %d resends one notification keeps %d attempts: nothing bounds them", resends, len(got.Attempts))
	}
}
