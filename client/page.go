package client

import (
	"fmt"
	"html"
	"sort"
	"strings"
)

// PagePayRequest is alipay.trade.page.pay's biz_content (desktop cashier).
// ProductCode defaults to FAST_INSTANT_TRADE_PAY.
type PagePayRequest struct {
	Order
	QRPayMode   string `json:"qr_pay_mode,omitempty"` // "0" to "4"
	QRCodeWidth string `json:"qrcode_width,omitempty"`
	GoodsType   string `json:"goods_type,omitempty"`
	// MerchantOrderNo is the merchant's original order number (商户原始订单号,
	// at most 32 characters), returned with the result when set.
	MerchantOrderNo string `json:"merchant_order_no,omitempty"`
	// ReturnURL is where the cashier sends the browser after paying; it is
	// a common parameter, not part of biz_content.
	ReturnURL string `json:"-"`
}

// WapPayRequest is alipay.trade.wap.pay's biz_content (mobile web
// cashier). ProductCode defaults to QUICK_WAP_WAY.
type WapPayRequest struct {
	Order
	QuitURL   string `json:"quit_url,omitempty"` // where the cashier's quit button goes, unsigned
	GoodsType string `json:"goods_type,omitempty"`
	// MerchantOrderNo is the merchant's original order number (商户原始订单号,
	// at most 32 characters), returned with the result when set.
	MerchantOrderNo string `json:"merchant_order_no,omitempty"`
	ReturnURL       string `json:"-"` // see PagePayRequest.ReturnURL
}

// AppPayRequest is alipay.trade.app.pay's biz_content. ProductCode
// defaults to QUICK_MSECURITY_PAY.
type AppPayRequest struct {
	Order
	GoodsType string `json:"goods_type,omitempty"`
	// MerchantOrderNo is the merchant's original order number (商户原始订单号,
	// at most 32 characters), returned with the result when set.
	MerchantOrderNo string `json:"merchant_order_no,omitempty"`
}

func (r PagePayRequest) prepare(opts []CallOption) (PagePayRequest, []CallOption) {
	if r.ProductCode == "" {
		r.ProductCode = "FAST_INSTANT_TRADE_PAY"
	}
	return r, withReturnURL(r.ReturnURL, opts)
}

func (r WapPayRequest) prepare(opts []CallOption) (WapPayRequest, []CallOption) {
	if r.ProductCode == "" {
		r.ProductCode = "QUICK_WAP_WAY"
	}
	return r, withReturnURL(r.ReturnURL, opts)
}

// withReturnURL puts the request's return_url before opts, so opts win.
func withReturnURL(u string, opts []CallOption) []CallOption {
	if u == "" {
		return opts
	}
	return append([]CallOption{WithReturnURL(u)}, opts...)
}

// PagePayURL is the gateway URL with every signed parameter in the query
// string: send the buyer's browser there (GET) to reach the cashier. As in
// production, Query answers ACQ.TRADE_NOT_EXIST until the buyer logs in or
// scans there (wap and app pay: logs in or pays); keep polling through it
// (docs/differences.md).
func (c *Client) PagePayURL(req PagePayRequest, opts ...CallOption) (string, error) {
	req, opts = req.prepare(opts)
	return c.pageURL("alipay.trade.page.pay", req, opts)
}

// PagePayForm is an HTML form that POSTs the signed parameters to the
// gateway and submits itself, like the official SDKs' pageExecute: write
// it into a page as is.
func (c *Client) PagePayForm(req PagePayRequest, opts ...CallOption) (string, error) {
	req, opts = req.prepare(opts)
	return c.pageForm("alipay.trade.page.pay", req, opts)
}

// WapPayURL is PagePayURL for the mobile cashier (alipay.trade.wap.pay).
func (c *Client) WapPayURL(req WapPayRequest, opts ...CallOption) (string, error) {
	req, opts = req.prepare(opts)
	return c.pageURL("alipay.trade.wap.pay", req, opts)
}

// WapPayForm is PagePayForm for the mobile cashier (alipay.trade.wap.pay).
func (c *Client) WapPayForm(req WapPayRequest, opts ...CallOption) (string, error) {
	req, opts = req.prepare(opts)
	return c.pageForm("alipay.trade.wap.pay", req, opts)
}

// AppPayOrderString is the order string handed to the Alipay app SDK
// (alipay.trade.app.pay): every signed parameter percent-encoded in the
// client's charset, sorted by key and joined by "&", like the Java SDK's
// sdkExecute. Only the notification or a Query tells whether it was paid.
func (c *Client) AppPayOrderString(req AppPayRequest, opts ...CallOption) (string, error) {
	if req.ProductCode == "" {
		req.ProductCode = "QUICK_MSECURITY_PAY"
	}
	p, err := c.signedParams("alipay.trade.app.pay", req, opts)
	if err != nil {
		return "", err
	}
	return c.encode(p)
}

func (c *Client) pageURL(method string, biz any, opts []CallOption) (string, error) {
	p, err := c.signedParams(method, biz, opts)
	if err != nil {
		return "", err
	}
	q, err := c.encode(p)
	if err != nil {
		return "", err
	}
	u := *c.gateway
	if u.RawQuery != "" {
		q = u.RawQuery + "&" + q
	}
	u.RawQuery = q
	return u.String(), nil
}

func (c *Client) pageForm(method string, biz any, opts []CallOption) (string, error) {
	p, err := c.signedParams(method, biz, opts)
	if err != nil {
		return "", err
	}
	// The gateway takes charset from the query string of page calls, so it
	// goes there (and only there); accept-charset makes the browser encode
	// the fields in it.
	u := *c.gateway
	q := u.Query()
	q.Set("charset", p["charset"])
	u.RawQuery = q.Encode()

	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "charset" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, `<form name="punchout_form" method="post" action="%s" accept-charset="%s">`+"\n",
		html.EscapeString(u.String()), c.wireCharset())
	for _, k := range keys {
		fmt.Fprintf(&b, `<input type="hidden" name="%s" value="%s">`+"\n", html.EscapeString(k), html.EscapeString(p[k]))
	}
	b.WriteString(`<input type="submit" value="立即支付" style="display:none">` + "\n")
	b.WriteString("</form>\n")
	b.WriteString(`<script>document.forms["punchout_form"].submit();</script>`)
	return b.String(), nil
}
