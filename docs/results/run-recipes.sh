#!/usr/bin/env bash
# Reproduces the "default recipe" rows of docs/results.md (all-MiniLM-L6-v2, k=16).
# Usage: docs/results/run-recipes.sh GROUP [SEED...]
#   GROUP: recipe (finetune with no method option, then eval of its best checkpoint) | zeroshot |
#          probe (linear probing on the seed's k-shot train split)
#   HEAD=linear: the recipe from the linear-probe head instead of the prompt head
#   TASK=sst2|sst5|trec (default sst2); evaluation set: `--data k-shot-eval` (GLUE dev for SST-2,
#   SST-5 dev, TREC's carved dev split less the seed's k-shot examples).
# Logs with every command and its wall time go to $RUNS/logs/ (default runs/results, git-ignored).
# Needs a build: ./mvnw -B -q -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-runs/results}
TASK=${TASK:-sst2}
THREADS=${THREADS:-2}
mkdir -p "$RUNS/logs"
SEEDS=("${@:2}")
[ ${#SEEDS[@]} -eq 0 ] && SEEDS=(13 21 42 87 100)

# run NAME CMD...: runs CMD, appends the command, its output and its wall time to the log
run() {
  local name=$1; shift
  echo "\$ $*" >> "$RUNS/logs/$name.log"
  /usr/bin/time -f "wall_seconds %e" -a -o "$RUNS/logs/$name.log" "$@" >> "$RUNS/logs/$name.log" 2>&1
}

for s in "${SEEDS[@]}"; do
  case $1 in
    recipe)
      name=$TASK-k16-s$s-recipe${HEAD:+-$HEAD}
      if [ ! -f "$RUNS/$name/summary.json" ]; then
        resume=(); [ -f "$RUNS/$name/run.json" ] && resume=(--resume)
        run "$name" bin/mezo4j finetune --model minilm --task "$TASK" --k-shot-seed "$s" \
          ${HEAD:+--head "$HEAD"} --monitor-data k-shot-eval --threads "$THREADS" \
          --out "$RUNS/$name" "${resume[@]}"
      fi
      run "$name-eval" bin/mezo4j eval --checkpoint "$RUNS/$name" --data k-shot-eval --threads "$THREADS" ;;
    zeroshot)
      run "$TASK-k16-s$s-zeroshot" bin/mezo4j eval --model minilm --task "$TASK" --head prompt \
        --k-shot-seed "$s" --data k-shot-eval --threads "$THREADS" ;;
    probe)
      run "$TASK-k16-s$s-probe" bin/mezo4j eval --model minilm --task "$TASK" --head linear \
        --k-shot-seed "$s" --data k-shot-eval --threads "$THREADS" ;;
    *) echo "unknown group $1" >&2; exit 2 ;;
  esac
done
