#!/usr/bin/env bash
# The project's benchmark: builds Spindle and the peers, then measures the real container beside
# Node, raw Netty and Vert.x in one invocation of ../shared/bench/run.sh per case:
#   hello-pipelined16   GET /hello, 16 pipelined requests per connection (server-bound)
#   stream              GET /stream, 64 KiB as 16 x 4 KiB chunks
#   hello               GET /hello, no pipelining (mostly bound by wrk's core)
#
#   bench/run.sh                    all three cases, 3 rounds each (about 18 minutes)
#   bench/run.sh stream -r 1        one case, options passed on to run.sh
#   bench/run.sh --before 0343972   also the container of that commit ("before"), built from a copy
#                                   of it under $BENCH_WORK: before and after in the same rounds
#   bench/run.sh --no-build         measure what is built (after a build of your own)
#   bench/run.sh --help             this text, then run.sh's options (-r rounds, -d seconds, ...)
#
# Builds with `mvn package` in this checkout's reactor (the distribution, the bench handler and what
# they need, tests skipped): the container is assembled from the reactor's own output, so nothing
# goes into ~/.m2 and another checkout's installed artifacts are never measured.
# The /hello cases also run the limit peer (../shared/bench/peers/limit-hello.c: pre-built
# answers from a C epoll loop, the least CPU a response can take), as a ratio column (xlimit), and
# summary.txt ends with each server's CPU per request as a multiple of the limit peer's (#17's
# target: Spindle at most 1.5x); /stream skips it. They also run the transport floor
# (bench/floor: the limit peer's contract on Netty's epoll channel, pre-built bytes, no HTTP codec),
# what any server on Netty pays at least per request, built here with its own pom.
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
before="" args=() build=true
while [ $# -gt 0 ]; do
  case "$1" in
    --before) before=${2:?--before needs a commit}; shift 2 ;;
    --no-build) build=false; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; echo; echo "../shared/bench/run.sh:"
               "$shared/run.sh" -h; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
$build && (cd "$here/.." && mvn -B -q package -DskipTests -pl distribution,bench/handler -am)
[ -f "$work/peers/vertx-hello/target/vertx-hello.jar" ] && [ -x "$work/peers/limit-hello" ] || "$shared/build.sh" >/dev/null
floor="$here/floor/target/netty-floor.jar"
if $build || [ ! -f "$floor" ]; then mvn -B -q -f "$here/floor/pom.xml" package; fi

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
  limit=() bl=$baselines
  [ "$c" = stream ] || { limit=("limit=$j/limit-hello \$PORT" "floor=\$JAVA \$JAVA_OPTS -jar $floor \$PORT"); bl=$baselines,limit; }
  "$shared/run.sh" -b "$bl" -o "$out/$c" "${opts[@]}" ${args[@]+"${args[@]}"} \
    "node=node $shared/peers/node-hello.js \$PORT" \
    "netty=\$JAVA \$JAVA_OPTS -jar $j/netty-hello/target/netty-hello.jar \$PORT" \
    "vertx=\$JAVA \$JAVA_OPTS -jar $j/vertx-hello/target/vertx-hello.jar \$PORT" \
    ${limit[@]+"${limit[@]}"} ${extra[@]+"${extra[@]}"} \
    "spindle=$here/container.sh \$PORT"
  # CPU per request against the limit peer's, from the summary's us/req column
  # (the header's "rps min..max" is two words, its value one: the value is one column earlier)
  [ ${#limit[@]} -eq 0 ] || awk '$1 == "server" { for (i = 1; i <= NF; i++) if ($i == "us/req") col = i - 1; next }
      col && $1 !~ /^#/ && NF > col { us[$1] = $col; order[++n] = $1 }
      END { if (!(us["limit"] > 0)) exit; printf "# CPU per request x the limit peer (%.2f us):", us["limit"]
            for (i = 1; i <= n; i++) if (order[i] != "limit") printf " %s %.2f", order[i], us[order[i]] / us["limit"]
            print "" }' "$out/$c/summary.txt" | tee -a "$out/$c/summary.txt" >&2
done
echo "results in $out" >&2
