#!/usr/bin/env python3
"""Prints the default-recipe tables of docs/results.md from what run-recipes.sh wrote.

Usage: python3 docs/results/summarize-recipes.py [RUNS_DIR]   (default runs/results)
Per task: zero-shot, linear probing and the recipe's best checkpoint (picked on k-shot dev) on
the k-shot evaluation set, mean +- sample std over the seeds found; then the evaluation-set curve
(monitor accuracy, mean over seeds) against training forward passes.
"""
import json, pathlib, re, statistics, sys

runs = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "runs/results")
SEEDS = [13, 21, 42, 87, 100]


def read(name):
    p = runs / "logs" / f"{name}.log"
    if not p.exists():
        return None
    text = p.read_text()
    js = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
    acc = [j["accuracy"] for j in js if "accuracy" in j]
    wall = re.findall(r"wall_seconds ([0-9.]+)", text)
    return {"acc": acc[-1] if acc else None, "wall": float(wall[-1]) if wall else None}


def row(task, label, suffix):
    vals, per, walls = [], [], []
    for s in SEEDS:
        r = read(f"{task}-k16-s{s}-{suffix}")
        if r is None or r["acc"] is None:
            per.append(f"{s}: -")
            continue
        vals.append(100 * r["acc"])
        per.append(f"{s}: {100 * r['acc']:.1f}")
        if r["wall"]:
            walls.append(r["wall"])
    if not vals:
        return None
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    w = f"{statistics.mean(walls):.0f}" if walls else ""
    return vals, f"| {task} | {label} | {statistics.mean(vals):.1f} ± {sd:.1f} (n={len(vals)}) | {', '.join(per)} | {w} |"


for task in ["sst2", "sst5", "trec"]:
    rows = [row(task, "zero-shot (prompt head)", "zeroshot"),
            row(task, "linear probing", "probe"),
            row(task, "MeZO default recipe, best checkpoint (k-shot dev)", "recipe-eval"),
            row(task, "MeZO recipe from the linear-probe head (--head linear)", "recipe-linear-eval")]
    if not any(rows):
        continue
    print(f"\n{task}: evaluation-set accuracy %\n")
    print("| task | method | mean ± std | per seed | eval wall s |\n|---|---|---|---|---|")
    for r in rows:
        if r:
            print(r[1])
    for variant in ["recipe", "recipe-linear"]:
        tw = [read(f"{task}-k16-s{s}-{variant}") for s in SEEDS]
        tw = [t["wall"] for t in tw if t and t["wall"]]
        if tw:
            print(f"\n{variant}: finetune wall s per seed: {', '.join(f'{w:.0f}' for w in tw)}")
        curves = {}
        for s in SEEDS:
            run = runs / f"{task}-k16-s{s}-{variant}"
            if not (run / "summary.json").exists():
                continue
            cfg = json.loads((run / "run.json").read_text())["config"]
            n = cfg.get("samples", 1)
            passes = 2 * n if cfg.get("estimator", "two-sided") == "two-sided" else n + 1
            for l in (run / "metrics.jsonl").read_text().splitlines():
                e = json.loads(l)
                if e["event"] == "eval" and "monitor_metric" in e:
                    curves.setdefault(e["step"] * passes, []).append(100 * e["monitor_metric"])
        if curves:
            pts = [f"{k}: {statistics.mean(v):.1f}" for k, v in sorted(curves.items())]
            print(f"{variant}: evaluation-set accuracy vs forward passes (mean over seeds):"
                  f" {', '.join(pts)}")
