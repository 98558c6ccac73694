package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// TestOrderRestrictions: what production refuses in an order, the mock
// refuses with production's sub_code.
func TestOrderRestrictions(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()

	t.Run("buyer_logon_id: only that buyer may pay", func(t *testing.T) {
		expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RB1","total_amount":"5.00","subject":"s","buyer_logon_id":"buyer@example.com"}`), "code", "10000")
		body := m.Control("POST", "/trades/RB1/pay", map[string]string{"buyer_logon_id": "someone@example.com"}, http.StatusConflict)
		if !strings.Contains(string(body), "交易买家不匹配") {
			t.Errorf("another buyer paying: %s", body)
		}
		h.control("POST", "/trades/RB1/scan", "", http.StatusOK)
		expect(t, h.call("alipay.trade.query", `{"out_trade_no":"RB1"}`), "trade_status", "WAIT_BUYER_PAY")
		var tr map[string]any
		m.ControlJSON("POST", "/trades/RB1/pay", map[string]string{"buyer_logon_id": "buyer@example.com"}, http.StatusOK, &tr)
		if tr["trade_status"] != "TRADE_SUCCESS" || tr["buyer_logon_required"] != "buyer@example.com" {
			t.Errorf("the named buyer paying: %v", tr)
		}
		expect(t, h.call("alipay.trade.query", `{"out_trade_no":"RB1"}`), "trade_status", "TRADE_SUCCESS", "buyer_logon_id", "buy***@example.com")
	})

	t.Run("a foreign seller_id", func(t *testing.T) {
		for i, method := range []string{"alipay.trade.precreate", "alipay.trade.pay", "alipay.trade.create"} {
			biz := fmt.Sprintf(`{"out_trade_no":"RS%d","total_amount":"5.00","subject":"s","seller_id":"2088999999999999","scene":"bar_code","auth_code":"283912345678901234","buyer_id":"2088000000000001"}`, i)
			expect(t, h.call(method, biz), "code", "40004", "sub_code", "ACQ.INVALID_RECEIVE_ACCOUNT", "sub_msg", "收款账户不支持")
		}
		// The merchant's own seller_id is fine.
		var tr map[string]any
		expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RS9","total_amount":"5.00","subject":"s"}`), "code", "10000")
		m.ControlJSON("GET", "/trades/RS9", nil, http.StatusOK, &tr)
		own := tr["seller"].(map[string]any)["seller_id"].(string)
		expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RS10","total_amount":"5.00","subject":"s","seller_id":"`+own+`"}`), "code", "10000")
	})

	t.Run("product_code per method", func(t *testing.T) {
		for _, c := range []struct{ method, code, want string }{
			{"alipay.trade.precreate", "FACE_TO_FACE_PAYMENT", "10000"},
			{"alipay.trade.precreate", "QR_CODE_OFFLINE", "10000"},
			{"alipay.trade.precreate", "FAST_INSTANT_TRADE_PAY", "40004"},
			{"alipay.trade.pay", "FACE_TO_FACE_PAYMENT", "10000"},
			{"alipay.trade.pay", "QUICK_MSECURITY_PAY", "40004"},
			{"alipay.trade.create", "JSAPI_PAY", "10000"},
			{"alipay.trade.create", "QUICK_WAP_WAY", "40004"},
		} {
			biz := fmt.Sprintf(`{"out_trade_no":"RP-%s-%s","total_amount":"5.00","subject":"s","product_code":"%s","scene":"bar_code","auth_code":"283912345678901234","buyer_id":"2088000000000001"}`,
				c.method[13:], c.code, c.code)
			got := h.call(c.method, biz)
			expect(t, got, "code", c.want)
			if c.want != "10000" {
				expect(t, got, "sub_code", "ACQ.INVALID_PARAMETER")
			}
		}
	})

	t.Run("goods_detail", func(t *testing.T) {
		item := `{"goods_id":"apple-01","goods_name":"苹果","quantity":2,"price":"2.50"}`
		many := strings.TrimSuffix(strings.Repeat(item+",", 151), ",")
		expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RG1","total_amount":"5.00","subject":"s","goods_detail":[`+many+`]}`),
			"code", "40004", "sub_code", "ACQ.SUB_GOODS_SIZE_MAX_COUNT", "sub_msg", "子商品明细超长")
		for _, bad := range []string{
			`{"goods_name":"苹果","quantity":1,"price":"1.00"}`,
			`{"goods_id":"a","quantity":1,"price":"1.00"}`,
			`{"goods_id":"a","goods_name":"苹果","price":"1.00"}`,
			`{"goods_id":"a","goods_name":"苹果","quantity":1}`,
		} {
			expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RG2","total_amount":"5.00","subject":"s","goods_detail":[`+bad+`]}`),
				"code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
		}
		exactly := strings.TrimSuffix(strings.Repeat(item+",", 150), ",")
		expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"RG3","total_amount":"5.00","subject":"s","goods_detail":[`+exactly+`]}`), "code", "10000")
		expect(t, h.call("alipay.trade.pay", `{"out_trade_no":"RG4","total_amount":"5.00","subject":"s","scene":"bar_code","auth_code":"283912345678901234","goods_detail":[`+item+`,{"goods_id":"pear","goods_name":"梨","quantity":"1","price":0}]}`), "code", "10000")

		var tr struct {
			Goods []struct {
				GoodsID   string `json:"goods_id"`
				GoodsName string `json:"goods_name"`
				Quantity  int    `json:"quantity"`
				Price     string `json:"price"`
			} `json:"goods_detail"`
			Omitted int `json:"goods_omitted"`
		}
		m.ControlJSON("GET", "/trades/RG4", nil, http.StatusOK, &tr)
		if len(tr.Goods) != 2 || tr.Goods[0].GoodsName != "苹果" || tr.Goods[0].Quantity != 2 || tr.Goods[0].Price != "2.50" || tr.Goods[1].GoodsID != "pear" || tr.Omitted != 0 {
			t.Errorf("kept goods: %+v", tr)
		}
		// 150 items are accepted; what the trade keeps is bounded, and says so.
		b := m.Control("GET", "/trades/RG3", nil, http.StatusOK)
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		if len(tr.Goods) == 0 || len(tr.Goods)+tr.Omitted != 150 || len(b) > 16<<10 {
			t.Errorf("150 items: kept %d, omitted %d, view %d bytes", len(tr.Goods), tr.Omitted, len(b))
		}
	})
}
