#!/bin/bash
# exp.sh NAME "ENV" "EXTRA_JAVA_OPTS" : first start + restart, prints restart figures
. /tmp/mem4/mk.sh
name=$1; envs=$2; opts=$3; h=/tmp/mem4/e-$name
mk $h; [ -n "$NOCLEAN" ] && sed -i "s/^org.osgi.framework.storage.clean=.*/org.osgi.framework.storage.clean=none/" $h/conf/config.properties
for run in first restart; do
  port=$(sed -n 's/^port *= *//p' $h/config/dev.spindle.host.cfg)
  t0=$(date +%s%N)
  env $envs SPINDLE_HOME=$h JAVA_OPTS="-XX:+UseSerialGC -Xms16m -Xmx128m -XX:+IgnoreUnrecognizedVMOptions -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000 -XX:CompileThresholdScaling=${CTS:-1} $opts" setsid /work/wt-mem4/spindle --background >> $h/out.log 2>&1 < /dev/null &
  pid=$!
  until [ "$(curl -s localhost:$port/hello)" = "hello world" ]; do sleep 0.01; done
  t1=$(date +%s%N)
  sleep 1
  echo "$name $run ms=$(( (t1-t0)/1000000 )) rss=$(awk '/VmRSS/{print int($2/1024)}' /proc/$pid/status) anon=$(awk '/RssAnon/{print int($2/1024)}' /proc/$pid/status) file=$(awk '/RssFile/{print int($2/1024)}' /proc/$pid/status) threads=$(ls /proc/$pid/task | wc -l)"
  [ -n "$DETAIL" ] && { jcmd $pid GC.heap_info | head -4; jcmd $pid VM.native_memory summary | grep -E "^-" | grep -v "=0KB|committed=[0-9]{1,3}KB"; sleep 5; echo "+6s rss=$(awk "/VmRSS/{print int(\$2/1024)}" /proc/$pid/status)"; }
  kill $pid; while kill -0 $pid 2>/dev/null; do sleep 0.05; done
done
rm -rf $h
