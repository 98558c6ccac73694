#!/usr/bin/env bash
# Runs every test: the module's, then the real-SDK tests in sdktest/ (a
# separate module so the mock never depends on third-party SDKs).
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
go test -race -count=1 ./...
# -mod=mod: the replace of the main module brings its dependencies along
(cd sdktest && go vet -mod=mod ./... && go test -mod=mod -race -count=1 ./...)
