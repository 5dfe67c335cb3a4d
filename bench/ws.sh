#!/usr/bin/env bash
# The WebSocket benchmark (#18): echo round trips per second (64 sockets, 64-byte binary messages,
# one in flight each) and a 1 KiB broadcast to 1,000 sockets (8 broadcasts in flight), against the
# real container (bench/container.sh, with the bench handler's /ws/echo and /ws/broadcast) beside
# Vert.x 5.2's WebSocket server (bench/ws/vertx-ws), Node with the ws package (bench/ws/node-ws.js)
# and raw Netty's websocketx server codec with nothing above it (bench/ws/netty-ws: the floor of any
# server on that codec, Spindle's included), in ONE invocation: interleaved rounds, medians, ratios
# Spindle / each peer (bench/ws/run.py).
# The load client is bench/ws/ws-load: Netty's websocketx client on one event loop.
#
#   bench/ws.sh                       build (reactor package, never install), then 3 rounds (about 7 minutes)
#   bench/ws.sh --no-build -r 1       skip the builds; options go to bench/ws/run.py:
#                                     -r/--rounds N, --duration S (5), --warmup S (8, per case),
#                                     --only spindle,vertx,node,netty
# It takes /tmp/bench.lock itself: shared for the builds, exclusive for the measuring (do not wrap
# it in flock). Servers on CPU 0 (SERVER_CPU), the client on CPU 1 (CLIENT_CPU); every JVM with
# JAVA_OPTS (-Xms256m -Xmx256m -XX:+UseParallelGC unless set). Loopback only, no compression,
# bounded in time; never run by the test suite.
# Results: bench/results/<date>/ws-<time>/ (WS_RESULTS overrides it; meta.txt, runs.tsv, summary.txt,
# client.txt); the servers' logs and the container copy stay in $BENCH_WORK (default /tmp/spindle-bench-ws).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export BENCH_WORK=${BENCH_WORK:-/tmp/spindle-bench-ws}
export JAVA=${JAVA:-java}
export JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC}
lock=/tmp/bench.lock
build=true
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=false ;;
    -r) args+=(--rounds "${2:?-r needs a number}"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

if $build; then
  (cd "$here/.." && flock -s "$lock" taskset -c 0,1 mvn -B -q package -DskipTests)
  flock -s "$lock" taskset -c 0,1 mvn -B -q -f "$here/ws/pom.xml" package
  (cd "$here/ws" && npm ci --prefer-offline --no-audit --no-fund --silent)
fi
load="$here/ws/ws-load/target/ws-load.jar" vertx="$here/ws/vertx-ws/target/vertx-ws.jar"
netty="$here/ws/netty-ws/target/netty-ws.jar"
for f in "$load" "$vertx" "$netty" "$here/ws/node_modules/ws/package.json" "$here/../distribution/target/spindle/bin/felix.jar"; do
  [ -f "$f" ] || { echo "bench/ws.sh: $f is missing (run without --no-build)" >&2; exit 1; }
done

out=${WS_RESULTS:-"$here/results/$(date +%F)/ws-$(date +%H%M)"}
mkdir -p "$out"
exec flock "$lock" bash -c '
  here=$1 out=$2 load=$3 vertx=$4 netty=$5; shift 5
  {
    echo "# $(date -Is) $(uname -sr), $(grep -c ^processor /proc/cpuinfo) CPUs, loadavg $(cut -d" " -f1-3 /proc/loadavg)"
    echo "# Spindle $(git -C "$here/.." rev-parse --short HEAD)$(git -C "$here/.." diff --quiet HEAD -- host api-bundle distribution bench/handler || echo " (changed since)")"
    echo "# servers on CPU ${SERVER_CPU:-0}, ws-load on CPU ${CLIENT_CPU:-1}; echo: 64 sockets x 64 B binary, 1 in flight each; broadcast: 1 KiB to 1000 sockets, 8 in flight"
    echo "# JAVA=$JAVA ($("$JAVA" -version 2>&1 | head -1)); JAVA_OPTS=$JAVA_OPTS; node $(node --version), ws $(node -p "require(\"$here/ws/node_modules/ws/package.json\").version")"
    echo "# run.py $*; the busiest other processes before the run:"
    ps -eo pcpu=,ni=,comm= --sort=-pcpu | head -5 | sed "s/^/#   /"
  } | tee "$out/meta.txt"
  python3 "$here/ws/run.py" --load "$load" --out "$out" --logs "$BENCH_WORK/logs" "$@" \
    "spindle=exec bash $here/container.sh \$PORT" \
    "vertx=exec \$JAVA \$JAVA_OPTS -jar $vertx \$PORT" \
    "node=exec node $here/ws/node-ws.js \$PORT" \
    "netty=exec \$JAVA \$JAVA_OPTS -jar $netty \$PORT"
  echo "results in $out" >&2
' ws.sh "$here" "$out" "$load" "$vertx" "$netty" ${args[@]+"${args[@]}"}
