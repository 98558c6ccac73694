package client

// SignedParams returns the parameters of a call to method, common ones,
// biz_content and sign, without sending it: for tools that show what is
// signed, or send the request another way. Values are text; the gateway
// takes them form-encoded in the client's charset.
func (c *Client) SignedParams(method string, biz any, opts ...CallOption) (map[string]string, error) {
	return c.signedParams(method, biz, opts)
}
