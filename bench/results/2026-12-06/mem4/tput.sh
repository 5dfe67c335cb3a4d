#!/bin/bash
here=/work/wt-mem4/bench
L="-XX:+UseSerialGC -Xms16m -Xmx128m -XX:+IgnoreUnrecognizedVMOptions -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000"
export LOPTS="$L" BENCH_WORK=/tmp/mem4-bw
/work/shared/bench/run.sh -b launcher -o /work/wt-mem4/bench/results/2026-12-06/mem4/tput-pipelined16 -l 16 -r 3 -d 6 -w 3 \
  "launcher=JAVA_OPTS=\"\$LOPTS\" $here/container.sh \$PORT" \
  "launcher-cts3=JAVA_OPTS=\"\$LOPTS -XX:CompileThresholdScaling=3\" $here/container.sh \$PORT"
