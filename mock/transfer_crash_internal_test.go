package mock

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// crashAtTransfer closes s's data file once a transfer's status is stored
// with status st, before its observer (the message) runs.
func crashAtTransfer(s *Server, st fund.Status) {
	var once sync.Once
	s.Fund.ObserveStored(func(x fund.Transfer) error {
		if x.Status == st {
			once.Do(func() { _ = s.db.Close() })
		}
		return s.transferEvent(x)
	}, s.tellsTransfer)
}

// A transfer's write and its status message are two commits: the
// transfer's, with an untold mark on its status, then the message's,
// which clears it. A crash between the two fails the message's write, so
// the transfer is answered 20000, and the next start sends the message of
// the status as the transfer had it then (DEALING, though it has ended
// since: the mock was down past its end), before the message of the end.
func TestTransferMessageIsSentAfterACrashBetweenItsTwoCommits(t *testing.T) {
	d := newMessageRestartDir(t, "success")
	s1, c1, stop1 := d.start()
	crashAtTransfer(s1, fund.Dealing)
	_, err := c1.Transfer(context.Background(), client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "CRASH-TX", TransAmount: amount.MustParse("30003.00"),
		OrderTitle: "t", PayeeInfo: client.Participant{Identity: "2088000000000201", IdentityType: client.PayeeUserID}})
	wantResultUnknown(t, err, "the transfer")
	stop1()
	d.downUntil(d.at.Add(time.Hour)) // past its end (5m)

	messages := func(s *Server) []notify.Notification {
		return s.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-TX"})
	}
	s2, _, stop2 := d.start()
	s2.Sched.RunDue()
	ns := messages(s2)
	var bodies []map[string]any
	for _, n := range ns {
		var b map[string]any
		if n.Event != notify.TransferChanged || json.Unmarshal([]byte(n.Params["biz_content"]), &b) != nil ||
			n.URL != d.merchant.URL+"/gateway" {
			t.Fatalf("not a transfer's message: %+v", n)
		}
		bodies = append(bodies, b)
	}
	if len(bodies) != 2 || bodies[0]["status"] != "DEALING" || bodies[0]["action_type"] != "CREATE" || bodies[0]["error_code"] != nil ||
		bodies[1]["status"] != "REFUND" || bodies[1]["action_type"] != "FINISH" {
		t.Fatalf("messages after the restart, in order: %v; want DEALING (CREATE) then REFUND (FINISH)", bodies)
	}
	stop2()

	s3, _, _ := d.start()
	s3.Sched.RunDue()
	if ns := messages(s3); len(ns) != 2 {
		t.Fatalf("a third start holds %d messages of the transfer, want the 2 sent", len(ns))
	}
}
