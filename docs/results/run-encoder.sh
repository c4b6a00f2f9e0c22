#!/usr/bin/env bash
# Reproduces the encoder table of docs/results.md (all-MiniLM-L6-v2).
# Usage: docs/results/run-encoder.sh GROUP [SEED...]
#   GROUP: zeroshot | probe | mezo-prompt | mezo-linear | mezo-acc | full-mezo | full-probe
#   TASK=sst2|sst5 (default sst2), STEPS (default 200), FULL_STEPS (default 100000: stop it by hand)
# Every command is logged with its wall time to $RUNS/logs/*.log; run folders go under $RUNS
# (default runs/results, git-ignored). Needs a build: ./mvnw -B -o -q -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${MEZO4J_DATA:-$(cd .. && pwd)/shared/data}
RUNS=${RUNS:-runs/results}
TASK=${TASK:-sst2}
STEPS=${STEPS:-200}
THREADS=${THREADS:-2}
# the tuned k=16 setting of the prompt head (tuned with the retired `example` job); no further tuning
MEZO="--eps 1e-3 --batch 16 --seed 42 --threads $THREADS"
LR=${LR:-1.5e-4}
case $TASK in
  sst2) EVAL_SET=$DATA/glue-sst2/dev.tsv ;;  # the k-shot evaluation set: GLUE dev
  sst5) EVAL_SET=$DATA/sst5/dev.tsv ;;       # SST-5 dev (the k-shot splits come from train)
  *) echo "TASK must be sst2 or sst5" >&2; exit 2 ;;
esac
mkdir -p "$RUNS/logs"
SEEDS=("${@:2}")
[ ${#SEEDS[@]} -eq 0 ] && SEEDS=(13 21 42 87 100)

# run NAME CMD...: runs CMD, appends the command, its output and its wall time to the log
run() {
  local name=$1; shift
  echo "\$ $*" >> "$RUNS/logs/$name.log"
  /usr/bin/time -f "wall_seconds %e" -a -o "$RUNS/logs/$name.log" "$@" >> "$RUNS/logs/$name.log" 2>&1
}

# eval_run NAME RUN_DIR: GLUE/SST-5 dev metrics of the best (k-shot-dev-selected) and last checkpoint
eval_run() {
  local name=$1 dir=$2
  run "$name-eval-best" bin/mezo4j eval --checkpoint "$dir" --data "$EVAL_SET" --threads "$THREADS"
  local last
  last=$(ls -d "$dir"/checkpoints/step-* | sort | tail -1)
  run "$name-eval-last" bin/mezo4j eval --checkpoint "$last" --data "$EVAL_SET" --threads "$THREADS"
}

case $1 in
  zeroshot)  # the prompt head needs no training: one evaluation holds for every seed
    run "$TASK-zeroshot" bin/mezo4j eval --model minilm --task "$TASK" --head prompt \
      --k-shot-seed 13 --data "$EVAL_SET" --threads "$THREADS" ;;
  probe)
    for s in "${SEEDS[@]}"; do
      run "$TASK-k16-s$s-probe" bin/mezo4j eval --model minilm --task "$TASK" --head linear \
        --k-shot-seed "$s" --data "$EVAL_SET" --threads "$THREADS"
    done ;;
  mezo-prompt|mezo-linear|mezo-acc)
    head=prompt; obj=ce
    [ "$1" = mezo-linear ] && head=linear
    [ "$1" = mezo-acc ] && obj=accuracy
    for s in "${SEEDS[@]}"; do
      name=$TASK-k16-s$s-$1
      rm -rf "${RUNS:?}/$name"
      run "$name" bin/mezo4j finetune --model minilm --task "$TASK" --k-shot-seed "$s" \
        --head $head --objective $obj $MEZO --lr "$LR" --steps "$STEPS" --eval-every 50 --out "$RUNS/$name"
      eval_run "$name" "$RUNS/$name"
    done ;;
  full-mezo)  # dev = GLUE dev, evaluated every 200 steps; stop it when the budget is spent
    # FULL_LR: 1.5e-4 (the k=16 setting) drove dev accuracy to chance by step 400; 1e-5 reported
    run "$TASK-full-mezo-prompt-lr${FULL_LR:-1e-5}" bin/mezo4j finetune --model minilm --task "$TASK" --head prompt \
      $MEZO --lr "${FULL_LR:-1e-5}" --steps "${FULL_STEPS:-100000}" --eval-every 200 \
      --out "$RUNS/$TASK-full-mezo-prompt-lr${FULL_LR:-1e-5}" ;;
  full-probe)  # linear probing on a random subsample of N training sentences (default: all)
    N=${N:-0}
    if [ "$N" -gt 0 ]; then
      sub=$RUNS/sst2-train-sub$N
      mkdir -p "$sub"
      tail -n +2 "$DATA/glue-sst2/train.tsv" | shuf -n "$N" --random-source=<(yes) > "$sub/train.tsv"
      tail -n +2 "$DATA/glue-sst2/dev.tsv" > "$sub/dev.tsv"
      run "sst2-full-probe-sub$N" bin/mezo4j eval --model minilm --task sst2-sub \
        --data-dir "$sub" --text-column 0 --label-column 1 --labels negative,positive \
        --head linear --threads "$THREADS"
    else
      run "sst2-full-probe" bin/mezo4j eval --model minilm --task sst2 --head linear \
        --threads "$THREADS"
    fi ;;
  *) echo "unknown group $1" >&2; exit 2 ;;
esac
