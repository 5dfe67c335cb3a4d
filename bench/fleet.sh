#!/usr/bin/env bash
# The fleet's figures for BENCHMARKS.md (about 3 minutes): GET /hello latency through HAProxy in front
# of 3 containers beside a direct connection to one of them (wrk --latency, 1 and 8 keep-alive
# connections, 20 s each after a 5 s warm-up), then the duration of rollouts of the swap handler to
# the 3 containers while wrk sends requests through HAProxy (fleet rollout's default --observe 2,
# and --observe 0: the swaps alone). Needs the archive and the swap handler built (mvn -B package)
# and wrk. Run it alone:  flock /tmp/bench.lock bench/fleet.sh
# (the fleet's processes never hold the lock: fleet/fleet starts them with its descriptors closed)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${BENCH_WORK:-/tmp/spindle-bench}/fleet"
fleet() { python3 "$here/../fleet/fleet" --state "$work/state" "$@"; }
fleet down >/dev/null 2>&1 || true
rm -rf "$work"
mkdir -p "$work"

# versions of the test-only swap handler: its jar with Bundle-Version rewritten
python3 - "$work" "$here"/../itests/swap-handler/target/spindle-swap-handler-*.jar <<'EOF'
import re, sys, zipfile
work, source = sys.argv[1], sys.argv[2]
for version in ("1.0.0", "2.0.0"):
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(f"{work}/swap-{version}.jar", "w") as out:
        for entry in z.infolist():
            data = z.read(entry.filename)
            if entry.filename == "META-INF/MANIFEST.MF":
                data = re.sub(rb"Bundle-Version: .*\r?\n", b"Bundle-Version: " + version.encode() + b"\r\n", data)
            out.writestr(entry.filename, data)
EOF

trap 'fleet down' EXIT
fleet up 3
fleet rollout --observe 0 "$work/swap-1.0.0.jar" >/dev/null
proxy=$(fleet status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["haproxy"]["port"])')
direct=$(fleet status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["containers"][0]["port"])')

for c in 1 8; do
  for target in "direct $direct" "haproxy $proxy"; do
    set -- $target
    wrk -t1 -c$c -d5s "http://127.0.0.1:$2/hello" >/dev/null
    echo "== $1, $c connection(s): wrk -t1 -c$c -d20s --latency http://127.0.0.1:$2/hello"
    wrk -t1 -c$c -d20s --latency "http://127.0.0.1:$2/hello" | grep -E 'Latency|50%|90%|99%|Requests/sec|Non-2xx|errors'
  done
done

for run in "2.0.0 2" "1.0.0 2" "2.0.0 0" "1.0.0 0"; do
  set -- $run
  wrk -t1 -c8 -d20s "http://127.0.0.1:$proxy/swap" >"$work/wrk-rollout.txt" &
  load=$!
  sleep 2
  echo "== rollout of swap $1 to 3 containers, --observe $2, under wrk -c8 through HAProxy"
  fleet rollout --observe "$2" "$work/swap-$1.jar"
  wait $load
  grep -E 'Requests/sec|Non-2xx|errors' "$work/wrk-rollout.txt" || echo "  (wrk: no errors, no non-2xx)"
done
