#!/usr/bin/env bash
# The HTTP/2 benchmark (#15, #17): h2load -c 16 -m 16 against the real container (bench/container.sh:
# h2c on its cleartext port, h2 on its TLS port, tlsProvider jdk and openssl) beside the HTTP/2 peers
# of bench/h2/ (Vert.x 5.2 with the JDK's TLS and with OpenSSL, Node's http2, Jetty 12.1), GET /hello
# (Node's hello world) and GET /stream (64 KiB as 16 writes of 4 KiB), over h2c and h2, in ONE
# invocation: interleaved rounds, medians, ratios Spindle / each peer (bench/h2/run.py does the runs).
#
#   bench/h2.sh                       build, then 3 rounds (about 10 minutes)
#   bench/h2.sh --no-build -r 1       skip the Maven builds; options go to bench/h2/run.py:
#                                     -r/--rounds N, --duration S (4), --warmup S (1),
#                                     --process-warmup S (12), --only spindle-jdk,vertx-jdk,...,
#                                     --streams N (h2load -m, 16; 1 = one request per TLS record)
# The container's JIT needs 10-15 s of load on this 2-core machine before its figures settle (Vert.x
# about 6 s): hence the 12 s of warm-up per server process, over all the cases it serves.
#
# Every TLS server gets the same certificate (RSA 2048, made here with openssl for this run). Servers
# run on CPU 0 (SERVER_CPU), h2load on CPU 1 (CLIENT_CPU); every JVM with JAVA_OPTS
# (-Xms256m -Xmx256m -XX:+UseParallelGC unless set). Loopback only, bounded in time; never run by the
# test suite. Installs h2load (Debian's nghttp2-client) if missing.
# Results: bench/results/<date>/h2-<time>/ (H2_RESULTS overrides it; meta.txt, runs.tsv, summary.txt, h2load.txt); the
# servers' logs and the container copies stay in $BENCH_WORK (default /tmp/spindle-bench-h2).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export BENCH_WORK=${BENCH_WORK:-/tmp/spindle-bench-h2}
export JAVA=${JAVA:-java}
export JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC}
build=true
streams=16
only=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=false ;;
    -r) args+=(--rounds "${2:?-r needs a number}"); shift ;;
    --streams) streams=${2:?--streams needs a number}; args+=(--streams "$2"); shift ;;
    --only) only=${2:?--only needs a list}; args+=(--only "$2"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends nghttp2-client >/dev/null; }
if $build; then
  (cd "$here/.." && mvn -B -q package -DskipTests -pl distribution,bench/handler -am)
  mvn -B -q -f "$here/h2/pom.xml" package
fi
vertx="$here/h2/vertx-h2/target/vertx-h2.jar" jetty="$here/h2/jetty-h2/target/jetty-h2.jar"
needed=("$here/../distribution/target/spindle/bin/felix.jar")
# a peer's jar only when it runs (--only spindle-jdk,spindle-openssl needs neither)
[ -z "$only" ] || [[ ",$only," == *,vertx* ]] && needed+=("$vertx")
[ -z "$only" ] || [[ ",$only," == *,jetty* ]] && needed+=("$jetty")
for f in "${needed[@]}"; do
  [ -f "$f" ] || { echo "bench/h2.sh: $f is missing (run without --no-build)" >&2; exit 1; }
done

mkdir -p "$BENCH_WORK/tls"
cert="$BENCH_WORK/tls/cert.pem" key="$BENCH_WORK/tls/key.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$key" -out "$cert" -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null

out=${H2_RESULTS:-"$here/results/$(date +%F)/h2-$(date +%H%M)"}
mkdir -p "$out"
{
  echo "# $(date -Is) $(uname -sr), $(grep -c ^processor /proc/cpuinfo) CPUs, loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# Spindle $(git -C "$here/.." rev-parse --short HEAD)$(git -C "$here/.." diff --quiet HEAD -- host api-bundle distribution || echo ' (host changed since)')"
  echo "# $(h2load --version | head -1) -c 16 -m $streams -t 1, GET /hello and /stream; server on CPU ${SERVER_CPU:-0}, h2load on CPU ${CLIENT_CPU:-1}"
  echo "# JAVA=$JAVA ($("$JAVA" -version 2>&1 | head -1)); JAVA_OPTS=$JAVA_OPTS; node $(node --version)"
  echo "# same certificate for every TLS server: $(openssl x509 -in "$cert" -noout -subject -serial | tr '\n' ' ')"
  echo "# run.py ${args[*]:-(defaults)}; the busiest other processes before the run:"
  ps -eo pcpu=,ni=,comm= --sort=-pcpu | head -5 | sed 's/^/#   /'
} | tee "$out/meta.txt"

tls="TLS_CERT=$cert TLS_KEY=$key TLS_PORT=\$TLS_PORT"
python3 "$here/h2/run.py" --out "$out" --logs "$BENCH_WORK/logs" ${args[@]+"${args[@]}"} \
  "spindle-jdk:h2c,h2-jdk=$tls TLS_PROVIDER=jdk exec bash $here/container.sh \$H2C_PORT" \
  "spindle-openssl:h2-openssl=$tls TLS_PROVIDER=openssl exec bash $here/container.sh \$H2C_PORT" \
  "vertx-jdk:h2c,h2-jdk=exec \$JAVA \$JAVA_OPTS -jar $vertx \$H2C_PORT \$TLS_PORT $cert $key jdk" \
  "vertx-openssl:h2-openssl=exec \$JAVA \$JAVA_OPTS -jar $vertx \$H2C_PORT \$TLS_PORT $cert $key openssl" \
  "node:h2c,h2-openssl=exec node $here/h2/node-h2.js \$H2C_PORT \$TLS_PORT $cert $key" \
  "jetty:h2c,h2-jdk=exec \$JAVA \$JAVA_OPTS -jar $jetty \$H2C_PORT \$TLS_PORT $cert $key"
echo "results in $out" >&2
