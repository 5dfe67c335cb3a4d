#!/usr/bin/env bash
# TLS handshakes per second, one provider after the other: the real container (bench/container.sh)
# on loopback with tlsProvider = jdk, then openssl; `openssl s_time -new` opens a fresh connection
# for every request (full handshake, no session reuse, TLS 1.3, RSA 2048 certificate) and sends
# GET /hello over it. Bounded: a 2 s warm-up, then RUNS runs of SECONDS each per provider.
#   bench/tls-handshakes.sh            (after mvn install, which builds bench/handler; about 40 s)
# Prints one line per run (handshakes per wall second and per second of the server's CPU time),
# the median per CPU second of each provider, and the ratio openssl / jdk.
# A benchmark, never a test: client and server share this machine's cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seconds=${SECONDS_PER_RUN:-5}
runs=${RUNS:-3}
export BENCH_WORK="${BENCH_WORK:-/tmp/spindle-bench-tls}"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null' EXIT

# the server's user + system CPU time in clock ticks: handshakes per CPU second do not depend on
# what else the machine runs, handshakes per wall second do
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

declare -A median
for provider in jdk openssl; do
  port=$(free_port)
  tls=$(free_port)
  TLS_PORT=$tls TLS_PROVIDER=$provider bash "$here/container.sh" "$port" > "$BENCH_WORK-$provider.log" 2>&1 &
  pid=$!
  up=false
  for _ in $(seq 1 120); do
    if curl -skf "https://127.0.0.1:$tls/hello" >/dev/null 2>&1; then up=true; break; fi
    sleep 0.25
  done
  if ! $up; then
    echo "the container did not serve HTTPS within 30 s:" >&2
    tail -20 "$BENCH_WORK-$provider.log" >&2
    exit 1
  fi
  grep -o "listening for TLS on .*" "$BENCH_WORK-$provider.log" | head -1
  openssl s_time -connect "127.0.0.1:$tls" -new -time 2 -www /hello >/dev/null 2>&1 || true
  rates=()
  for run in $(seq 1 "$runs"); do
    cpu0=$(cpu_ticks "$pid")
    start=$(date +%s.%N)
    out=$(openssl s_time -connect "127.0.0.1:$tls" -new -time "$seconds" -www /hello 2>/dev/null)
    end=$(date +%s.%N)
    cpu1=$(cpu_ticks "$pid")
    # s_time prints whole seconds; the wall time around it is finer
    count=$(echo "$out" | sed -n 's/^\([0-9]*\) connections in .* real seconds.*/\1/p')
    rate=$(awk "BEGIN { printf \"%.0f\", $count / ($end - $start) }")
    per_cpu=$(awk "BEGIN { printf \"%.0f\", $count / (($cpu1 - $cpu0) / $hz) }")
    echo "$provider run $run: $count handshakes, $rate/s wall, $per_cpu per second of server CPU"
    rates+=("$per_cpu")
  done
  median[$provider]=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
done
echo "median handshakes per server CPU second: jdk ${median[jdk]}, openssl ${median[openssl]}, openssl/jdk $(awk "BEGIN { printf \"%.2f\", ${median[openssl]} / ${median[jdk]} }")"
