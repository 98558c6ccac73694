#!/usr/bin/env bash
# Runs every test: the module's, then the real-SDK tests in sdktest/ (a
# separate module so the mock never depends on third-party SDKs).
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
go test -race -count=1 -timeout 25m ./...
# -mod=mod: the replace of the main module brings its dependencies along
(cd sdktest && go vet -mod=mod ./... && go test -mod=mod -race -count=1 ./...)
# OPENSSL_TESTS=required (.ci/run sets it): the opt-in OpenSSL signer
# (-tags openssl, cgo, the system's libcrypto) once, so the build does not
# rot: its agreement with crypto/rsa, the golden wire bytes and the binary
# the Dockerfile's openssl stage builds.
if [ "${OPENSSL_TESTS:-}" = required ]; then
  CGO_ENABLED=1 go vet -tags openssl ./alipay/sign .
  CGO_ENABLED=1 go test -tags openssl -count=1 -run 'OpenSSL|Golden|Banner|Sign' . ./alipay/sign ./mock ./client
fi
