#!/bin/bash
# Peak resident memory (/usr/bin/time -v) of the launcher on five workloads: a k=16 MiniLM
# finetune (100 steps), MiniLM bench forward and bench step (16 x 128), stories260K generate and a
# 20-step stories260K finetune. Extra JVM options go in MEZO4J_JAVA_OPTS as usual.
# Usage: tools/peak-rss.sh OUT_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: tools/peak-rss.sh OUT_DIR}"
mkdir -p "$out"
stories="${MEZO4J_DATA:-$root/../shared/data}/stories260k/stories260K.bin"
run() {
  local name=$1; shift
  rm -rf "$out/run-$name"
  /usr/bin/time -v "$root/bin/mezo4j" "$@" > "$out/$name.out" 2> "$out/$name.err"
  printf '%s\tmax_rss_kb=%s\twall=%s\n' "$name" \
    "$(grep 'Maximum resident' "$out/$name.err" | awk '{print $NF}')" \
    "$(grep 'Elapsed (wall' "$out/$name.err" | awk '{print $NF}')" | tee -a "$out/peak-rss.tsv"
}
run finetune-minilm finetune --model minilm --task sst2 --k-shot-seed 42 --steps 100 \
  --eval-every 50 --threads 2 --out "$out/run-finetune-minilm"
run bench-forward bench forward --model minilm --batch 16 --seq 128 --threads 2
run bench-step bench step --model minilm --batch 16 --seq 128 --threads 2
run generate-stories generate --model "$stories" --max-tokens 256
run finetune-stories finetune --model "$stories" --task sst2 --k-shot-seed 42 --steps 20 \
  --eval-every 10 --threads 2 --out "$out/run-finetune-stories"
