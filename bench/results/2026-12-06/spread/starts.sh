#!/usr/bin/env bash
# per-start mode experiment: N starts of the container, JFR during a measured wrk run
set -u
N=${1:-6}; out=${OUT:-/tmp/modes}; mkdir -p $out
export BENCH_WORK=/tmp/modes-work JAVA_OPTS="-Xms256m -Xmx256m -XX:+UseParallelGC ${EXTRA:-}"
for i in $(seq $N); do
  port=$((19100+i))
  setsid taskset -c 0 bash /work/main/bench/container.sh $port > $out/c$i.log 2>&1 &
  for t in $(seq 120); do curl -s -o /dev/null http://127.0.0.1:$port/hello && break; sleep 0.5; done
  pid=$(pgrep -f "container-$port" -n; ); pid=$(for p in $(pgrep -f felix.config.properties); do [ "$(readlink /proc/$p/cwd)" = "$BENCH_WORK/container-$port" ] && echo $p; done)
  [ -n "${JFC2:-}" ] && jcmd $pid JFR.start name=w settings=$JFC2 filename=$out/w$i.jfr >/dev/null
  WRK_PIPELINE=16 taskset -c 1 wrk -t1 -c64 -d8s -s /work/shared/bench/report.lua http://127.0.0.1:$port/hello >/dev/null 2>&1
  [ -z "${JFC2:-}" ] && jcmd $pid JFR.start name=m settings=/tmp/fast.jfc filename=$out/p$i.jfr >/dev/null
  t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  r=$(WRK_PIPELINE=16 taskset -c 1 wrk -t1 -c64 -d6s -s /work/shared/bench/report.lua http://127.0.0.1:$port/hello 2>&1 | awk '/Requests\/sec/ {print $2}')
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  [ -z "${JFC2:-}" ] && jcmd $pid JFR.stop name=m >/dev/null
  [ -n "${JFC2:-}" ] && jcmd $pid JFR.stop name=w >/dev/null
  echo "start $i rps $r cpu_ticks $((t1-t0))" | tee -a $out/summary.txt
  kill -- -$(ps -o sid= -p $pid | tr -d ' ') 2>/dev/null; sleep 2
done
