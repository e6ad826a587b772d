#!/usr/bin/env python3
"""Turn JMH JSON results into the markdown tables of RESULTS.md.

Usage: python3 summarize.py RESULT.json [MORE.json ...] [torch.jsonl ...] > tables.md

Every benchmark method is named ENGINE + OP (oursForward, nd4jForward, cublasForward, dl4jStep):
rows pair our engine with the anchor that ran the same OP at the same parameters, and the speed
ratio is anchor_time / ours_time (> 1 means ours is faster). The work per invocation (FLOPs or
bytes) is defined here, in one place, from the benchmark's parameters; the Java classes state the
same formulas in their Javadoc.

Files holding one JSON object per line (bench/torch_vae.py's output) are merged in: PyTorch's
dense products become a second anchor column of GpuDenseBench, its train steps rows of
GpuTrainStepBench. Lines of other kinds are ignored.

Standard library only, so it runs wherever the benchmarks do.
"""
import json
import math
import re
import sys
from collections import OrderedDict

ENGINES = ("ours", "nd4j", "dl4j", "cublas")
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


# The --arch conv net (disentanglement_lib's, 1x64x64, Z = 10) as multiply-adds per sample, forward
# order: four convs (Cout*Cin*k*k*Hout*Wout), dense 1024-256, head 256-20, decoder dense 10-256-1024,
# four transposed convs (Cin*Cout*k*k*Hin*Win).
CONV_MACS = [32 * 1 * 16 * 32 * 32, 32 * 32 * 16 * 16 * 16, 64 * 32 * 4 * 8 * 8, 64 * 64 * 4 * 4 * 4,
             1024 * 256, 256 * 20, 10 * 256, 256 * 1024,
             64 * 64 * 16 * 4 * 4, 64 * 32 * 16 * 8 * 8, 32 * 32 * 16 * 16 * 16, 32 * 1 * 16 * 32 * 32]


def conv_step_flops(batch):
    """As train_step_flops, for the conv net: no input gradient for the first conv."""
    macs = sum(CONV_MACS)
    return 2 * batch * (3 * macs - CONV_MACS[0])


def work(cls, op, p):
    """(amount, unit) done by one invocation, or None where no rate is meaningful."""
    if cls in ("SgemmBench", "GpuDenseBench"):
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
    if cls == "GpuOpsBench":
        if op == "Adam":
            return 28 * int(p["params"]), "B"
        b, z, d = int(p["batch"]), int(p["latent"]), int(p["features"])
        return {
            "ReparamForward": (12 * b * z, "B"),
            "ReparamBackward": (20 * b * z, "B"),
            "Likelihood": (12 * b * d, "B"),
            "Gather": (5 * b * d + 4 * b, "B"),
        }.get(op)
    if cls == "TrainStepBench":
        return (train_step_flops(int(p["batch"])), "FLOP") if op == "Step" else None
    if cls == "ConvStepBench":
        return (conv_step_flops(int(p["batch"])), "FLOP") if op == "Step" else None
    if cls == "GpuTrainStepBench":
        return (train_step_flops(int(p["batch"])), "FLOP") if op.startswith("Trainer") or op.startswith("Step") else None
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
    if rate >= 1000:
        return f"{rate / 1e3:.3g} T{unit}/s"
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
    """(JMH entries, other JSON objects) from JMH's JSON arrays and JSON-lines files."""
    entries, lines = [], []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if text.lstrip().startswith("["):
            entries.extend(json.loads(text))
            continue
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                print(f"{path}:{n}: not JSON, skipped", file=sys.stderr)
                continue
            if isinstance(obj, dict):
                lines.append(obj)
    return entries, lines


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


LAYER_ORDER = ["4096x1200", "1200x1200", "1200x4096", "10x1200", "1200x20"]


