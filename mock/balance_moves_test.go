package mock_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

type balanceJSON struct {
	Available amount.Amount `json:"available_amount"`
	Freeze    amount.Amount `json:"freeze_amount"`
}

func availableOf(t *testing.T, m *mocktest.Mock, app string) amount.Amount {
	t.Helper()
	var b balanceJSON
	m.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
	return b.Available
}

// 商家分账 moves money out of the seller's Alipay account: "将相应的资金从商家
// 的支付宝账号划转至分账对象的支付宝账号", "分账金额默认从支出方支付宝账户余额出资"
// (https://blog.csdn.net/qq_44715376/article/details/138082385, quoting
// Alipay's 商家分账 guide); the guide's settle.query sample fails a split
// with TXN_RESULT_ACCOUNT_BALANCE_NOT_ENOUGH 分账余额不足
// (https://zhifubao.apifox.cn/doc-3272534). A settlement of 3.00 must
// take 3.00 off the merchant's balance (and show in its account bill).
func TestSettlementMovesTheMerchantBalance(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	app := keys.DevAppID
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
	no := paidAndBound(t, m, "MBS1")
	paid := availableOf(t, m, app)
	if paid != amount.MustParse("9.94") {
		t.Fatalf("after paying 10.00 the balance is %v, want 9.94 (less the 0.6%% fee)", paid)
	}
	expect(t, settle(m, no, "MBS1A", "3.00"), "code", "10000")
	if got := availableOf(t, m, app); got != paid-amount.MustParse("3.00") {
		t.Errorf("after settling 3.00 to a receiver the balance is %v, want %v: the split money never left the merchant", got, paid-amount.MustParse("3.00"))
	}
}

// alipay.trade.refund's error table: ACQ.SELLER_BALANCE_NOT_ENOUGH 卖家余额不足
// ("商户支付宝账户充值后重新发起退款"); AlipayTradeRefundModel.
// refund_royalty_parameters: "默认从收款方退款，收款方余额不足退款失败". A refund
// is paid from the merchant's balance, and production refuses one the
// balance cannot cover. The mock
// refunds anyway and alipay.fund.account.query then answers a negative
// available_amount, which production's account never shows.
func TestRefundBeyondTheMerchantBalanceIsRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	app := keys.DevCertAppID
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
	expect(t, m.Call("alipay.trade.pay", `{"out_trade_no":"MBR1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`), "code", "10000")
	transferTo(ctx, t, c, "MBR1OUT", "9.94") // the merchant pays its takings out
	if got := availableOf(t, m, app); got != 0 {
		t.Fatalf("balance %v after paying out everything, want 0.00", got)
	}
	r := m.Call("alipay.trade.refund", `{"out_trade_no":"MBR1","refund_amount":"10.00","out_request_no":"RR1"}`)
	expect(t, r, "code", "40004", "sub_code", "ACQ.SELLER_BALANCE_NOT_ENOUGH")
	if raw := string(m.Control(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK)); strings.Contains(raw, `"-`) {
		t.Errorf("the merchant's balance went negative: %s", raw)
	}
}

// Concurrent money moves against one mock keep the sums (checked sound):
// twenty partial refunds of 1.00 racing on a 10.00 trade refund exactly
// 10.00, then twenty transfers of 3.00 racing on a 30.00 balance pay out
// exactly 30.00, and the balance ends at 0.00.
func TestConcurrentRefundsAndTransfersKeepTheSums(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	app := keys.DevCertAppID
	if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "MBC1", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var refunded, paidOut atomic.Int64
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "MBC1", RefundAmount: amount.MustParse("1.00"), OutRequestNo: fmt.Sprintf("RC%d", i)}); err == nil {
				refunded.Add(100)
			}
		}()
	}
	wg.Wait()
	if refunded.Load() != 1000 {
		t.Errorf("racing refunds refunded %d cents of a 10.00 trade, want 1000", refunded.Load())
	}
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "30.00"}, http.StatusOK)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: fmt.Sprintf("MBCT%d", i), TransAmount: amount.MustParse("3.00"), OrderTitle: "提现",
				PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "王五"}})
			if err == nil && r.Status == "SUCCESS" {
				paidOut.Add(300)
			}
		}()
	}
	wg.Wait()
	if paidOut.Load() != 3000 {
		t.Errorf("racing transfers paid out %d cents of a 30.00 balance, want 3000", paidOut.Load())
	}
	if got := availableOf(t, m, app); got != 0 {
		t.Errorf("balance %v after paying out all of it, want 0.00", got)
	}
}

