// Package sdktest runs unmodified third-party Alipay SDKs against the mock,
// with response signature verification switched on, and checks that their
// everyday flows work end to end: precreate and pay by QR code, barcode pay,
// query, partial and full refund, refund query, cancel, close, and the
// business and gateway errors merchants meet first.
//
// It is a separate module so that the mock itself does not depend on the
// SDKs it is tested against. The SDK versions are pinned in go.mod and
// node/package.json; the tests here record what each of them demands of
// the server, and README.md (Pointing an SDK at the mock) its settings.
//
// Everything lives in _test.go files; this file only documents the package.
package sdktest
