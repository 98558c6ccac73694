package gateway

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// decodeInputs are biz_content values of every shape decode meets:
// well-formed orders and requests, members of the wrong type at the top
// and nested, bad amounts and quantities, and what is not an object.
var decodeInputs = []string{
	`{"out_trade_no":"T1","total_amount":"88.88","subject":"Iphone6 16G"}`,
	`{"out_trade_no":12345,"total_amount":9.9,"subject":"s","goods_detail":[{"goods_id":"g","goods_name":"n","quantity":2,"price":"1.00"}]}`,
	`{"out_trade_no":"T2","total_amount":"1.234","subject":"s"}`,
	`{"out_trade_no":"T3","total_amount":"abc"}`,
	`{"out_trade_no":"T4","total_amount":"-1"}`,
	`{"out_trade_no":{"x":1},"subject":"s"}`,
	`{"out_trade_no":["a"],"subject":"s"}`,
	`{"subject":true}`,
	`{"goods_detail":{"goods_id":"g"}}`,
	`{"goods_detail":[{"quantity":"x"}]}`,
	`{"goods_detail":[{"quantity":1.5,"price":"1"}]}`,
	`{"goods_detail":[{"price":"1.001"}]}`,
	`{"extend_params":{"sys_service_provider_id":2088511833207846}}`,
	`{"extend_params":"x"}`,
	`{"refund_amount":"1.00","out_request_no":"R1","trade_no":"2026"}`,
	`{"refund_amount":"x"}`,
	`{"refund_amount":{"a":1}}`,
	`{"out_order_no":"C1","amount":"1.00","order_title":"t"}`,
	`{"out_order_no":"C1","amount":"1.0.0"}`,
	`{"amount":[1]}`,
	`{"Total_Amount":"1.00","TOTAL_AMOUNT":"2.00"}`,
	`{"total_amount":null,"subject":""}`,
	`{"time_expire":"2026-01-01 00:00:00","qr_code_timeout_express":5}`,
	`{}`,
}

// TestDecodeAgreesWithUnmarshal: for every method's biz_content type that
// decodes itself, decode's direct call gives what json.Unmarshal gives: the
// same value, or the same error (type and text), on every input.
func TestDecodeAgreesWithUnmarshal(t *testing.T) {
	unmarshaler := reflect.TypeFor[json.Unmarshaler]()
	tested := 0
	for name, e := range table {
		if !reflect.PointerTo(e.biz).Implements(unmarshaler) {
			continue
		}
		tested++
		for _, in := range decodeInputs {
			raw, _, err := normaliseBiz([]byte(in))
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			direct := reflect.New(e.biz)
			derr := direct.Interface().(json.Unmarshaler).UnmarshalJSON(raw)
			viaJSON := reflect.New(e.biz)
			jerr := json.Unmarshal(raw, viaJSON.Interface())
			if fmt.Sprintf("%T %v", derr, derr) != fmt.Sprintf("%T %v", jerr, jerr) {
				t.Errorf("%s, %s: direct error %T %v, json.Unmarshal %T %v", name, in, derr, derr, jerr, jerr)
			}
			if !reflect.DeepEqual(direct.Interface(), viaJSON.Interface()) {
				t.Errorf("%s, %s: direct %+v, json.Unmarshal %+v", name, in, direct.Elem(), viaJSON.Elem())
			}
		}
	}
	if tested < 3 {
		t.Fatalf("%d biz types decode themselves; the table changed?", tested)
	}
}