def gpu_env_lines(torch):
    env = [o for o in torch if o.get("kind") == "env"]
    if not env:
        return []
    e = env[0]
    return [f"PyTorch {e.get('torch')} (CUDA {e.get('cuda')}) on {e.get('device')}; its module has "
            f"{e.get('params')} parameters (ours {e.get('our_params')}).", ""]


def torch_seconds(line):
    return float(line["seconds"]) if "seconds" in line and "error" not in line else None


def ratio(anchor_s, ours_s):
    return f"{anchor_s / ours_s:.3g}×" if anchor_s and ours_s else ""


def gpu_dense_table(entries, torch):
    """Ours beside two anchors: cuBLAS through JCublas (same buffers), and torch's FP32 products."""
    rows = OrderedDict()
    for e in entries:
        engine, op = split_name(e["benchmark"].rsplit(".", 1)[1])
        p = e.get("params", {})
        prec = p.get("precision", "fp32")
        label = op if prec == "fp32" else f"{op} {prec.upper()}"
        if p.get("tiles", "auto") != "auto" and engine == "ours":
            label += f" ({p['tiles']} tiles)"
        rows.setdefault((label, p.get("layer", ""), str(p.get("batch", ""))), {})[engine] = seconds(e)
    for t in torch:
        if t.get("bench") == "GpuDenseBench" and "kind" not in t:
            prec = t.get("precision", "fp32")
            key = t["op"] if prec == "fp32" else f"{t['op']} {prec.upper()}"
            rows.setdefault((key, t["layer"], str(t["batch"])), {})["torch"] = torch_seconds(t)

    # a row of ours on forced tiles sits beside the anchors of the same product
    for key, r in rows.items():
        if key[0].endswith(" tiles)"):
            base = rows.get((key[0].split(" (")[0], key[1], key[2]), {})
            for anchor in ("cublas", "torch"):
                if anchor in base and anchor not in r:
                    r[anchor] = base[anchor]

    def order(key):
        op, layer, batch = key
        return (op, LAYER_ORDER.index(layer) if layer in LAYER_ORDER else 99, int(batch) if batch.isdigit() else 0)

    out = ["### GpuDenseBench", ""]
    have_cublas = any("cublas" in r for r in rows.values())
    have_torch = any(r.get("torch") for r in rows.values())
    if not have_cublas:
        out += ["No cuBLAS (JCublas) results: that anchor did not run here (it needs libcublas.so.12; the "
                "log says why).", ""]
    head = ["op", "layer", "batch", "ours", "ours rate", "cuBLAS", "cuBLAS rate", "speed ours/cuBLAS",
            "torch", "torch rate", "speed ours/torch"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---" for _ in head) + "|")
    for key in sorted(rows, key=order):
        op, layer, batch = key
        r = rows[key]
        w = work("GpuDenseBench", op.split(" ")[0], {"layer": layer, "batch": batch}) if layer and batch else None
        amount, unit = w if w else (None, None)
        cells = [op, layer, batch]
        for name in ("ours", "cublas", "torch"):
            t = r.get(name)
            cells += [fmt_time(t), fmt_rate(amount, unit, t)] if t else ["", ""]
            if name != "ours":
                cells.append(ratio(t, r.get("ours")))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if have_torch:
        out += ["torch: FP32 with TF32 off, `addmm` forward and `mm`, `addmm_`, `sum` backward, "
                "8 products queued per synchronize, as on our side.", ""]
    return out


STEP_LABELS = {
    "TrainerEager": "Trainer.run, resident step, eager launches",
    "TrainerGraph": "Trainer.run, resident step, CUDA graph replay",
}


def gpu_step_table(entries, torch):
    """Every way of running a train step, ours and PyTorch's, against PyTorch eager FP32 (same net)."""
    rows = []
    for e in entries:
        _, op = split_name(e["benchmark"].rsplit(".", 1)[1])
        params = e.get("params", {})
        how = STEP_LABELS.get(op, op)
        if params.get("tiles", "auto") != "auto":
            how += f", {params['tiles']} tiles"
        rows.append(dict(arch=params.get("arch", "mlp"), batch=str(params.get("batch", "")), engine="ours",
                         how=how, precision=params.get("precision", "fp32"), s=seconds(e), note=""))
    for t in torch:
        if t.get("bench") != "GpuTrainStepBench" or "kind" in t:
            continue
        notes = []
        if t.get("adam"):
            notes.append(f"Adam {t['adam']}")
        if t.get("compile_seconds") is not None:
            notes.append(f"compiled in {t['compile_seconds']} s")
        if t.get("error"):
            notes.append("failed: " + t["error"])
        how = {"eager": "eager", "graph": "CUDA graph replay", "compile": "torch.compile"}.get(t["variant"], t["variant"])
        rows.append(dict(arch=t.get("arch", "mlp"), batch=str(t["batch"]), engine="torch", how=how,
                         precision=t.get("precision", "fp32"), s=torch_seconds(t), note=", ".join(notes)))
    base = {(r["arch"], r["batch"]): r["s"] for r in rows
            if r["engine"] == "torch" and r["how"] == "eager" and r["precision"] == "fp32" and r["s"]}
    out = ["### GpuTrainStepBench", "",
           "One step with the data resident on the GPU: gather, forward, backward, Adam (lr 1e-4); mlp is the "
           "default net, conv the --arch conv network (PyTorch: cuDNN); "
           "ours 100 steps of Trainer.run per timing, torch --block steps per synchronisation. "
           "Speed column: PyTorch eager FP32's time for the same net / this row's time (> 1: faster than it).", ""]
    head = ["net", "batch", "engine", "how", "precision", "time", "rate", "speed vs torch eager FP32", "notes"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---" for _ in head) + "|")
    rows.sort(key=lambda r: (r["arch"], int(r["batch"]) if r["batch"].isdigit() else 0, r["engine"] != "ours",
                             r["precision"]))
    for r in rows:
        step = conv_step_flops if r["arch"] == "conv" else train_step_flops if r["arch"] == "mlp" else None
        flops = step(int(r["batch"])) if step and r["batch"].isdigit() else None
        cells = [r["arch"], r["batch"], r["engine"], r["how"], r["precision"].upper(),
                 fmt_time(r["s"]) if r["s"] else "", fmt_rate(flops, "FLOP", r["s"]) if r["s"] and flops else "",
                 ratio(base.get((r["arch"], r["batch"])), r["s"]), r["note"]]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


CLASS_ORDER = ["SgemmBench", "OpsBench", "TrainStepBench", "ConvStepBench", "GpuDenseBench", "GpuOpsBench", "GpuTrainStepBench"]


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    entries, others = load(argv[1:])
    torch = [o for o in others if o.get("source") == "torch"]
    if not entries and not torch:
        print("no benchmark results in " + ", ".join(argv[1:]), file=sys.stderr)
        return 1
    by_class = OrderedDict()
    for e in entries:
        cls = e["benchmark"].rsplit(".", 2)[1]
        by_class.setdefault(cls, []).append(e)
    for o in torch:
        if o.get("bench") in ("GpuDenseBench", "GpuTrainStepBench"):
            by_class.setdefault(o["bench"], [])
    lines = [settings_line(entries), ""] if entries else []
    lines += gpu_env_lines(torch)
    lines.append("Rates: FLOP/s for products and train steps, effective B/s (bytes an ideal implementation "
                 "must move) for memory-bound ops. Speed ours/anchor = anchor time / ours time (> 1: ours faster).")
    lines.append("")
    for cls in sorted(by_class, key=lambda c: CLASS_ORDER.index(c) if c in CLASS_ORDER else 99):
        if cls == "GpuDenseBench":
            lines += gpu_dense_table(by_class[cls], torch)
        elif cls == "GpuTrainStepBench":
            lines += gpu_step_table(by_class[cls], torch)
        else:
            lines += table(cls, by_class[cls])
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
