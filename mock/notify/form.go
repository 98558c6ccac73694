package notify

import (
	"crypto/rsa"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// Form is a signed form Alipay sends a merchant: to its server (a
// notification) or through the buyer's browser (the parameters of a
// return). Params include sign and sign_type.
type Form struct {
	Params   map[string]string
	Charset  sign.Charset
	SignType sign.Type
}

// SignForm is the one builder of those forms. It sets charset (cs.Wire(),
// or the spelling p already has for cs: a notification kept by an older
// build, which spelt GBK "gbk", keeps its form), drops empty values (SDKs
// disagree on whether they are signed, so none is ever sent) and signs the
// rest as notifications are signed. An order kept without a charset or
// sign type gets UTF-8 and RSA2.
func SignForm(p map[string]string, key *rsa.PrivateKey, cs sign.Charset, st sign.Type) (Form, error) {
	if cs == "" {
		cs = sign.UTF8
	}
	if st == "" {
		st = sign.RSA2
	}
	for k, v := range p {
		if v == "" {
			delete(p, k)
		}
	}
	if was, err := sign.ParseCharset(p["charset"]); err != nil || was != cs || p["charset"] == "" {
		p["charset"] = cs.Wire()
	}
	err := sign.SignNotify(p, key, st, cs)
	if err != nil && cs != sign.UTF8 {
		// Text the charset cannot hold (an emoji a GBK order's subject
		// carried as a JSON escape): sent in UTF-8, as the gateway's answer
		// is (inferred), never dropped.
		cs = sign.UTF8
		p["charset"] = cs.Wire()
		err = sign.SignNotify(p, key, st, cs)
	}
	if err != nil {
		return Form{}, err
	}
	return Form{Params: p, Charset: cs, SignType: st}, nil
}

// Encode is the form as a body or query string, in its charset.
func (f Form) Encode() (string, error) { return sign.EncodeForm(f.Params, f.Charset) }
