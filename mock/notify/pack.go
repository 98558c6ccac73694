package notify

import (
	"net/url"
	"sort"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// A notification in the outbox keeps its form packed: the parameters as
// one string (each key and value query-escaped in UTF-8, sorted by key:
// lossless for any text), without the time field and sign when they are
// the last attempt's, which keeps them already. Params and Body are
// rebuilt when the notification is read; Body is the parameters encoded
// in the notification's charset, as every attempt sent them.

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
		size += len(k) + len(v) + 2
	}
	sort.Strings(keys)
	var b strings.Builder
	b.Grow(size + size/8)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(n.Params[k]))
	}
	n.form = b.String()
	n.rawBody = ""
	if enc, err := sign.EncodeForm(n.Params, sign.Charset(n.Charset)); err != nil || enc != n.Body {
		n.rawBody = n.Body // kept by an older version with another body: kept as it was
		n.hasRaw = true
	} else {
		n.hasRaw = false
	}
	// notify_id is in the form: share its bytes.
	if id := n.NotifyID; id != "" {
		pre := "notify_id=" + id
		if i := strings.Index(n.form, pre); i >= 0 && (i == 0 || n.form[i-1] == '&') &&
			(i+len(pre) == len(n.form) || n.form[i+len(pre)] == '&') {
			n.NotifyID = n.form[i+len("notify_id=") : i+len(pre)]
		}
	}
	n.Params, n.Body, n.packed = nil, "", true
}

// unpack rebuilds Params and Body from the packed form.
func (n *Notification) unpack() {
	if !n.packed {
		return
	}
	p := make(map[string]string, strings.Count(n.form, "&")+3)
	if n.form != "" {
		for _, kv := range strings.Split(n.form, "&") {
			k, v, _ := strings.Cut(kv, "=")
			k, _ = url.QueryUnescape(k)
			v, _ = url.QueryUnescape(v)
			p[k] = v
		}
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
