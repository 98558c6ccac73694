package trade

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// Order is the biz_content of the methods that open a trade (precreate,
// pay, create, page/wap/app pay). Empty fields count as absent.
type Order struct {
	OutTradeNo           string        `json:"out_trade_no"`
	TotalAmount          amount.Amount `json:"total_amount"`
	DiscountableAmount   amount.Amount `json:"discountable_amount"`
	UndiscountableAmount amount.Amount `json:"undiscountable_amount"`
	Subject              string        `json:"subject"`
	Body                 string        `json:"body"`
	ProductCode          string        `json:"product_code"`
	SellerID             string        `json:"seller_id"`
	BuyerID              string        `json:"buyer_id"`
	BuyerOpenID          string        `json:"buyer_open_id"`
	BuyerLogonID         string        `json:"buyer_logon_id"`
	StoreID              string        `json:"store_id"`
	OperatorID           string        `json:"operator_id"`
	TerminalID           string        `json:"terminal_id"`
	TimeoutExpress       string        `json:"timeout_express"`
	QRCodeTimeoutExpress string        `json:"qr_code_timeout_express"`
	TimeExpire           string        `json:"time_expire"`
	PassbackParams       string        `json:"passback_params"`
	// QuitURL is wap pay's quit_url (the gateway checks it is a URL).
	QuitURL string `json:"quit_url"`
	// MerchantOrderNo is the merchant's original order number (商户原始订单号,
	// AlipayTradePagePayModel, …WapPayModel, …AppPayModel).
	MerchantOrderNo string `json:"merchant_order_no"`
	ExtendParams    struct {
		SysServiceProviderID string `json:"sys_service_provider_id"`
		// RoyaltyFreeze "true" freezes the trade's money for later
		// settlement (Trade.RoyaltyFreeze); "false" or none does not.
		RoyaltyFreeze string `json:"royalty_freeze"`
	} `json:"extend_params"`
	GoodsDetail []Goods `json:"goods_detail"`
	// RoyaltyInfo and SettleInfo (alipay-sdk-java-all RoyaltyInfo,
	// SettleInfo) are kept on the trade as sent.
	RoyaltyInfo json.RawMessage `json:"royalty_info"`
	SettleInfo  json.RawMessage `json:"settle_info"`
	// QueryOptions names the optional fields pay's answer should carry.
	QueryOptions []string `json:"query_options"`
	// Barcode pay only.
	Scene    string `json:"scene"`
	AuthCode string `json:"auth_code"`
	// TotalSent is set when the JSON carried total_amount, so that a 0 sent
	// is out of range rather than missing.
	TotalSent bool `json:"-"`
}

// UnmarshalJSON reads an Order and notes whether total_amount was sent.
func (o *Order) UnmarshalJSON(b []byte) error {
	type plain Order
	if err := json.Unmarshal(b, (*plain)(o)); err != nil {
		return err
	}
	o.TotalSent = amount.Sent(b, "total_amount")
	return nil
}

// outTradeNoPattern is what out_trade_no may hold: Alipay documents
// letters, digits and underscores; '-' and '.' pass too, unconfirmed
// either way (docs/differences.md).
var outTradeNoPattern = regexp.MustCompile(`^[A-Za-z0-9_\-.]+$`)

// pidPattern is an Alipay account id (PID), as sys_service_provider_id must be.
var pidPattern = regexp.MustCompile(`^2088[0-9]{12}$`)

// normalise validates an order and fills in the amount split, as production
// does: total = discountable + undiscountable, a missing part derived.
func (o *Order) normalise(totalRequired bool) error {
	switch {
	case o.OutTradeNo == "":
		return InvalidParameter("out_trade_no不能为空")
	case len(o.OutTradeNo) > 64:
		return InvalidParameter("out_trade_no长度不能超过64")
	case !outTradeNoPattern.MatchString(o.OutTradeNo):
		return InvalidParameter("out_trade_no只能包含字母、数字、下划线")
	case o.Subject == "":
		return InvalidParameter("subject不能为空")
	case len([]rune(o.Subject)) > 256:
		return InvalidParameter("subject长度不能超过256")
	case strings.ContainsAny(o.Subject, "/=&"):
		return InvalidParameter("subject不能包含特殊字符/=&")
	case o.ExtendParams.SysServiceProviderID != "" && !pidPattern.MatchString(o.ExtendParams.SysServiceProviderID):
		return InvalidParameter("sys_service_provider_id必须是服务商的支付宝账号（2088开头的16位数字）")
	}
	if err := o.checkLengths(); err != nil {
		return err
	}
	// The buyer a logon names is paid back by it: a logon is a phone
	// number or an e-mail (fixtures.IsLogonID) here as everywhere. The
	// sub_msg is inferred.
	if o.BuyerLogonID != "" && !fixtures.IsLogonID(o.BuyerLogonID) {
		return InvalidParameter("buyer_logon_id格式错误，应为手机号或邮箱")
	}
	if err := checkGoods(o.GoodsDetail); err != nil {
		return err
	}
	d, u := o.DiscountableAmount, o.UndiscountableAmount
	if o.TotalAmount == 0 && !o.TotalSent { // a 0 sent is out of range, below
		if totalRequired || d == 0 || u == 0 {
			return InvalidParameter("total_amount不能为空")
		}
		o.TotalAmount = d + u
	}
	if !o.TotalAmount.InRange() {
		return ErrTotalFeeExceed
	}
	for _, a := range []amount.Amount{d, u} {
		if a != 0 && !a.InRange() {
			return InvalidParameter("discountable_amount/undiscountable_amount取值范围[0.01,100000000]")
		}
	}
	switch {
	case d != 0 && u != 0 && d+u != o.TotalAmount:
		return InvalidParameter("订单总金额必须等于打折金额与不可打折金额之和")
	case d > o.TotalAmount || u > o.TotalAmount:
		return InvalidParameter("打折金额或不可打折金额不能大于订单总金额")
	case d == 0 && u != 0:
		o.DiscountableAmount = o.TotalAmount - u
	case u == 0 && d != 0:
		o.UndiscountableAmount = o.TotalAmount - d
	}
	return nil
}

