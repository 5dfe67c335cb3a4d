#!/usr/bin/env bash
# Runs the real Spindle container for ../shared/bench/run.sh: a private copy of the assembled
# container (Felix, Gogo, SCR, ConfigAdmin, FileInstall, the host, the samples and the bench
# handler in deploy/), listening on 127.0.0.1:$1, in the foreground, no console.
# JAVA and JAVA_OPTS come from run.sh, the same as for the JVM peers; the copy's own launcher
# (bin/spindle --background, without its class data sharing archive) starts the JVM, so that a JDK
# 24+ gets the flags it gets in production (--sun-misc-unsafe-memory-access=allow,
# --enable-native-access=ALL-UNNAMED) and 17 none. TLS is off unless TLS_PORT
# is set (then with TLS_PROVIDER, default auto, and the PEM pair TLS_CERT and TLS_KEY if given, else
# the launcher's self-signed certificate). CANARY_PERCENT set runs a canary of the hello sample
# (the same code as version 0.1.1, from config/dev.spindle.canary-bench.cfg) at that share of /hello,
# with an analysis that never ends it: the hot path's cost with an active canary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port=${1:?usage: container.sh PORT}
src="$here/../distribution/target/spindle"
home="${BENCH_WORK:-/tmp/spindle-bench}/container-$port"
rm -rf "$home"
mkdir -p "$(dirname "$home")"
cp -r "$src" "$home"
cp "$here"/handler/target/spindle-bench-handler-*.jar "$home/deploy/"
sed -i "s/^port *=.*/port = $port/; s/^bindAddress *=.*/bindAddress = 127.0.0.1/; s/^tlsPort *=.*/tlsPort = ${TLS_PORT:-0}/" \
  "$home/config/dev.spindle.host.cfg"
if [ -n "${TLS_PORT:-}" ]; then
  echo "tlsProvider = ${TLS_PROVIDER:-auto}" >> "$home/config/dev.spindle.host.cfg"
  if [ -n "${TLS_CERT:-}" ]; then
    mkdir -p "$home/var/tls"
    cp "$TLS_CERT" "$home/var/tls/certificate.pem"
    cp "${TLS_KEY:?TLS_CERT needs TLS_KEY}" "$home/var/tls/private-key.pem"
  fi
  SPINDLE_HOME="$home" bash "$here/../spindle" --make-certificate
fi
echo "port = 0" > "$home/config/dev.spindle.console.cfg"
if [ -n "${CANARY_PERCENT:-}" ]; then
  mkdir -p "$home/canary"
  python3 - "$home"/deploy/spindle-sample-hello-*.jar "$home/canary/hello-0.1.1.jar" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as out:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "META-INF/MANIFEST.MF":
            data = b"\r\n".join(b"Bundle-Version: 0.1.1" if l.startswith(b"Bundle-Version:") else l
                                 for l in data.split(b"\r\n"))
        out.writestr(item, data)
PY
  printf 'location = %s\npercent = %s\nwindowSeconds = 3600\nmax5xxPoints = 100\nmaxP99Ratio = 1000\n' \
    "$home/canary/hello-0.1.1.jar" "$CANARY_PERCENT" > "$home/config/dev.spindle.canary-bench.cfg"
fi
JAVA=${JAVA:-java} JAVA_OPTS=${JAVA_OPTS:-} SPINDLE_CDS=off SPINDLE_HOME="$home" exec bash "$home/bin/spindle" --background
