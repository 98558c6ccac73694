# syntax=docker/dockerfile:1
# Multi-stage: build a static binary, ship it alone on a distroless base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .git is not in the build context: the version comes from --build-arg VERSION=v1.2.3 (else "devel").
ARG VERSION=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X github.com/alipay-mock/alipay-mock/mock.Version=${VERSION}" -o /out/alipay-mock . && mkdir -p /out/data /out/trust

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/alipay-mock /usr/local/bin/alipay-mock
# /data belongs to nonroot, so a volume mounted there (a new named volume
# takes the directory's owner) is writable for --data /data.
COPY --from=build --chown=nonroot:nonroot /out/data /data
# /trust is for `alipay-mock ca --out /trust/alipay-mock-ca.crt`: a volume
# mounted there is writable too, and apps mount it to trust the mock's CA
# (docs/tls.md). The CA's key stays in --data or --ca-dir.
COPY --from=build --chown=nonroot:nonroot /out/trust /trust
# The dev keys are embedded; mount your own and pass --alipay-private-key,
# --app or --apps-file (or their ALIPAY_MOCK_* variables) to change them.
ENV ALIPAY_MOCK_ADDR=0.0.0.0:8080
EXPOSE 8080 8443
USER nonroot:nonroot
# Minimal images have no curl: the binary checks itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=3s --retries=3 \
  CMD ["/usr/local/bin/alipay-mock", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/alipay-mock"]
CMD ["serve"]