// checkLengths refuses a field longer than its documented maximum (in
// characters). The maxima also bound what an order makes a trade hold (a
// few kilobytes; refunds, syncs and settlements add to it: KeepBytes
// bounds them all together). The fields are
// listed here, not read through a table of functions: a call through one
// would move every order to the heap.
func (o *Order) checkLengths() error {
	for _, f := range [...]struct {
		name string
		max  int
		v    string
	}{
		{"body", 128, o.Body},
		{"store_id", 32, o.StoreID},
		{"operator_id", MaxOperatorID, o.OperatorID},
		{"terminal_id", 32, o.TerminalID},
		{"seller_id", 28, o.SellerID},
		{"buyer_id", 28, o.BuyerID},
		{"buyer_open_id", 128, o.BuyerOpenID},
		{"buyer_logon_id", 100, o.BuyerLogonID},
		{"passback_params", 512, o.PassbackParams},
		{"merchant_order_no", 32, o.MerchantOrderNo},
		{"product_code", 64, o.ProductCode},
		{"auth_code", 64, o.AuthCode},
	} {
		if err := checkLength(f.name, f.max, f.v); err != nil {
			return err
		}
	}
	return nil
}

// MaxOperatorID is operator_id's documented maximum length, for every
// method that takes one.
const MaxOperatorID = 28

// checkLength refuses v when it is longer than max characters.
func checkLength(name string, max int, v string) error {
	if len(v) > max && utf8.RuneCountInString(v) > max {
		return InvalidParameter(fmt.Sprintf("%s长度不能超过%d", name, max))
	}
	return nil
}

// fingerprint is what must match for a repeated request with the same
// out_trade_no to count as the same order.
func (o *Order) fingerprint() string {
	return fmt.Sprintf("%s|%d|%s", o.OutTradeNo, o.TotalAmount, o.Subject)
}

// fingerprintOf is the fingerprint of the order that made t: the one a
// store kept with it, else made from the trade's own fields (the same, not
// kept twice).
func (t *Trade) fingerprintOf() string {
	if t.fingerprint != "" {
		return t.fingerprint
	}
	return fmt.Sprintf("%s|%d|%s", t.OutTradeNo, t.Total, t.Subject)
}

// A trade's timeout is 1m to 15d from its request: timeout_express's
// range in every model, and time_expire's in the page and wap pay models
// ("超时时间范围：1m~15d"; inferred for the other methods, whose models give
// time_expire no range).
const (
	minTimeout = time.Minute
	maxTimeout = 15 * 24 * time.Hour
)

// expiry works out when an unpaid trade closes: time_expire wins over
// timeout_express; def applies when neither is given. Apps work time_expire
// out from their own clock: it is taken 1m to 15d after the clock the
// request's timestamp (stamped) is nearer, or else after the other one (the
// mock's first without a timestamp), and moved onto the mock's clock.
func (o *Order) expiry(now, wall, stamped time.Time, def time.Duration) (time.Time, error) {
	if o.TimeExpire != "" {
		t, err := timestamp.Parse(o.TimeExpire)
		if err != nil {
			// Older app pay docs allow yyyy-MM-dd HH:mm.
			t, err = time.ParseInLocation("2006-01-02 15:04", o.TimeExpire, timestamp.Zone)
			if err != nil {
				return time.Time{}, InvalidParameter("time_expire格式必须为yyyy-MM-dd HH:mm:ss")
			}
		}
		sk := timestamp.Skew{At: t, Wall: wall, Mock: now, Past: -minTimeout, Future: maxTimeout}
		if !stamped.IsZero() {
			sk.WallFirst = timestamp.Skew{At: stamped, Wall: wall, Mock: now}.NearerWall()
		}
		clock, ok := sk.Near()
		if !ok {
			return time.Time{}, InvalidParameter("time_expire取值范围为当前时间后1m～15d")
		}
		return now.Add(t.Sub(clock)), nil
	}
	if o.TimeoutExpress != "" {
		return ParseTimeout("timeout_express", o.TimeoutExpress, now)
	}
	return now.Add(def), nil
}

// ParseTimeout reads the relative timeout field holds: "90m", "3h", "15d"
// (1m to 15d, whole numbers), or "1c", which ends at midnight GMT+8 of the
// day. Its error names field.
func ParseTimeout(field, s string, now time.Time) (time.Time, error) {
	bad := InvalidParameter(field + "取值范围1m～15d，单位m/h/d/c，不能有小数")
	if s == "1c" {
		n := now.In(timestamp.Zone)
		return time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, timestamp.Zone), nil
	}
	if len(s) < 2 {
		return time.Time{}, bad
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 'm':
		unit = time.Minute
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	default:
		return time.Time{}, bad
	}
	// Digits only ("+5m" is no count), and the count is capped before it
	// is multiplied, so a huge one cannot wrap to a negative duration.
	digits := s[:len(s)-1]
	if strings.TrimLeft(digits, "0123456789") != "" {
		return time.Time{}, bad
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 1 || n > int64(maxTimeout/unit) {
		return time.Time{}, bad
	}
	return now.Add(time.Duration(n) * unit), nil
}
