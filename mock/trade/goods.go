package trade

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// MaxGoods is the most goods_detail items an order may list: beyond it
// production answers ACQ.SUB_GOODS_SIZE_MAX_COUNT ("请检查子商品明细是否超过了150条").
const MaxGoods = 150

// goodsKeepBytes bounds the goods_detail text one trade keeps, whatever
// the order listed: items past it are counted (GoodsOmitted), not kept.
const goodsKeepBytes = 4 << 10

// Goods is one goods_detail item (alipay-sdk-java-all domain GoodsDetail):
// goods_id, goods_name, quantity and price are required.
type Goods struct {
	GoodsID       string        `json:"goods_id"`
	GoodsName     string        `json:"goods_name"`
	Quantity      Quantity      `json:"quantity"`
	Price         amount.Amount `json:"price"`
	GoodsCategory string        `json:"goods_category,omitempty"`
	// priceSent tells a price of 0 sent from one missing.
	priceSent bool
}

// UnmarshalJSON reads a Goods and notes whether price was sent.
func (g *Goods) UnmarshalJSON(b []byte) error {
	type plain Goods
	if err := json.Unmarshal(b, (*plain)(g)); err != nil {
		return err
	}
	g.priceSent = amount.Sent(b, "price")
	return nil
}

// Quantity is a goods quantity: a JSON number or a string of digits, as
// SDKs send either.
type Quantity int64

// UnmarshalJSON reads 2 or "2".
func (q *Quantity) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*q = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeFor[int64](), Field: "quantity"}
	}
	*q = Quantity(n)
	return nil
}

// goodsMax are the documented maximum lengths of the kept goods fields.
var goodsMax = []struct {
	name string
	max  int
	get  func(*Goods) string
}{
	{"goods_id", 64, func(g *Goods) string { return g.GoodsID }},
	{"goods_name", 256, func(g *Goods) string { return g.GoodsName }},
	{"goods_category", 24, func(g *Goods) string { return g.GoodsCategory }},
}

// checkGoods validates goods_detail: at most MaxGoods items, each with its
// required fields. The sub_msg texts naming the item are the mock's.
func checkGoods(list []Goods) error {
	if len(list) > MaxGoods {
		return ErrSubGoodsSizeMaxCount
	}
	for i := range list {
		g := &list[i]
		at := fmt.Sprintf("goods_detail[%d].", i)
		switch {
		case g.GoodsID == "":
			return InvalidParameter(at + "goods_id不能为空")
		case g.GoodsName == "":
			return InvalidParameter(at + "goods_name不能为空")
		case g.Quantity <= 0:
			return InvalidParameter(at + "quantity必须大于0")
		case !g.priceSent:
			return InvalidParameter(at + "price不能为空")
		case g.Price < 0 || g.Price > amount.Max:
			return InvalidParameter(at + "price取值范围[0,100000000]")
		}
		for _, f := range goodsMax {
			if v := f.get(g); len(v) > f.max && utf8.RuneCountInString(v) > f.max {
				return InvalidParameter(fmt.Sprintf("%s%s长度不能超过%d", at, f.name, f.max))
			}
		}
	}
	return nil
}

// keepGoods is the part of list a trade keeps (fresh copies, within
// goodsKeepBytes) and how many items it leaves out.
func keepGoods(list []Goods) ([]Goods, int) {
	var out []Goods
	size := 0
	for i, g := range list {
		size += len(g.GoodsID) + len(g.GoodsName) + len(g.GoodsCategory) + 32
		if size > goodsKeepBytes {
			return out, len(list) - i
		}
		out = append(out, Goods{GoodsID: strings.Clone(g.GoodsID), GoodsName: strings.Clone(g.GoodsName),
			Quantity: g.Quantity, Price: g.Price, GoodsCategory: strings.Clone(g.GoodsCategory), priceSent: true})
	}
	return out, 0
}

// productCodes are the product_code values each trade-opening method takes
// (Alipay's API reference for each method; "" takes the default).
var productCodes = map[string][]string{
	"alipay.trade.precreate": {"FACE_TO_FACE_PAYMENT", "OFFLINE_PAYMENT", "QR_CODE_OFFLINE"},
	"alipay.trade.pay":       {"FACE_TO_FACE_PAYMENT", "OFFLINE_PAYMENT"},
	"alipay.trade.create":    {"FACE_TO_FACE_PAYMENT", "JSAPI_PAY", "OFFLINE_PAYMENT"},
}

// checkProductCode refuses a product_code the method does not take.
func checkProductCode(method, code string) error {
	allowed, ok := productCodes[method]
	if !ok || code == "" {
		return nil
	}
	for _, c := range allowed {
		if c == code {
			return nil
		}
	}
	return InvalidParameter("product_code不支持：" + code + "（" + method + "取值" + strings.Join(allowed, "/") + "）")
}
