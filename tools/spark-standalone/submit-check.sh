#!/usr/bin/env bash
# Runs mezo4j-spark as spark-submit does (bin/spark-class: Spark's launcher builds the JVM command,
# then org.apache.spark.deploy.SparkSubmit) against a standalone Spark cluster (one Master, one
# Worker with two one-core executors) started on 127.0.0.1 from Spark's Maven jars laid out as a
# Spark home, then checks that the run's step log is byte for byte that of `mezo4j finetune` with
# the same options in one process, although one executor JVM is killed (kill -9) mid-run.
# Usage: tools/spark-standalone/submit-check.sh [WORKDIR]   (after ./mvnw -B -q package -DskipTests)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/bin/find-jdk25.sh"
work="$(mkdir -p "${1:-$root/runs/spark-submit-check}" && cd "${1:-$root/runs/spark-submit-check}" && pwd)"
home="$work/spark-home"
export MEZO4J_DATA="${MEZO4J_DATA:-$root/../shared/data}"

# A Spark home as the distribution lays it out: jars/ holds Spark and its dependencies, Jackson
# included (the
# Worker builds each executor's classpath from it); conf/ and logs/ are where it looks for them.
if [ ! -d "$home/jars" ]; then
  (cd "$root" && ./mvnw -B -q dependency:copy-dependencies -pl spark -DincludeScope=compile \
    -DexcludeGroupIds=io.github.mezo4j,info.picocli,dev.langchain4j -DoutputDirectory="$home/jars")
fi
mkdir -p "$home/conf" "$home/logs"
export SPARK_HOME="$home" SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13

# bin/spark-class: Spark's launcher prints what it has to say, a NUL line, then the JVM command
# (NUL-separated, with the --add-opens Spark needs and --driver-java-options applied) and its exit
# status; the script runs that command in its place (callers run this in the background)
spark_class() {
  local cmd=() arg delim=$'\n' started=false
  while IFS= read -d "$delim" -r arg; do
    if $started; then
      cmd+=("$arg")
    elif [ "$arg" == $'\0' ] || [ -z "$arg" ]; then
      delim='' started=true
    else
      echo "$arg"
    fi
  done < <("$JAVA_HOME/bin/java" -Xmx128m -cp "$home/jars/*" org.apache.spark.launcher.Main "$@"
    printf '%d\0' $?)
  local rc=${cmd[${#cmd[@]}-1]}
  unset 'cmd[${#cmd[@]}-1]'
  [ "$rc" = 0 ] || return "$rc"
  exec "${cmd[@]}"
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
spark_class org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7177 \
  --webui-port 8180 >"$work/master.log" 2>&1 &
pids+=($!)
spark_class org.apache.spark.deploy.worker.Worker spark://127.0.0.1:7177 --host 127.0.0.1 \
  --cores 2 --memory 4g --webui-port 8181 --work-dir "$work/worker" >"$work/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do grep -q "Successfully registered with master" "$work/worker.log" && break; sleep 1; done
grep -q "Successfully registered with master" "$work/worker.log" || { echo "the worker did not register" >&2; exit 1; }

args=(--model minilm --task sst2 --k-shot-seed 42 --batch 16 --steps 30 --eval-every 10 --threads 1)
rm -rf "$work/single" "$work/submitted"
"$root/bin/mezo4j" finetune "${args[@]}" --out "$work/single" >"$work/single.log" 2>&1

start=$(date +%s)
spark_class org.apache.spark.deploy.SparkSubmit --master spark://127.0.0.1:7177 \
  --deploy-mode client --class io.github.mezo4j.spark.SparkFinetune \
  --driver-java-options "--add-modules=jdk.incubator.vector" \
  --conf "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector -XX:+UseParallelGC" \
  --conf spark.executor.cores=1 --conf spark.executor.memory=1536m --conf spark.ui.enabled=false \
  --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
  "$root/spark/target/mezo4j-spark.jar" --workers 2 "${args[@]}" --out "$work/submitted" \
  >"$work/submitted.log" 2>&1 &
submit=$!
# once about 10 steps are logged (a 200-byte header, about 32 bytes a step), kill an executor JVM
while kill -0 $submit 2>/dev/null && [ "$(stat -c %s "$work/submitted/steps.mezolog" 2>/dev/null || echo 0)" -lt 520 ]; do
  sleep 0.2
done
victim=$(pgrep -f CoarseGrainedExecutorBackend | head -1 || true)
[ -n "$victim" ] && kill -9 "$victim" && echo "killed executor JVM $victim at $(( $(stat -c %s "$work/submitted/steps.mezolog") )) log bytes"
wait $submit
echo "spark-submit run: $(( $(date +%s) - start )) s (log: $work/submitted.log)"

cmp "$work/single/steps.mezolog" "$work/submitted/steps.mezolog"
echo "step logs identical: $(stat -c %s "$work/single/steps.mezolog") bytes"
grep -o '"distributed" *: *{[^}]*}' "$work/submitted/summary.json" || \
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['distributed'])" "$work/submitted/summary.json"
