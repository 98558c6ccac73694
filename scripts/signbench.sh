#!/usr/bin/env bash
# Signing near the limit, measured in one run (docs/performance.md): RSA-2048
# signing by crypto/rsa, BoringCrypto (GOEXPERIMENT=boringcrypto) and OpenSSL
# (-tags openssl), beside `openssl speed`; unique precreates on every core
# through the handler in each build; then the load tool over HTTP against the
# default and the OpenSSL binary. Needs cgo and libcrypto for the OpenSSL
# parts. BENCHTIME (default 3s) is each benchmark's time; HTTPN (default
# 6000) the precreates of each HTTP run, signed before its clock starts by a
# load tool built with -tags openssl. GOMAXPROCS (default: the cores) is
# the parallelism of both sides of every ratio. Prints a summary with the
# ratios: each precreate ratio is pooled over every round of every run
# (rounds of 200 precreates, then 200 bare signatures, in one process) and
# given as median and range, in wall time and in the process's CPU time.
set -euo pipefail
cd "$(dirname "$0")/.."
bt="${BENCHTIME:-3s}"
count="${COUNT:-3}" # runs of the precreate benchmark in each build
httpn="${HTTPN:-6000}"
tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
cores="$(nproc)"
export GOMAXPROCS="${GOMAXPROCS:-$cores}"
metric() { # metric FILE BENCH UNIT: the values before UNIT on BENCH's lines, joined by /
  awk -v b="$2" -v u="$3" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }' "$1" | paste -sd/
}
ossl() { # openssl speed's RSA-2048 sign/s
  openssl speed -seconds 3 "$@" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ { print $6 }'
}

echo "== GOMAXPROCS=$GOMAXPROCS; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== openssl speed ($(openssl version))"
o1="$(ossl)"; oN="$(ossl -multi "$cores")"
echo "one core: $o1 signs/s; $cores cores: $oN signs/s"

declare -A env=([std]="" [boring]="GOEXPERIMENT=boringcrypto" [openssl]="CGO_ENABLED=1")
declare -A tags=([std]="" [boring]="" [openssl]="-tags=openssl")
for b in std boring openssl; do
  echo "== $b: go test ./alipay/sign ./mock -bench 'Sign|GatewayPrecreateParallel'"
  env ${env[$b]} go test ${tags[$b]} ./alipay/sign -run '^$' -bench '^BenchmarkSign$' -benchtime "$bt" | tee "$tmp/sign-$b"
  env ${env[$b]} go test ${tags[$b]} ./mock -run '^$' -bench '^BenchmarkGatewayPrecreateParallel$' -benchtime "$bt" -count "$count" | tee "$tmp/pre-$b"
done

echo "== HTTP: loadtest -mix precreate=1 -c 16 -n $httpn -presign (closed loop), against each binary"
go build -o "$tmp/mock-std" .
CGO_ENABLED=1 go build -tags openssl -o "$tmp/mock-openssl" .
CGO_ENABLED=1 go build -tags openssl -o "$tmp/loadtest" ./cmd/loadtest
for b in std openssl; do
  "$tmp/mock-$b" serve --addr 127.0.0.1:0 >"$tmp/out-$b" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q 'gateway:' "$tmp/out-$b" && break; sleep 0.1; done
  url="$(sed -n 's|.*gateway: *\(http://[^ ]*\)/gateway.do.*|\1|p' "$tmp/out-$b" | head -1)"
  grep 'RSA signer' "$tmp/out-$b"
  "$tmp/loadtest" -url "$url" -mix precreate=1 -c 16 -d 120s -n "$httpn" -presign -json >"$tmp/http-$b.json"
  kill "${pids[-1]}"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("precreate over HTTP: %.0f req/s, p50 %.2fms p99 %.2fms" % (r["throughput_rps"], r["latency_ms"]["p50"], r["latency_ms"]["p99"]))' "$tmp/http-$b.json" | tee "$tmp/httpline-$b"
done

pooled() { # pooled FILE KIND: median [min-max] (n rounds) of the rounds' ratios in FILE's logs
  python3 - "$1" "$2" <<'PY'
import re, statistics, sys
xs = []
for line in open(sys.argv[1]):
    m = re.search(r"rounds %s ([0-9. ]+)$" % sys.argv[2], line)
    if m:
        xs += [float(x) for x in m.group(1).split()]
print("%.2f [%.2f-%.2f] (%d rounds)" % (statistics.median(xs), min(xs), max(xs), len(xs)) if xs else "-")
PY
}

echo
echo "== summary (one run, $cores cores, GOMAXPROCS=$GOMAXPROCS; openssl speed: $o1 signs/s on one core, $oN on $cores)"
echo "precreate ratio: unique precreates through the handler over the same build's signer signing on every core,"
echo "  in rounds back to back in one process (200 precreates, then 200 signatures); median [range] of all rounds;"
echo "  cpu: the same ratio in the process's CPU time, which other processes on the machine do not move"
echo "HTTP ratio: precreates over HTTP over the load tool's own signing rate (-presign, the same signer) just before"
for b in std boring openssl; do
  h="-"; [ -f "$tmp/http-$b.json" ] && h="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%.0f (%s signing %.0f/s: ratio %.2f)" % (r["throughput_rps"], r["client_signer"], r["presign_signs_per_s"], r["throughput_rps"]/r["presign_signs_per_s"]))' "$tmp/http-$b.json")"
  echo "$b: sign $(metric "$tmp/sign-$b" BenchmarkSign/serial signs/s)/s on one core, $(metric "$tmp/sign-$b" BenchmarkSign/parallel signs/s)/s on $cores;" \
    "verify $(metric "$tmp/sign-$b" BenchmarkSign/verify verifies/s)/s (crypto/rsa $(metric "$tmp/sign-$b" BenchmarkSign/verify-crypto-rsa verifies/s)/s);" \
    "precreates (handler, $count runs) $(metric "$tmp/pre-$b" BenchmarkGatewayPrecreateParallel ops/s)/s"
  echo "  precreate ratio to its signer: wall $(pooled "$tmp/pre-$b" wall), cpu $(pooled "$tmp/pre-$b" cpu); HTTP precreates $h/s"
done
