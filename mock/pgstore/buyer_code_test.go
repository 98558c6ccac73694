package pgstore_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// One auth_code is one buyer on every replica: a code paid on one replica
// and then on another (which never saw it) names the same buyer, a waiting
// trade repeated on the other replica with its code answers as the first
// did, and another code is another buyer there too (each replica used to
// draw a new buyer for a code it had not seen).
func TestReplicasAgreeOnACodesBuyer(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	const code, other = "283912345678901234", "251111222233334444"
	pay := func(i int, out, code, total string) map[string]any {
		t.Helper()
		return rs[i].Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"`+code+`","total_amount":"`+total+`","subject":"s"}`)
	}
	a := pay(0, "CB1", code, "1.00")
	b := pay(1, "CB2", code, "1.00")
	if !ok(a) || !ok(b) {
		t.Fatalf("pay: %v, %v", a, b)
	}
	if a["buyer_user_id"] == nil || a["buyer_user_id"] != b["buyer_user_id"] || a["buyer_logon_id"] != b["buyer_logon_id"] {
		t.Fatalf("one auth_code on two replicas: buyer %v (%v) and %v (%v)", a["buyer_user_id"], a["buyer_logon_id"], b["buyer_user_id"], b["buyer_logon_id"])
	}
	c := pay(1, "CB3", other, "1.00")
	if !ok(c) || c["buyer_user_id"] == a["buyer_user_id"] {
		t.Fatalf("another auth_code: %v, want another buyer than %v", c, a["buyer_user_id"])
	}

	// A trade waiting for the password, made on one replica, repeated on
	// the other: its buyer's code answers 10003 again, another's is refused.
	w := pay(0, "CBW", code, "5000.00")
	if w["code"] != "10003" || w["buyer_user_id"] != a["buyer_user_id"] {
		t.Fatalf("waiting pay: %v", w)
	}
	if r := pay(1, "CBW", code, "5000.00"); r["code"] != "10003" || r["buyer_user_id"] != a["buyer_user_id"] || r["trade_no"] != w["trade_no"] {
		t.Fatalf("the same code repeated on another replica: %v, want %v", r, w)
	}
	if r := pay(1, "CBW", other, "5000.00"); r["sub_code"] != "ACQ.TRADE_BUYER_NOT_MATCH" {
		t.Fatalf("another buyer's code repeated on another replica: %v", r)
	}
}
