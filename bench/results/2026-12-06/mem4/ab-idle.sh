#!/bin/bash
for i in 1 2 3; do
  for side in after before; do
    [ $side = before ] && [ $i = 3 ] && continue
    if [ $side = before ]; then root=/tmp/mem4/before; else root=/work/wt-mem4; fi
    echo "== $side $i $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    python3 $root/bench/measure.py idle --only spindle,netty
  done
done
