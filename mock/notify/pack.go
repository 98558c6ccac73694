package notify

import (
	"encoding/base64"
	"encoding/binary"
	"sort"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// A notification in the outbox keeps its form packed: the parameters in
// one string, sorted by key, each a key (one byte for the usual keys of
// packKeys, else 0, its length and the key) and its value (length, then
// the bytes as they are: lossless for any text). The time field and sign
// are left out when they are the last attempt's, which keeps them
// already. Params and Body are rebuilt when the notification is read;
// Body is the parameters encoded in the notification's charset, as every
// attempt sent them.

// packKeys are the keys notifications and messages carry, one byte each
// once packed (their index + 1; at most 127 of them).
var packKeys = []string{
	"notify_time", "notify_type", "notify_id", "app_id", "auth_app_id", "version", "charset", "sign_type", "sign",
	"trade_no", "out_trade_no", "trade_status", "seller_id", "seller_email", "buyer_id", "buyer_logon_id",
	"total_amount", "subject", "body", "gmt_create", "passback_params", "receipt_amount", "invoice_amount",
	"buyer_pay_amount", "point_amount", "gmt_payment", "fund_bill_list", "voucher_detail_list", "gmt_close",
	"refund_fee", "out_biz_no", "gmt_refund", "utc_timestamp", "msg_method", "biz_content",
	"auth_no", "out_order_no", "operation_id", "out_request_no", "operation_type", "amount", "status",
	"order_title", "payer_user_id", "payer_logon_id", "extra_param", "total_freeze_amount", "rest_amount",
	"total_unfreeze_amount", "total_pay_amount", "gmt_trans", "payee_user_id", "payee_logon_id", "deduct_auth_no",
}

var packIndex = func() map[string]byte {
	m := make(map[string]byte, len(packKeys))
	for i, k := range packKeys {
		m[k] = byte(i + 1)
	}
	return m
}()

// pack moves Params and Body into the packed form, when they are set.
func (n *Notification) pack() {
	if n.Params == nil {
		return
	}
	var last *Attempt
	if len(n.Attempts) > 0 {
		last = &n.Attempts[len(n.Attempts)-1]
	}
	tf := timeField(n.Kind)
	v, ok := n.Params[tf]
	n.timeAtt = ok && last != nil && last.NotifyTime != "" && v == last.NotifyTime
	v, ok = n.Params["sign"]
	n.signAtt = ok && last != nil && last.Sign != "" && v == last.Sign
	keys := make([]string, 0, len(n.Params))
	size := 0
	for k, v := range n.Params {
		if (n.timeAtt && k == tf) || (n.signAtt && k == "sign") {
			continue
		}
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	sort.Strings(keys)
	b := make([]byte, 0, size)
	for _, k := range keys {
		if i, ok := packIndex[k]; ok {
			b = append(b, i)
		} else {
			b = append(b, 0)
			b = binary.AppendUvarint(b, uint64(len(k)))
			b = append(b, k...)
		}
		v := n.Params[k]
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	n.form = string(b)
	n.rawBody, n.hasRaw = "", false
	if enc, err := sign.EncodeForm(n.Params, sign.Charset(n.Charset)); err != nil || enc != n.Body {
		n.rawBody, n.hasRaw = n.Body, true // kept by an older version with another body: kept as it was
	}
	if k := n.AppID + "|" + n.OutTradeNo; n.key == k {
		n.key = "" // the usual one, derived again by schedKey
	}
	// notify_id is in the form: share its bytes.
	if id := n.NotifyID; id != "" {
		if i := strings.Index(n.form, id); i >= 0 {
			n.NotifyID = n.form[i : i+len(id)]
		}
	}
	// A signature is kept as its bytes, a quarter smaller than its base64.
	for i := range n.Attempts {
		a := &n.Attempts[i]
		if a.rawSign || a.Sign == "" {
			continue
		}
		if raw, err := base64.StdEncoding.DecodeString(a.Sign); err == nil && base64.StdEncoding.EncodeToString(raw) == a.Sign {
			a.Sign, a.rawSign = string(raw), true
		}
	}
	n.Params, n.Body, n.packed = nil, "", true
}

// unpack rebuilds Params and Body from the packed form.
func (n *Notification) unpack() {
	if !n.packed {
		return
	}
	for i := range n.Attempts {
		if a := &n.Attempts[i]; a.rawSign {
			a.Sign, a.rawSign = base64.StdEncoding.EncodeToString([]byte(a.Sign)), false
		}
	}
	p := make(map[string]string, len(packKeys)/2)
	s := n.form
	for len(s) > 0 {
		var k string
		if i := s[0]; i != 0 {
			k, s = packKeys[i-1], s[1:]
		} else {
			l, w := binary.Uvarint([]byte(s[1:min(len(s), 11)]))
			s = s[1+w:]
			k, s = s[:l], s[l:]
		}
		l, w := binary.Uvarint([]byte(s[:min(len(s), 10)]))
		s = s[w:]
		p[k], s = s[:l], s[l:]
	}
	if len(n.Attempts) > 0 {
		last := n.Attempts[len(n.Attempts)-1]
		if n.timeAtt {
			p[timeField(n.Kind)] = last.NotifyTime
		}
		if n.signAtt {
			p["sign"] = last.Sign
		}
	}
	n.Params = p
	if n.hasRaw {
		n.Body = n.rawBody
	} else {
		n.Body, _ = sign.EncodeForm(p, sign.Charset(n.Charset))
	}
	n.form, n.rawBody, n.packed, n.hasRaw = "", "", false, false
}

// schedKey is the scheduler key of the notification's attempts: its own,
// or the usual app_id|out_trade_no, which is not kept.
func (n *Notification) schedKey() string {
	if n.key != "" {
		return n.key
	}
	return n.AppID + "|" + n.OutTradeNo
}
