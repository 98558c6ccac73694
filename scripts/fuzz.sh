#!/usr/bin/env bash
# Runs every fuzz target for a short time (FUZZTIME, default 10s each;
# 11 targets, about 2 minutes with build time). New failing inputs land in
# each package's testdata/fuzz/<Target>/ and then run with plain go test.
set -euo pipefail
cd "$(dirname "$0")/.."
t="${FUZZTIME:-10s}"
run() { echo "== $1 $2"; go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "$t"; }
run ./mock FuzzGateway
run ./mock FuzzSignedBiz
run ./mock FuzzV3
run ./mock/gateway FuzzNormaliseBiz
run ./alipay/amount FuzzAmountParse
run ./alipay/sign FuzzVerify
run ./alipay/sign FuzzParseResponse
run ./alipay/sign FuzzParseV3Authorization
run ./alipay/sign FuzzDecryptContent
run ./scenarios FuzzScenario
run ./client FuzzNotification
