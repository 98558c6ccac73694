// Package alipay is the protocol both the mock and the client speak: the
// methods there are and how each is called (Methods, Lookup), and in its
// sub-packages the signing rules (sign), amounts in integer cents
// (amount), Alipay's timestamps (timestamp) and error values (apierr).
package alipay
