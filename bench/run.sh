#!/usr/bin/env bash
# The project's benchmark: builds Spindle and the peers, then measures the real container beside
# Node, raw Netty and Vert.x in one invocation of ../shared/bench/run.sh per case:
#   hello-pipelined16   GET /hello, 16 pipelined requests per connection (server-bound)
#   stream              GET /stream, 64 KiB as 16 x 4 KiB chunks
#   hello               GET /hello, no pipelining (mostly bound by wrk's core)
#
#   bench/run.sh                    all three cases, 3 rounds each (about 15 minutes)
#   bench/run.sh stream -r 1        one case, options passed on to run.sh
#   bench/run.sh --before 0343972   also the container of that commit ("before"), built from a copy
#                                   of it under $BENCH_WORK: before and after in the same rounds
#
# The /hello cases also run the limit peer (../shared/bench/peers/limit-hello.c: pre-built
# answers from a C epoll loop, the least CPU a response can take); /stream skips it.
#
# Loopback only, bounded in time; never run by the test suite. Installs wrk with apt if missing.
# Results: $BENCH_WORK/results/spindle-<time>/<case>/summary.txt (BENCH_WORK=/tmp/spindle-bench).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shared="$(cd "$here/../../shared/bench" && pwd)"
work=${BENCH_WORK:-/tmp/spindle-bench}

cases=()
while [ $# -gt 0 ] && [[ $1 != -* ]]; do cases+=("$1"); shift; done
[ ${#cases[@]} -gt 0 ] || cases=(hello-pipelined16 stream hello)
before="" args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --before) before=${2:?--before needs a commit}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
(cd "$here/.." && mvn -B -q install -DskipTests)
[ -f "$work/peers/vertx-hello/target/vertx-hello.jar" ] && [ -x "$work/peers/limit-hello" ] || "$shared/build.sh" >/dev/null

out="$work/results/spindle-$(date +%Y%m%d-%H%M%S)"
j="$work/peers"
extra=() baselines=node,netty,vertx
if [ -n "$before" ]; then
  sha=$(git -C "$here/.." rev-parse --short "$before^{commit}")
  tree="$work/before-$sha"
  if [ ! -f "$tree/distribution/target/spindle/bin/felix.jar" ]; then
    rm -rf "$tree" && mkdir -p "$tree"
    git -C "$here/.." archive "$sha" | tar -x -C "$tree"
    (cd "$tree" && mvn -B -q package -DskipTests)
  fi
  extra=("before=$tree/bench/container.sh \$PORT")
  baselines=$baselines,before
fi
for c in "${cases[@]}"; do
  case "$c" in
    hello-pipelined16) opts=(-l 16) ;;
    stream) opts=(-p /stream) ;;
    hello) opts=() ;;
    *) echo "bench/run.sh: unknown case $c" >&2; exit 2 ;;
  esac
  echo "== $c" >&2
  limit=()
  [ "$c" = stream ] || limit=("limit=$j/limit-hello \$PORT")
  "$shared/run.sh" -b "$baselines" -o "$out/$c" "${opts[@]}" ${args[@]+"${args[@]}"} \
    "node=node $shared/peers/node-hello.js \$PORT" \
    "netty=\$JAVA \$JAVA_OPTS -jar $j/netty-hello/target/netty-hello.jar \$PORT" \
    "vertx=\$JAVA \$JAVA_OPTS -jar $j/vertx-hello/target/vertx-hello.jar \$PORT" \
    ${limit[@]+"${limit[@]}"} ${extra[@]+"${extra[@]}"} \
    "spindle=$here/container.sh \$PORT"
done
echo "results in $out" >&2
