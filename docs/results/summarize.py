#!/usr/bin/env python3
"""Prints the encoder table of docs/results.md from the logs run-encoder.sh wrote.

Usage: python3 docs/results/summarize.py [RUNS_DIR]   (default runs/results)
Each log holds the command, the JSON line of `mezo4j eval` (if any) and wall_seconds.
"""
import json, pathlib, re, statistics, sys

runs = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "runs/results")
logs = runs / "logs"


def read(name):
    p = logs / f"{name}.log"
    if not p.exists():
        return None
    text = p.read_text()
    acc = [json.loads(l).get("accuracy") for l in text.splitlines() if l.startswith("{")]
    acc = [a for a in acc if a is not None]
    wall = re.findall(r"wall_seconds ([0-9.]+)", text)
    cmd = [l[2:] for l in text.splitlines() if l.startswith("$ ")]
    return {"acc": acc[-1] if acc else None, "wall": float(wall[-1]) if wall else None,
            "cmd": cmd[0] if cmd else None}


def row(task, label, names, runs_of=()):
    vals, walls, per = [], [], []
    for seed, name in names:
        r = read(name)
        if r is None or r["acc"] is None:
            per.append(f"{seed}: -")
            continue
        vals.append(100 * r["acc"])
        walls.append(r["wall"] or 0)
        per.append(f"{seed}: {100 * r['acc']:.1f}")
    if not vals:
        return f"| {task} | {label} | not run | | | |"
    fw = [read(n)["wall"] for n in runs_of if read(n) and read(n)["wall"]]
    fwt = f"{statistics.mean(fw):.0f}" if fw else ""
    mean = statistics.mean(vals)
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return (f"| {task} | {label} | {mean:.1f} ± {sd:.1f} (n={len(vals)}) | {', '.join(per)} "
            f"| {statistics.mean(walls):.0f} | {fwt} |")


SEEDS = [13, 21, 42, 87, 100]
print("| task | method | dev accuracy % (mean ± std) | per seed | eval wall s (mean) "
      "| MeZO run wall s (mean) |")
print("|---|---|---|---|---|---|")
for task in ["sst2", "sst5"]:
    z = read(f"{task}-zeroshot")
    if z and z["acc"] is not None:
        print(f"| {task} | zero-shot, prompt head | {100 * z['acc']:.1f} (no training: seed-free) "
              f"| | {z['wall']:.0f} | |")
    print(row(task, "linear probing", [(s, f"{task}-k16-s{s}-probe") for s in SEEDS]))
    for g, label in [("mezo-prompt", "MeZO from prompt head"),
                     ("mezo-linear", "MeZO from linear-probe head"),
                     ("mezo-acc", "MeZO, --objective accuracy (prompt head)")]:
        for which in ["best", "last"]:
            names = [(s, f"{task}-k16-s{s}-{g}-eval-{which}") for s in SEEDS]
            lab = f"{label}, {'checkpoint chosen on k-shot dev' if which == 'best' else 'last step'}"
            r = row(task, lab, names, [f"{task}-k16-s{s}-{g}" for s in SEEDS])
            if "not run" not in r:
                print(r)

print("\nMeZO run wall times (s, finetune only):")
for p in sorted(logs.glob("*-mezo-*.log")):
    if "-eval-" in p.name:
        continue
    print(f"- {p.stem}: {read(p.stem)['wall']}")
for p in sorted(runs.glob("*/summary.json")):
    s = json.loads(p.read_text())
    print(f"- {p.parent.name}: steps {s['steps']}, k-shot/dev metric initial "
          f"{s['initial_dev_metric']:.4f} best {s['best_dev_metric']:.4f} (step {s['best_step']}) "
          f"final {s['final_dev_metric']:.4f}, {s['seconds']:.0f} s")

print("\nFull training set (GLUE SST-2 dev accuracy % at each evaluation; step: acc):")
for p in sorted(runs.glob("sst2-full-mezo-*/metrics.jsonl")):
    evals = [json.loads(l) for l in p.read_text().splitlines() if '"eval"' in l]
    curve = ", ".join(f"{e['step']}: {100 * e['dev_accuracy']:.1f}" for e in evals)
    last = evals[-1]
    print(f"- {p.parent.name}: {curve} (step {last['step']} reached after {last['elapsed_s']:.0f} s)")
for p in sorted(logs.glob("sst2-full-probe*.log")):
    r = read(p.stem)
    print(f"- {p.stem}: linear probing {100 * r['acc']:.1f} ({r['wall']} s)" if r["acc"] else
          f"- {p.stem}: no result")

if "--commands" in sys.argv[2:]:
    print("\nEvery command with its wall time (s):\n")
    for p in sorted(logs.glob("*.log")):
        r = read(p.stem)
        print(f"- `{r['cmd']}` ({r['wall']} s)")
