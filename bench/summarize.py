#!/usr/bin/env python3
"""Turn JMH JSON results into the markdown tables of RESULTS.md.

Usage: python3 summarize.py RESULT.json [MORE.json ...] > tables.md

Every benchmark method is named ENGINE + OP (oursForward, nd4jForward, dl4jStep): rows pair our
engine with the anchor that ran the same OP at the same parameters, and the last column is the
speed ratio anchor_time / ours_time (> 1 means ours is faster). The work per invocation (FLOPs or
bytes) is defined here, in one place, from the benchmark's parameters; the Java classes state the
same formulas in their Javadoc.

Standard library only, so it runs wherever the benchmarks do.
"""
import json
import math
import re
import sys
from collections import OrderedDict

ENGINES = ("ours", "nd4j", "dl4j")
# Parameters that only one engine has (DL4J's single hidden activation): not part of the row key.
ENGINE_ONLY_PARAMS = {"hidden"}

# The default net, VaeConfig.higgins(), as (in, out) per dense layer in forward order:
# encoder 4096-1200-1200, head 1200 -> 2Z, decoder Z-1200-1200-1200, out 1200 -> 4096.
HIGGINS_LAYERS = [(4096, 1200), (1200, 1200), (1200, 20), (10, 1200), (1200, 1200), (1200, 1200), (1200, 4096)]


def train_step_flops(batch):
    """Forward, weight gradients for every layer, input gradients for all but the first layer."""
    macs = sum(i * o for i, o in HIGGINS_LAYERS)
    dx_macs = macs - HIGGINS_LAYERS[0][0] * HIGGINS_LAYERS[0][1]
    return 2 * batch * (2 * macs + dx_macs)


def work(cls, op, p):
    """(amount, unit) done by one invocation, or None where no rate is meaningful."""
    if cls == "SgemmBench":
        i, o = (int(v) for v in p["layer"].split("x"))
        b = int(p["batch"])
        return {"Forward": (2 * b * i * o, "FLOP"), "Backward": (4 * b * i * o, "FLOP")}.get(op)
    if cls == "OpsBench":
        b, z, d, n = int(p["batch"]), int(p["latent"]), int(p["features"]), int(p["params"])
        return {
            "ReparamForward": (12 * b * z, "B"),
            "ReparamBackward": (20 * b * z, "B"),
            "Likelihood": (12 * b * d, "B"),
            "Adam": (28 * n, "B"),
        }.get(op)
    if cls == "TrainStepBench":
        return (train_step_flops(int(p["batch"])), "FLOP") if op == "Step" else None
    return None


UNIT_SECONDS = {"s/op": 1.0, "ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9}


def split_name(method):
    for e in ENGINES:
        if method.startswith(e) and len(method) > len(e) and method[len(e)].isupper():
            return e, method[len(e):]
    return None, method


def fmt_time(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def fmt_rate(amount, unit, seconds):
    if amount is None or seconds <= 0:
        return ""
    rate = amount / seconds / 1e9
    return f"{rate:.3g} G{unit}/s" if rate >= 0.01 else f"{rate * 1e3:.3g} M{unit}/s"


def fmt_err(entry):
    pm = entry["primaryMetric"]
    err = pm.get("scoreError")
    try:
        err = float(err)
    except (TypeError, ValueError):
        return ""
    if math.isnan(err) or pm["score"] == 0:
        return ""
    return f" ±{100 * err / pm['score']:.0f}%"


def seconds(entry):
    pm = entry["primaryMetric"]
    unit = pm["scoreUnit"]
    if unit not in UNIT_SECONDS:
        raise SystemExit(f"expected an average-time unit (s/op, ms/op, us/op, ns/op) but found {unit} in {entry['benchmark']}")
    return pm["score"] * UNIT_SECONDS[unit]


def load(paths):
    entries = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            entries.extend(json.load(f))
    return entries


def settings_line(entries):
    e = entries[0]
    return (f"JMH {e.get('jmhVersion', '?')}, {e.get('vmName', '?')} {e.get('vmVersion', e.get('jdkVersion', '?'))}, "
            f"forks {e.get('forks')}, warmup {e.get('warmupIterations')} × {e.get('warmupTime')}, "
            f"measurement {e.get('measurementIterations')} × {e.get('measurementTime')}, mode {e.get('mode')}")


def table(cls, entries):
    # Parameters that vary are columns; the rest are stated once above the table.
    all_params = OrderedDict()
    for e in entries:
        for k, v in e.get("params", {}).items():
            if k not in ENGINE_ONLY_PARAMS:
                all_params.setdefault(k, OrderedDict())[v] = True
    varying = [k for k, vs in all_params.items() if len(vs) > 1 or k == "threads"]
    fixed = [f"{k}={next(iter(vs))}" for k, vs in all_params.items() if k not in varying]

    rows = OrderedDict()
    for e in entries:
        engine, op = split_name(e["benchmark"].rsplit(".", 1)[1])
        p = e.get("params", {})
        key = (op,) + tuple(p.get(k, "") for k in varying)
        rows.setdefault(key, {})[engine] = e

    out = [f"### {cls}", ""]
    if fixed:
        out += ["Fixed: " + ", ".join(fixed), ""]
    head = ["op"] + varying + ["ours", "ours rate", "anchor", "anchor time", "anchor rate", "speed ours/anchor"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---" for _ in head) + "|")
    for key, by_engine in rows.items():
        op = key[0]
        ours = by_engine.get("ours")
        anchors = [(n, by_engine[n]) for n in ENGINES if n != "ours" and n in by_engine] or [(None, None)]
        for name, anchor in anchors:
            ref = ours or anchor
            w = work(cls, op, ref.get("params", {}))
            amount, unit = w if w else (None, None)
            cells = [op] + list(key[1:])
            if ours:
                t = seconds(ours)
                cells += [fmt_time(t) + fmt_err(ours), fmt_rate(amount, unit, t)]
            else:
                cells += ["", ""]
            if anchor:
                ta = seconds(anchor)
                extra = {k: v for k, v in anchor.get("params", {}).items() if k in ENGINE_ONLY_PARAMS}
                label = name + (" (" + ", ".join(f"{k}={v}" for k, v in extra.items()) + ")" if extra else "")
                cells += [label, fmt_time(ta) + fmt_err(anchor), fmt_rate(amount, unit, ta)]
                cells.append(f"{ta / seconds(ours):.3g}×" if ours else "")
            else:
                cells += ["", "", "", ""]
            out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    entries = load(argv[1:])
    if not entries:
        print("no benchmark results in " + ", ".join(argv[1:]), file=sys.stderr)
        return 1
    by_class = OrderedDict()
    for e in entries:
        cls = e["benchmark"].rsplit(".", 2)[1]
        by_class.setdefault(cls, []).append(e)
    lines = [settings_line(entries), ""]
    lines.append("Rates: FLOP/s for products and train steps, effective B/s (bytes an ideal implementation "
                 "must move) for memory-bound ops. Speed ours/anchor = anchor time / ours time (> 1: ours faster).")
    lines.append("")
    for cls in sorted(by_class, key=lambda c: ["SgemmBench", "OpsBench", "TrainStepBench"].index(c)
                      if c in ("SgemmBench", "OpsBench", "TrainStepBench") else 99):
        lines += table(cls, by_class[cls])
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
