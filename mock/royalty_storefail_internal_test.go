package mock

import (
	"context"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// A royalty bind or unbind whose --data write failed answers 20000 and
// changes nothing: the batch query lists the receivers as before them (an
// unbind emptying the list included: its delete's failure is answered).
func TestRoyaltyChangeTheDataWriteFailedIsNotKept(t *testing.T) {
	s, url := resetMock(t, t.TempDir())
	c, err := client.New(client.Config{GatewayURL: url + GatewayPath, AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kept := client.RoyaltyEntity{Type: client.RoyaltyUserID, Account: "2088000000000001"}
	if _, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "K1", ReceiverList: []client.RoyaltyEntity{kept}}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	refused := client.RoyaltyEntity{Type: client.RoyaltyUserID, Account: "2088000000000002"}
	if _, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1", ReceiverList: []client.RoyaltyEntity{refused}}); err == nil || !strings.Contains(err.Error(), "20000") {
		t.Fatalf("bind with the store failing: %v, want 20000", err)
	}
	if _, err := c.RoyaltyRelationUnbind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "U1", ReceiverList: []client.RoyaltyEntity{kept}}); err == nil || !strings.Contains(err.Error(), "20000") {
		t.Fatalf("unbind with the store failing: %v, want 20000", err)
	}
	q, err := c.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range q.ReceiverList {
		got = append(got, e.Account)
	}
	if len(got) != 1 || got[0] != kept.Account {
		t.Errorf("receivers after a bind and an unbind answered 20000: %v; want only %s, as before them", got, kept.Account)
	}
}
