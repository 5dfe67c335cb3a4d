#!/usr/bin/env bash
# Every JVM server of bench/run.sh on two JDKs in one invocation of ../shared/bench/run.sh (#17):
# raw Netty, Vert.x and the Spindle container on the default JDK ($JAVA17, OpenJDK 17) and on
# $JAVA25 (Temurin 25), interleaved in the same rounds, beside the limit peer, for one case.
#
#   bench/jdk.sh                       pipelined hello (16), 3 rounds
#   bench/jdk.sh hello -r 1            no pipelining; options after the case go to run.sh
#
# The container runs with the benchmark's JVM flags (JAVA_OPTS of run.sh), as every JVM server
# does; on 25 every server also gets the flags the launcher adds on a JDK 24+ (JDK24_OPTS:
# --sun-misc-unsafe-memory-access=allow, without which Netty leaves sun.misc.Unsafe, and
# --enable-native-access=ALL-UNNAMED; the container gets them from its launcher, bin/spindle).
# Needs what bench/run.sh builds (the distribution, the bench handler, the peers under
# $BENCH_WORK/peers); builds nothing itself. Results: $BENCH_WORK/results/jdk-<time>/<case>/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shared="$(cd "$here/../../shared/bench" && pwd)"
work=${BENCH_WORK:-/tmp/spindle-bench}
peers=${PEERS:-$work/peers}
export JAVA17=${JAVA17:-$(readlink -f "$(command -v java)")}
export JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
[ -x "$JAVA25" ] || { echo "bench/jdk.sh: no JDK at $JAVA25 (set JAVA25)" >&2; exit 2; }
[ -f "$here/../distribution/target/spindle/bin/felix.jar" ] || { echo "bench/jdk.sh: build first (bench/run.sh or mvn package)" >&2; exit 2; }

case=${1:-hello-pipelined16}
[ $# -gt 0 ] && shift
case "$case" in
  hello-pipelined16) opts=(-l 16) ;;
  stream) opts=(-p /stream) ;;
  hello) opts=() ;;
  *) echo "bench/jdk.sh: unknown case $case" >&2; exit 2 ;;
esac
export JDK24_OPTS="--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
limit=()
[ "$case" = stream ] || limit=("limit=$peers/limit-hello \$PORT")
out="$work/results/jdk-$(date +%Y%m%d-%H%M%S)/$case"
"$shared/run.sh" -b netty17,vertx17,spindle17 -o "$out" "${opts[@]}" "$@" \
  "netty17=\$JAVA17 \$JAVA_OPTS -jar $peers/netty-hello/target/netty-hello.jar \$PORT" \
  "netty25=\$JAVA25 \$JAVA_OPTS \$JDK24_OPTS -jar $peers/netty-hello/target/netty-hello.jar \$PORT" \
  "vertx17=\$JAVA17 \$JAVA_OPTS -jar $peers/vertx-hello/target/vertx-hello.jar \$PORT" \
  "vertx25=\$JAVA25 \$JAVA_OPTS \$JDK24_OPTS -jar $peers/vertx-hello/target/vertx-hello.jar \$PORT" \
  ${limit[@]+"${limit[@]}"} \
  "spindle17=JAVA=\$JAVA17 $here/container.sh \$PORT" \
  "spindle25=JAVA=\$JAVA25 $here/container.sh \$PORT"
echo "results in $out" >&2