// A merchant-funded voucher carries no money to the merchant
// (AlipayTradeRefundModel.refund_amount: "20元无资金流的营销券，商家实际收款80元";
// receipt_amount, 商家实收). The mock says so itself when it bounds a
// settlement by what the merchant holds (receipt_amount, 90.20 of
// 100.20: TestSettlementBoundedByWhatTheMerchantHolds), yet its balance
// takes in the whole 100.20: 10.00 that never reached the merchant can be
// paid out by a transfer.
func TestMerchantVoucherIsNotIncome(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	app := keys.DevAppID
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"MBV1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"s"}`)
	expect(t, paid, "code", "10000", "receipt_amount", "90.20")
	// The fee stays on the order's total (docs/differences.md): 0.60.
	if got, want := availableOf(t, m, app), amount.MustParse("89.60"); got != want {
		t.Errorf("balance %v after a 100.20 payment of which the merchant received 90.20 (receipt_amount), want %v", got, want)
	}
}

// The account bill's last 账户余额 is the balance alipay.fund.account.query
// answers (docs/differences.md). A transfer dropped past --keep-transfers
// keeps its money out of the balance (docs/limits.md: Evicted), but the
// bill starts from the account's base without it, so its 账户余额 runs
// 1.00 above the balance for ever after.
func TestEvictedTransferKeepsTheAccountBillsBalance(t *testing.T) {
	m := mocktest.New(t, mock.Options{Fund: fund.Options{Keep: 1}}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	app := keys.DevCertAppID
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	transferTo(ctx, t, c, "MBE1", "1.00")
	transferTo(ctx, t, c, "MBE2", "1.00") // MBE1 goes
	if got := availableOf(t, m, app); got != amount.MustParse("98.00") {
		t.Fatalf("balance %v, want 98.00", got)
	}
	m.Advance("24h")
	detail := billDetail(t, c, "signcustomer", "2026-11-23")
	if !strings.Contains(detail, ",98.00,支付宝,转账,") {
		t.Errorf("the account bill does not end at the balance 98.00:\n%s", detail)
	}
}

// AlipayTradeRefundModel.refund_royalty_parameters (alipay-sdk-java-all
// v2/src/main/java/com/alipay/api/domain/AlipayTradeRefundModel.java):
// "1.当面付且非直付通模式无需传入退分账明细，系统自动按退款金额与订单金额的比率，
// 从收款方和分账收入方退款，不支持指定退款金额与退款方". Refunding 5.00 of a
// 10.00 face-to-face trade (alipay.trade.pay) of which 3.00 was split
// takes 1.50 back from the receiver on its own; the mock takes nothing
// back, so the receiver keeps 3.00 of money the buyer got back.
func TestFaceToFaceRefundTakesBackTheSplitProRata(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	no := paidAndBound(t, m, "MBF2F")
	expect(t, settle(m, no, "MBF2FS", "3.00"), "code", "10000")
	expect(t, m.Call("alipay.trade.refund", `{"trade_no":"`+no+`","refund_amount":"5.00","out_request_no":"MBF2FR"}`), "code", "10000")
	q := m.Call("alipay.trade.query", `{"trade_no":"`+no+`","query_options":["trade_settle_info"]}`)
	info, _ := q["trade_settle_info"].(map[string]any)
	list, _ := info["trade_settle_detail_list"].([]any)
	var back string
	for _, d := range list {
		if d := d.(map[string]any); d["operation_type"] == "transfer_refund" {
			back, _ = d["amount"].(string)
		}
	}
	if back != "1.50" {
		t.Errorf("after refunding half of a face-to-face trade whose 3.00 was split, the receiver gave back %q, want 1.50: %v", back, list)
	}
}

// A face-to-face refund takes the split back on its own and "不支持指定退款金额
// 与退款方": refund_royalty_parameters are refused (ACQ.INVALID_PARAMETER,
// inferred) and nothing is refunded; a cancel of a paid face-to-face trade
// takes all of the split back.
func TestFaceToFaceRefundRefusesRoyaltyParameters(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	no := paidAndBound(t, m, "MBF2FP")
	expect(t, settle(m, no, "MBF2FPS", "3.00"), "code", "10000")
	r := m.Call("alipay.trade.refund", `{"trade_no":"`+no+`","refund_amount":"5.00","out_request_no":"R1","refund_royalty_parameters":[{"trans_out":"2088000000000002","amount":"1.00"}]}`)
	expect(t, r, "code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
	expect(t, m.Call("alipay.trade.query", `{"trade_no":"`+no+`"}`), "trade_status", "TRADE_SUCCESS")
	expect(t, m.Call("alipay.trade.cancel", `{"trade_no":"`+no+`"}`), "code", "10000", "action", "refund")
	q := m.Call("alipay.trade.query", `{"trade_no":"`+no+`","query_options":["trade_settle_info"]}`)
	info, _ := q["trade_settle_info"].(map[string]any)
	list, _ := info["trade_settle_detail_list"].([]any)
	var back string
	for _, d := range list {
		if d := d.(map[string]any); d["operation_type"] == "transfer_refund" {
			back, _ = d["amount"].(string)
		}
	}
	if back != "3.00" {
		t.Errorf("a cancel of a face-to-face trade whose 3.00 was split took back %q, want 3.00: %v", back, list)
	}
}

// A refund, a cancel's refund and a settlement are paid from the
// merchant's balance, in memory and with --data alike: one the balance
// cannot cover is refused (refund and cancel ACQ.SELLER_BALANCE_NOT_ENOUGH,
// "商户的支付宝账户中无足够的资金进行撤销或退款"; a settlement
// USER_BALANCE_NOT_ENOUGH, as merchants report order.settle's) and moves
// nothing; once the balance covers it, it goes through.
func TestRefundCancelAndSettlementNeedTheBalance(t *testing.T) {
	for _, data := range []bool{false, true} {
		t.Run(fmt.Sprint("data=", data), func(t *testing.T) {
			o := mock.Options{}
			if data {
				o.DataDir = t.TempDir()
			}
			m := mocktest.New(t, o).CertApp()
			c := m.Client(nil)
			ctx := context.Background()
			app := keys.DevCertAppID
			m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
			no := paidAndBound(t, m, "MBN1")
			expect(t, settle(m, no, "MBN1S", "2.00"), "code", "10000")
			if got := availableOf(t, m, app); got != amount.MustParse("7.94") {
				t.Fatalf("balance %v after a 2.00 split of 9.94, want 7.94", got)
			}
			transferTo(ctx, t, c, "MBN1OUT", "7.94")
			expect(t, m.Call("alipay.trade.refund", `{"trade_no":"`+no+`","refund_amount":"1.00","out_request_no":"R1"}`),
				"code", "40004", "sub_code", "ACQ.SELLER_BALANCE_NOT_ENOUGH", "sub_msg", "卖家余额不足")
			expect(t, m.Call("alipay.trade.cancel", `{"trade_no":"`+no+`"}`), "code", "40004", "sub_code", "ACQ.SELLER_BALANCE_NOT_ENOUGH")
			expect(t, settle(m, no, "MBN1S2", "0.50"), "code", "40004", "sub_code", "USER_BALANCE_NOT_ENOUGH")
			expect(t, m.Call("alipay.trade.query", `{"trade_no":"`+no+`"}`), "trade_status", "TRADE_SUCCESS")
			if got := availableOf(t, m, app); got != 0 {
				t.Fatalf("balance %v after refused changes, want 0.00", got)
			}
			m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "5.00"}, http.StatusOK)
			expect(t, m.Call("alipay.trade.refund", `{"trade_no":"`+no+`","refund_amount":"1.00","out_request_no":"R1"}`), "code", "10000")
			// 1.00 refunded, 0.01 of fee given back, 0.20 taken back from the
			// receiver (face-to-face: pro rata).
			if got := availableOf(t, m, app); got != amount.MustParse("4.21") {
				t.Errorf("balance %v after the refund, want 4.21", got)
			}
		})
	}
}

