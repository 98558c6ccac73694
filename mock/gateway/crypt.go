package gateway

import (
	"errors"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// decrypt returns biz_content as text, decrypting it when the request says
// encrypt_type=AES with the app's content key. The signature, already
// checked, covered the ciphertext. Such a request is answered encrypted,
// with a body or without (a v3 GET): SDKs that sent the type decrypt
// every answer.
func (g *Gateway) decrypt(cl *call) (string, *apierr.Error) {
	p := cl.params
	biz := p["biz_content"]
	typ := p["encrypt_type"]
	if typ == "" {
		if cl.app.EncryptKey != "" && biz != "" && !strings.HasPrefix(strings.TrimSpace(biz), "{") {
			return "", apierr.Missing("isv.decryption-error-missing-encrypt-type", "解密出错, 未指定加密算法")
		}
		return biz, nil
	}
	if !strings.EqualFold(typ, "AES") {
		return "", apierr.Invalid("isv.invalid-encrypt-type", "无效的加密类型")
	}
	if cl.app.EncryptKey == "" {
		return "", apierr.Invalid("isv.missing-encypt-key", "未配置接口内容加密密钥")
	}
	if biz == "" {
		cl.encrypted = true
		return "", nil
	}
	plain, err := sign.DecryptContent(cl.app.EncryptKey, biz)
	switch {
	case errors.Is(err, sign.ErrAESPadding):
		return "", apierr.Invalid("isv.decryption-error-not-valid-encrypt-key", "解密出错, 无效的加密密钥")
	case err != nil:
		return "", apierr.Invalid("isv.invalid-encrypt", "解密异常")
	}
	text, err := cl.cs.Decode(plain)
	if err != nil {
		return "", apierr.Invalid("isv.invalid-encrypt", "解密异常")
	}
	cl.encrypted = true
	return text, nil
}
