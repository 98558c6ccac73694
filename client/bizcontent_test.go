package client

import (
	"encoding/json"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

func TestBizContent(t *testing.T) {
	type nested struct {
		A string `json:"a"`
		B []int  `json:"b"`
	}
	tests := []struct {
		name string
		biz  any
		want string
	}{
		{"zero struct fields", PrecreateRequest{Order: Order{OutTradeNo: "o1", TotalAmount: amount.MustParse("88.8")}},
			`{"out_trade_no":"o1","total_amount":"88.80"}`},
		{"empty strings in a map", map[string]any{"trade_no": "", "out_trade_no": "o1", "product_code": ""},
			`{"out_trade_no":"o1"}`},
		{"nested empties", map[string]any{"x": nested{}, "y": nested{A: "a"}, "z": nil, "w": []string{}},
			`{"y":{"a":"a"}}`},
		{"arrays keep positions", map[string]any{"goods": []map[string]string{{"id": ""}, {"id": "g2"}}},
			`{"goods":[{},{"id":"g2"}]}`},
		{"zeros and false survive in maps", map[string]any{"n": 0, "f": false, "s": "0"},
			`{"f":false,"n":0,"s":"0"}`},
		{"no HTML escaping", map[string]string{"subject": "a&b<c>", "url": "http://x/y?a=1&b=2"},
			`{"subject":"a&b<c>","url":"http://x/y?a=1&b=2"}`},
		{"raw JSON is compacted and pruned", json.RawMessage(`{ "a" : "" , "b" : { "c" : "d" } }`),
			`{"b":{"c":"d"}}`},
		{"all empty", Order{}, `{}`},
		{"unicode raw", map[string]string{"subject": "测试"}, `{"subject":"测试"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bizContent(tt.biz)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("bizContent = %s\nwant          %s", got, tt.want)
			}
		})
	}
}
