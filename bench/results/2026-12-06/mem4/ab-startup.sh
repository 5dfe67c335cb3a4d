#!/bin/bash
out=/work/wt-mem4/bench/results/2026-12-06/mem4
for i in 1 2 3; do
  for side in before after; do
    if [ $side = before ]; then root=/tmp/mem4/before; else root=/work/wt-mem4; fi
    echo "== $side $i $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    python3 $root/bench/measure.py startup --runs 3
  done
done
