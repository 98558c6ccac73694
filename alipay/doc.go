// Package alipay is the protocol both the mock and the client speak: its
// sub-packages hold the signing rules (sign), amounts in integer cents
// (amount), Alipay's timestamps (timestamp) and error values (apierr).
package alipay
