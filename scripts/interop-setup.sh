#!/usr/bin/env bash
# Builds the real servers the interop tests run, once, into a cache outside the repository
# (PLAYTRACE_INTEROP_CACHE, default ~/.cache/playtrace-interop), so a second run only looks:
#   otelcol     the OpenTelemetry Collector, built by the Collector Builder (ocb) from
#               interop/collector/builder.yaml, at the versions pinned there and below
#   jaeger      Jaeger v2 (github.com/jaegertracing/jaeger/cmd/jaeger, pinned in interop/jaeger)
#   gameserver  interop/gameserver: a Go server with the OpenTelemetry Go SDK and otelhttp
#   zipkin      the Zipkin server's exec jar from Maven Central (checked against its .sha1), run
#               by the machine's Java with in-memory storage
# Go modules come from the Go module proxy. Prints NAME=path lines for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

OCB_VERSION=v0.161.0 # the same release as every module in builder.yaml
ZIPKIN_VERSION=3.6.1
cache=${PLAYTRACE_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/playtrace-interop}
mkdir -p "$cache"
command -v go >/dev/null || { echo "interop: Go is required (go1.26 or later)" >&2; exit 1; }

# A build is named by a hash of what it is built from, so a changed pin builds anew.
key() { cat "$@" | sha256sum | cut -c1-16; }

ocb="$cache/ocb-$OCB_VERSION/builder"
if [ ! -x "$ocb" ]; then
  echo "== interop: installing the Collector Builder $OCB_VERSION" >&2
  GOBIN="$cache/ocb-$OCB_VERSION" go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION" >&2
fi

otelcol_dir="$cache/otelcol-$(key interop/collector/builder.yaml)"
if [ ! -x "$otelcol_dir/otelcol-playtrace" ]; then
  echo "== interop: building the OpenTelemetry Collector (a few minutes, once)" >&2
  rm -rf "$otelcol_dir.tmp" && mkdir -p "$otelcol_dir.tmp"
  sed "s|output_path: ./build|output_path: $otelcol_dir.tmp|" interop/collector/builder.yaml >"$otelcol_dir.tmp/builder.yaml"
  "$ocb" --config "$otelcol_dir.tmp/builder.yaml" >"$otelcol_dir.tmp/build.log" 2>&1 \
    || { cat "$otelcol_dir.tmp/build.log" >&2; exit 1; }
  rm -rf "$otelcol_dir" && mv "$otelcol_dir.tmp" "$otelcol_dir"
fi

jaeger="$cache/jaeger-$(key interop/jaeger/go.mod interop/jaeger/go.sum)"
if [ ! -x "$jaeger" ]; then
  echo "== interop: building Jaeger v2 (several minutes, once)" >&2
  (cd interop/jaeger && go build -o "$jaeger.tmp" github.com/jaegertracing/jaeger/cmd/jaeger) >&2
  mv "$jaeger.tmp" "$jaeger"
fi

gameserver="$cache/gameserver-$(key interop/gameserver/go.mod interop/gameserver/go.sum interop/gameserver/main.go)"
if [ ! -x "$gameserver" ]; then
  echo "== interop: building the Go game server" >&2
  (cd interop/gameserver && go build -o "$gameserver.tmp" .) >&2
  mv "$gameserver.tmp" "$gameserver"
fi

zipkin="$cache/zipkin-server-$ZIPKIN_VERSION-exec.jar"
if [ ! -f "$zipkin" ]; then
  command -v java >/dev/null || { echo "interop: Java 17 or later is required for the Zipkin server" >&2; exit 1; }
  echo "== interop: downloading the Zipkin server $ZIPKIN_VERSION" >&2
  base="https://repo1.maven.org/maven2/io/zipkin/zipkin-server/$ZIPKIN_VERSION/zipkin-server-$ZIPKIN_VERSION-exec.jar"
  curl -sSfL -o "$zipkin.tmp" "$base"
  [ "$(sha1sum "$zipkin.tmp" | cut -d' ' -f1)" = "$(curl -sSfL "$base.sha1" | cut -c1-40)" ] \
    || { echo "interop: the Zipkin jar does not match its checksum" >&2; exit 1; }
  mv "$zipkin.tmp" "$zipkin"
fi

echo "OTELCOL=$otelcol_dir/otelcol-playtrace"
echo "JAEGER=$jaeger"
echo "ZIPKIN_JAR=$zipkin"
echo "GAMESERVER=$gameserver"