// Refunds racing transfers never take the balance below zero: a refund's
// check and a transfer's are made under the books' locks, and a refund
// makes a transfer that read the income before it read it again.
func TestRefundsRacingTransfersNeverOverdraw(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	app := keys.DevCertAppID
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
	for i := 0; i < 10; i++ {
		expect(t, m.Call("alipay.trade.pay", fmt.Sprintf(`{"out_trade_no":"MBRR%d","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`, i)), "code", "10000")
	}
	// 99.40 in the balance; ten full refunds and ten transfers of 9.94
	// each race for it: ten at most can be paid.
	var wg sync.WaitGroup
	var paid atomic.Int64
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: fmt.Sprintf("MBRR%d", i/2), RefundAmount: amount.MustParse("10.00")})
				if err == nil {
					paid.Add(1)
				} else if e, ok := err.(*client.Error); !ok || e.SubCode != "ACQ.SELLER_BALANCE_NOT_ENOUGH" {
					t.Errorf("refund: %v", err)
				}
				return
			}
			r, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: fmt.Sprintf("MBRX%d", i), TransAmount: amount.MustParse("9.94"), OrderTitle: "提现",
				PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "王五"}})
			if err == nil && r.Status == "SUCCESS" {
				paid.Add(1)
			} else if e, ok := err.(*client.Error); !ok || e.SubCode != "PAYER_BALANCE_NOT_ENOUGH" {
				t.Errorf("transfer: %+v %v", r, err)
			}
		}()
	}
	wg.Wait()
	if paid.Load() != 10 {
		t.Errorf("%d of the racing refunds and transfers of 9.94 were paid from 99.40, want 10", paid.Load())
	}
	if raw := string(m.Control(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK)); !strings.Contains(raw, `"available_amount":"0.00"`) {
		t.Errorf("balance after paying out all of it: %s", raw)
	}
}
