#!/usr/bin/env bash
# Soak run: a long MeZO fine-tune of MiniLM's biases and LayerNorm weights on SST-2 k=16, with the
# process's resident memory sampled every 10 s, then a replay of the whole step log checked bit
# for bit against the weights the last checkpoint saved.
#
#   tools/soak.sh OUT [STEPS] [THREADS] [FINETUNE OPTIONS...]   (default 20000 steps, 2 threads)
#
# Writes OUT/run (the run), OUT/gc.log, OUT/rss.tsv (seconds, step, VmRSS kB), OUT/log-size.tsv (step, bytes
# of steps.mezolog) and prints a summary: RSS after warm-up against the end, log bytes per step,
# replay time. Uses cli/target/mezo4j.jar (build it first: ./mvnw -B -q package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: tools/soak.sh OUT [STEPS] [THREADS]}"
steps="${2:-20000}"
threads="${3:-2}"
shift $(($# < 3 ? $# : 3))
mkdir -p "$out"
run="$out/run"

# the GC log shows the heap in use after each collection: live data, unlike RSS, which also
# counts heap the collector has grown into and not returned
MEZO4J_JAVA_OPTS="${MEZO4J_JAVA_OPTS:-} -Xlog:gc:file=$out/gc.log" \
  bin/mezo4j finetune --model minilm --task sst2 --k-shot-seed 42 --steps "$steps" \
  --eval-every 2000 --threads "$threads" --save-weights --out "$run" "$@" 2> "$out/finetune.log" &
launcher=$!
# bin/mezo4j execs java when stderr is not a terminal, so the launcher's pid is the JVM's.
start=$(date +%s)
printf 'seconds\tstep\trss_kb\n' > "$out/rss.tsv"
printf 'step\tlog_bytes\n' > "$out/log-size.tsv"
while kill -0 "$launcher" 2> /dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$launcher/status" 2> /dev/null || true)
  step=$(tail -n 1 "$run/metrics.jsonl" 2> /dev/null | sed -n 's/.*"step":\([0-9]*\).*/\1/p' || true)
  if [ -n "$rss" ] && [ -n "$step" ]; then
    printf '%s\t%s\t%s\n' "$(($(date +%s) - start))" "$step" "$rss" >> "$out/rss.tsv"
    printf '%s\t%s\n' "$step" "$(stat -c %s "$run/steps.mezolog" 2> /dev/null || echo 0)" \
      >> "$out/log-size.tsv"
  fi
  sleep 10
done
wait "$launcher"
train_s=$(($(date +%s) - start))

t0=$(date +%s)
last=$(printf '%s/checkpoints/step-%08d' "$run" "$steps")
bin/mezo4j replay --checkpoint "$last" --out "$out/replayed" --threads "$threads" > "$out/replay.json"
replay_s=$(($(date +%s) - t0))

python3 - "$out" "$steps" "$train_s" "$replay_s" << 'EOF'
import csv, os, sys
out, steps, train_s, replay_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = [(int(r["seconds"]), int(r["step"]), int(r["rss_kb"]))
        for r in csv.DictReader(open(os.path.join(out, "rss.tsv")), delimiter="\t")]
warm = [r for r in rows if r[1] >= steps // 10] or rows  # after the first tenth of the steps
first, last = warm[0][2], warm[-1][2]
peak = max(r[2] for r in warm)
log_bytes = os.path.getsize(os.path.join(out, "run", "steps.mezolog"))
print(f"steps {steps}, training {train_s} s, replay {replay_s} s")
print(f"RSS after warm-up (step {warm[0][1]}): {first / 1024:.0f} MiB; at the end (step "
      f"{warm[-1][1]}): {last / 1024:.0f} MiB; peak {peak / 1024:.0f} MiB; growth "
      f"{100 * (last - first) / first:+.1f} %")
print(f"step log: {log_bytes} bytes, {log_bytes / steps:.1f} bytes per step")
print("replay:", open(os.path.join(out, "replay.json")).read().strip())
EOF
