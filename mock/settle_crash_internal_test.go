package mock

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// settleCrashedBetweenCommits starts a mock on a new directory, pays
// outTradeNo and settles it async (3.00 to a bound receiver) with the data
// file closed once the settlement's trade commit is stored, so the
// message's job is not kept: the settlement must be answered 20000. It
// returns the first mock, still running, and the trade's number.
func settleCrashedBetweenCommits(t *testing.T, outTradeNo string) (d *restartDir, s1 *Server, stop1 func(), tradeNo string) {
	t.Helper()
	d = newMessageRestartDir(t, "success")
	ctx := context.Background()
	s1, c1, stop1 := d.start()
	const recv = "2088000000000101"
	if _, err := c1.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: recv}}}); err != nil {
		t.Fatal(err)
	}
	p, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: outTradeNo, TotalAmount: amount.MustParse("10.00"),
		Subject: "s"}, Scene: "bar_code", AuthCode: "283912345678901234"})
	if err != nil {
		t.Fatal(err)
	}
	crashAtTrade(s1, trade.EventSettled) // stored with its mark; the job's write fails
	_, serr := c1.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S1", TradeNo: p.TradeNo, RoyaltyMode: "async",
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("3.00")}}})
	wantResultUnknown(t, serr, "the settlement")
	return d, s1, stop1, p.TradeNo
}

// settleMessages lists the settlement messages s holds for tradeNo.
func settleMessages(s *Server, tradeNo string) []notify.Notification {
	var out []notify.Notification
	for _, n := range s.Notifier.Outbox().List(notify.Filter{TradeNo: tradeNo}) {
		if n.Kind == notify.KindMessage && n.Event == notify.SettleNotify {
			out = append(out, n)
		}
	}
	return out
}

// An async settlement's change and the plan of its message (a kept job)
// are two commits: the trade's, with an untold mark on its settled event,
// then the job's, which clears the mark. A crash between the two fails
// the job's write, so the settlement is answered 20000, and the next
// start (after the message fell due) plans the message from the mark and
// sends it, once.
func TestSettleMessageIsSentAfterACrashBetweenItsTwoCommits(t *testing.T) {
	d, _, stop1, tradeNo := settleCrashedBetweenCommits(t, "CRASH-SETTLE")
	stop1()
	d.downUntil(d.at.Add(time.Hour)) // the message fell due while the mock was down

	s2, _, stop2 := d.start()
	s2.Sched.RunDue()
	ns := settleMessages(s2, tradeNo)
	if len(ns) != 1 || !strings.Contains(ns[0].Params["biz_content"], `"settle_no":"`+tradeNo+`0001"`) ||
		ns[0].URL != d.merchant.URL+"/gateway" {
		t.Fatalf("settle messages after the restart: %+v, want the settlement's one", ns)
	}
	stop2()

	s3, _, _ := d.start()
	s3.Sched.RunDue()
	if ns := settleMessages(s3, tradeNo); len(ns) != 1 {
		t.Fatalf("a third start holds %d settle messages, want the 1 sent", len(ns))
	}
}

// A settlement whose message's job the data file failed to keep answers
// 20000 and plans no message on the clock in memory: the untold mark in
// the settlement's commit plans it at the next start, once (a message
// sent from memory, not stored, would be sent again then).
func TestSettleMessageWhoseJobWasNotKeptIsLeftToTheNextStart(t *testing.T) {
	d, s1, stop1, tradeNo := settleCrashedBetweenCommits(t, "JOBLESS-SETTLE")
	s1.Sched.Advance(trade.AsyncSettleDelay)
	if n := len(settleMessages(s1, tradeNo)); n != 0 {
		t.Fatalf("%d settle messages made from memory after the job was not kept, want none (the mark plans it)", n)
	}
	stop1()
	d.downUntil(d.at.Add(time.Hour))
	s2, _, _ := d.start()
	s2.Sched.RunDue()
	if n := len(settleMessages(s2, tradeNo)); n != 1 {
		t.Fatalf("settle messages after the restart: %d, want the settlement's one", n)
	}
}
