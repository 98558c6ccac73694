package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Three replicas on one PostgreSQL (--store) act as one mock for
// transfers: each call of the flow goes to another replica (docs/replicas.md).
func TestE2ETransferAcrossReplicas(t *testing.T) {
	url := pgtest.URL(t)
	var rs [3]*mocktest.Mock
	var cs [3]*client.Client
	for i := range rs {
		rs[i] = mocktest.New(t, mock.Options{Store: url}).CertApp()
		cs[i] = rs[i].Client(nil)
	}
	ctx := context.Background()
	seller := devSeller(t, rs[0])
	before := balanceOf(t, cs[0], seller)

	req := client.TransferRequest{TransferSceneName: scene, OutBizNo: "RT1", TransAmount: amount.MustParse("12.34"), OrderTitle: "提现",
		PayeeInfo: client.Participant{Identity: payee, IdentityType: client.PayeeUserID, Name: "张三"}}
	r, err := cs[0].Transfer(ctx, req)
	if err != nil || r.Status != "SUCCESS" {
		t.Fatalf("transfer %+v %v", r, err)
	}
	// A repeat on another replica: the same transfer, no money moved twice.
	again, err := cs[1].Transfer(ctx, req)
	if err != nil || again.OrderID != r.OrderID || again.PayFundOrderID != r.PayFundOrderID {
		t.Fatalf("repeat on another replica %+v %v, want %+v", again, err, r)
	}
	other := req
	other.TransAmount = amount.MustParse("12.35")
	_, err = cs[2].Transfer(ctx, other)
	wantAPIError(t, err, "40004", "PAYMENT_INFO_INCONSISTENCY")
	for i, c := range cs {
		if a := balanceOf(t, c, seller); a.AvailableAmount != before.AvailableAmount-amount.MustParse("12.34") {
			t.Fatalf("replica %d: balance %s after 12.34 out of %s", i, a.AvailableAmount, before.AvailableAmount)
		}
		for _, q := range []client.TransferQueryRequest{{OutBizNo: "RT1"}, {OrderID: r.OrderID}, {PayFundOrderID: r.PayFundOrderID}} {
			got, err := c.TransferQuery(ctx, q)
			if err != nil || got.Status != "SUCCESS" || got.OrderID != r.OrderID || got.TransAmount != req.TransAmount {
				t.Fatalf("replica %d: query %+v = %+v %v", i, q, got, err)
			}
		}
	}
	// v3 on one replica, found by v1 on another.
	var v3 client.TransferResponse
	if err := cs[1].V3(ctx, "alipay.fund.trans.uni.transfer", client.TransferRequest{TransferSceneName: scene, OutBizNo: "RT2", TransAmount: amount.MustParse("1.00"),
		ProductCode: client.TransferProductCode, BizScene: client.TransferBizScene,
		PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "李四"}}, &v3); err != nil {
		t.Fatal(err)
	}
	if q, err := cs[2].TransferQuery(ctx, client.TransferQueryRequest{OrderID: v3.OrderID}); err != nil || q.OutBizNo != "RT2" {
		t.Fatalf("v3 transfer queried on another replica: %+v %v", q, err)
	}

	// A buyer paid on one replica is known on the others, by each kind of
	// identity: a wrong name is refused.
	p, err := cs[0].Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "RP1", TotalAmount: amount.MustParse("1.00"), Subject: "s"},
		AuthCode: "286648048691290423"})
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		Buyer fixtures.Buyer `json:"buyer"`
	}
	rs[1].ControlJSON("GET", "/trades/RP1", nil, http.StatusOK, &tr)
	ids := []client.Participant{{Identity: p.BuyerUserID, IdentityType: client.PayeeUserID},
		{Identity: fixtures.OpenID(keys.DevCertAppID, p.BuyerUserID), IdentityType: client.PayeeOpenID}}
	if tr.Buyer.Account != "" {
		ids = append(ids, client.Participant{Identity: tr.Buyer.Account, IdentityType: client.PayeeLogonID})
	}
	for i, id := range ids {
		id.Name = tr.Buyer.Name + "X"
		_, err := cs[1+i%2].Transfer(ctx, client.TransferRequest{TransferSceneName: scene, OutBizNo: "RW" + id.IdentityType, TransAmount: amount.MustParse("1.00"), PayeeInfo: id})
		wantAPIError(t, err, "40004", "PAYEE_USER_INFO_ERROR")
	}

	// The control API on any replica lists them; a reset on one forgets
	// them, and the balance, on all.
	var list []fund.Transfer
	rs[2].ControlJSON("GET", "/transfers?app_id="+keys.DevCertAppID, nil, http.StatusOK, &list)
	if len(list) != 2 || list[0].OutBizNo != "RT1" || list[1].OutBizNo != "RT2" {
		t.Fatalf("control list %+v", list)
	}
	rs[0].Control("POST", "/reset?app_id="+keys.DevCertAppID, nil, http.StatusOK)
	_, err = cs[1].TransferQuery(ctx, client.TransferQueryRequest{OutBizNo: "RT1"})
	wantAPIError(t, err, "40004", "ORDER_NOT_EXIST")
	if a := balanceOf(t, cs[2], seller); a.AvailableAmount != fund.DefaultOpening {
		t.Fatalf("balance after reset %s", a.AvailableAmount)
	}
}
