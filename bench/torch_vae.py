#!/usr/bin/env python3
"""The default β-VAE in PyTorch: the GPU peer of our train step, and a loader for our checkpoints.

The network is VaeConfig.higgins(): 4096 -> 1200 ReLU -> 1200 ReLU -> 2*10 (mu | logvar), decoder
10 -> 1200 tanh x3 -> 4096 logits; Bernoulli reconstruction (BCE with logits) summed over the
features and averaged over the batch, KL with beta = 4, Adam with lr 1e-4. Module names follow
DESIGN §9 (encoder.layers.{i}, encoder.head, decoder.layers.{i}, decoder.out: nn.Linear), so
`load_state_dict` takes our model.safetensors as it is.

The convolutional architectures (`--arch conv|burgess`) load too: their encoder.convs.{i}
(nn.Conv2d) and decoder.deconvs.{i} (nn.ConvTranspose2d) come from the checkpoint's tensors, and
--check evaluates them with torch or, without it, with the numpy convolutions below.

Modes:
  torch_vae.py [--batches 64,1024] [--modes eager,graph,compile] [--tf32-modes eager,graph]
               [--archs mlp,conv] [--steps 20] [--block 20] [--warmup 3] [--gemm] [--out FILE.jsonl]
      times the train step with the data resident on the GPU (per step: median over --steps blocks of
      --block steps, one synchronisation per block, after --warmup blocks) in FP32 with TF32 off
      (comparable to our FP32 kernels), then with TF32 on for reference; the --arch conv network's
      step too (--archs; FP32 eager and graph, convolutions by cuDNN with TF32 off); with
      --gemm also the dense layer products at the shapes of GpuDenseBench (torch's cuBLAS).
      Prints one JSON object per line; bench/summarize.py merges them with JMH's results.
  torch_vae.py --check RUN_DIR|model.safetensors [--input X.npy] [--compare EVAL.json]
      loads our checkpoint into the module and prints recon, kl, loss (per-sample means) and
      kl_per_dim for the inputs, decoding z = mu (our `eval --posterior-mean`). With --compare, the
      JSON object printed by our `eval` must agree within --tolerance (relative), else exit 1.
      Uses torch where importable (on the GPU when there is one), else numpy.
  torch_vae.py --write-input X.npy [--n 256] [--features 4096] [--seed 0]
      writes random binary uint8 samples, as dSprites stores its images.

Exit status: 0 done, 1 a check failed, 2 bad arguments or files, 3 no PyTorch or no CUDA device.
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

HIGGINS = dict(input_size=4096, encoder=[1200, 1200], encoder_activation="relu", latent=10,
               decoder=[1200, 1200, 1200], decoder_activation="tanh", beta=4.0)
OUR_PARAMS = 14196516  # ParamLayout(VaeConfig.higgins()).size()
# The --arch conv network as GpuTrainStepBench's arch=conv runs it (1x64x64, Z = 10, beta 4)
CONV = dict(HIGGINS, architecture="conv", channels=1, encoder=[256], decoder=[256, 1024],
            encoder_activation="relu", decoder_activation="relu")
OUR_CONV_PARAMS = 690517  # ParamLayout(VaeConfig.convolutional(CONV, 1, 10, BERNOULLI, 4)).size()
LR = 1e-4
# GpuDenseBench's layers (IN x OUT) and how many products one timing queues before synchronizing
LAYERS = ["4096x1200", "1200x1200", "1200x4096", "10x1200", "1200x20"]
QUEUED = 8


def fail(msg, code=2):
    print(f"torch_vae: {msg}", file=sys.stderr)
    sys.exit(code)


def import_torch():
    try:
        import torch  # noqa: F401
        return torch
    except Exception as e:  # ImportError, or a broken CUDA install raising at import
        return e


# ----------------------------------------------------------------------------------------------
# The module (torch)

# The convolutional architectures (DESIGN §3): encoder convolutions (out, kernel, stride, padding),
# channels of the 4x4 map, decoder transposed convolutions (out; kernel 4, stride 2, padding 1; the
# last one's out is the image's channels).
CONV_ARCHS = {
    "conv": dict(convs=[(32, 4, 2, 1), (32, 4, 2, 1), (64, 2, 2, 0), (64, 2, 2, 0)], map=64, deconvs=[64, 32, 32]),
    "burgess": dict(convs=[(32, 4, 2, 1)] * 4, map=32, deconvs=[32, 32, 32]),
}


def build_module(torch, cfg):
    nn = torch.nn
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}
    arch = CONV_ARCHS.get(cfg.get("architecture", "mlp"))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            first = cfg["input_size"]
            if arch:
                chans = [cfg["channels"]] + [c[0] for c in arch["convs"]]
                self.convs = nn.ModuleList(nn.Conv2d(a, o, k, s, p) for a, (o, k, s, p) in zip(chans, arch["convs"]))
                first = 16 * arch["map"]
            widths = [first] + list(cfg["encoder"])
            self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
            self.act = acts[cfg["encoder_activation"]]()
            self.head = nn.Linear(widths[-1], 2 * cfg["latent"])

        def forward(self, x):
            if arch:
                x = x.reshape(x.shape[0], cfg["channels"], 64, 64)
                for conv in self.convs:
                    x = self.act(conv(x))
                x = x.flatten(1)
            for layer in self.layers:
                x = self.act(layer(x))
            return self.head(x)

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [cfg["latent"]] + list(cfg["decoder"])
            self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
            self.act = acts[cfg["decoder_activation"]]()
            if arch:
                chans = [arch["map"]] + arch["deconvs"] + [cfg["channels"]]
                self.deconvs = nn.ModuleList(nn.ConvTranspose2d(a, b, 4, 2, 1) for a, b in zip(chans, chans[1:]))
            else:
                self.out = nn.Linear(widths[-1], cfg["input_size"])

        def forward(self, z):
            for layer in self.layers:
                z = self.act(layer(z))
            if not arch:
                return self.out(z)
            z = z.reshape(z.shape[0], arch["map"], 4, 4)
            for i, deconv in enumerate(self.deconvs):
                z = deconv(z)
                if i < len(self.deconvs) - 1:
                    z = self.act(z)
            return z.flatten(1)

    class BetaVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()
            self.decoder = Decoder()
            self.latent = cfg["latent"]
            self.beta = float(cfg["beta"])

        def terms(self, x, sample=True):
            """Per-sample-mean recon (nats), KL per dimension (batch mean) for a batch x (B, D)."""
            stats = self.encoder(x)
            mu, logvar = stats[:, :self.latent], stats[:, self.latent:]
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if sample else mu
            logits = self.decoder(z)
            recon = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean()
            kl_dim = (0.5 * (mu * mu + torch.exp(logvar) - logvar - 1)).mean(0)
            return recon, kl_dim

        def forward(self, x):
            recon, kl_dim = self.terms(x)
            return recon + self.beta * kl_dim.sum()

    return BetaVAE()


# ----------------------------------------------------------------------------------------------
# Benchmark

def set_tf32(torch, on):
    """TF32 tensor-core math for FP32 matmuls on or off; returns the API used."""
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        # PyTorch 2.9+: allow_tf32 is deprecated, and mixing it with this setting is an error
        matmul.fp32_precision = "tf32" if on else "ieee"
        conv = getattr(torch.backends.cudnn, "conv", None)
        if conv is not None and hasattr(conv, "fp32_precision"):
            conv.fp32_precision = "tf32" if on else "ieee"
        return "fp32_precision"
    matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on
    return "allow_tf32"


def make_adam(torch, params, capturable=False):
    """Fused Adam (one kernel for all tensors, like ours) where this torch has it."""
    try:
        return torch.optim.Adam(params, lr=LR, fused=True, capturable=capturable), "fused"
    except (TypeError, RuntimeError):
        return torch.optim.Adam(params, lr=LR, foreach=True, capturable=capturable), "foreach"


def timed(torch, fn, n, warmup, per_call=1):
    """Seconds per call of fn: each timing is fn() then a synchronize, as JMH times ours."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) / per_call)
    times.sort()
    q = lambda f: times[min(len(times) - 1, int(f * len(times)))]
    return dict(seconds=statistics.median(times), seconds_p10=q(0.1), seconds_p90=q(0.9),
                seconds_mean=statistics.fmean(times), n=n)


def train_step_lines(torch, args, precision, modes, base, cfg=HIGGINS, arch="mlp"):
    """Our trainer's work per step, as a PyTorch user would write it with the data on the GPU: a
    uint8 dataset of 4 batches resident on the device, an epoch order from torch.randperm on the
    device, each batch gathered and converted there, forward, backward, Adam; the loss kept as a
    tensor (read later, never synchronised on per step). Timed in blocks of --block steps with one
    synchronisation per block, as GpuTrainStepBench times 100 trainer steps per invocation. cfg and
    arch: the network (HIGGINS, "mlp" or CONV, "conv"); lines carry arch."""
    dev = torch.device("cuda")
    for batch in args.batches:
        gen = torch.Generator(device=dev).manual_seed(7)
        rows = 4 * batch
        data = torch.bernoulli(torch.full((rows, cfg["input_size"]), 0.3, device=dev), generator=gen).to(torch.uint8)
        per_epoch = rows // batch
        state = dict(i=0, perm=None)

        def next_rows():
            i = state["i"]
            if i % per_epoch == 0:
                state["perm"] = torch.randperm(rows, device=dev, generator=gen)
            state["i"] = i + 1
            j = (i % per_epoch) * batch
            return state["perm"][j:j + batch]

        for mode in modes:
            torch.manual_seed(0)
            model = build_module(torch, cfg).to(dev)
            extra = {}
            try:
                if mode == "eager":
                    opt, impl = make_adam(torch, model.parameters())

                    def step():
                        x = data.index_select(0, next_rows()).float()
                        opt.zero_grad(set_to_none=True)
                        loss = model(x)
                        loss.backward()
                        opt.step()
                        state["loss"] = loss.detach()
                elif mode == "graph":
                    opt, impl = make_adam(torch, model.parameters(), capturable=True)
                    static_x = data.index_select(0, next_rows()).float()
                    side = torch.cuda.Stream()
                    side.wait_stream(torch.cuda.current_stream())
                    with torch.cuda.stream(side):  # warm up outside the graph, as the CUDA graph docs do
                        for _ in range(3):
                            opt.zero_grad(set_to_none=True)
                            model(static_x).backward()
                            opt.step()
                    torch.cuda.current_stream().wait_stream(side)
                    graph = torch.cuda.CUDAGraph()
                    opt.zero_grad(set_to_none=True)
                    with torch.cuda.graph(graph):
                        static_loss = model(static_x)
                        static_loss.backward()
                        opt.step()

                    def step():
                        # the batch goes into the graph's input outside the graph (index + convert)
                        torch.index_select(data, 0, next_rows(), out=state.setdefault("xb", torch.empty_like(data[:batch])))
                        static_x.copy_(state["xb"])
                        graph.replay()
                elif mode == "compile":
                    opt, impl = make_adam(torch, model.parameters())
                    loss_fn = torch.compile(model, dynamic=False)
                    t0 = time.perf_counter()
                    loss_fn(data[:batch].float()).backward()  # compiles forward and backward
                    opt.zero_grad(set_to_none=True)
                    torch.cuda.synchronize()
                    extra["compile_seconds"] = round(time.perf_counter() - t0, 2)

                    def step():
                        x = data.index_select(0, next_rows()).float()
                        opt.zero_grad(set_to_none=True)
                        loss = loss_fn(x)
                        loss.backward()
                        opt.step()
                        state["loss"] = loss.detach()

                def block():
                    for _ in range(args.block):
                        step()

                r = timed(torch, block, args.steps, args.warmup, per_call=args.block)
            except Exception as e:  # one mode failing (compile without a C compiler, ...) must not stop the rest
                line = dict(base, bench="GpuTrainStepBench", op="Step", arch=arch, variant=mode, precision=precision,
                            batch=batch, error=f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
                print(json.dumps(line), flush=True)
                emit_file(args, line)
                continue
            line = dict(base, bench="GpuTrainStepBench", op="Step", arch=arch, variant=mode, precision=precision,
                        batch=batch, adam=impl, block=args.block, **extra, **r)
            print(json.dumps(line), flush=True)
            emit_file(args, line)
            del model, opt
            torch.cuda.empty_cache()


def gemm_lines(torch, args, base, precision="fp32"):
    dev = torch.device("cuda")
    g = torch.Generator(device=dev).manual_seed(1)
    uni = lambda *shape: torch.rand(*shape, device=dev, generator=g) * 2 - 1
    for layer in LAYERS:
        i, o = (int(v) for v in layer.split("x"))
        for batch in args.gemm_batches:
            x, w, b, dy = uni(batch, i), uni(o, i), uni(o), uni(batch, o)
            y, dx, dw, db = torch.empty(batch, o, device=dev), torch.empty(batch, i, device=dev), uni(o, i), uni(o)

            def forward():
                for _ in range(QUEUED):
                    torch.addmm(b, x, w.t(), out=y)

            def backward():
                for _ in range(QUEUED):
                    torch.mm(dy, w, out=dx)
                    dw.addmm_(dy.t(), x)
                    db.add_(dy.sum(0))

            for op, fn in (("Forward", forward), ("Backward", backward)):
                r = timed(torch, fn, args.gemm_reps, 5, per_call=QUEUED)
                line = dict(base, bench="GpuDenseBench", op=op, layer=layer, batch=batch, precision=precision, **r)
                print(json.dumps(line), flush=True)
                emit_file(args, line)


def emit_file(args, line):
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")


def bench(args):
    torch = import_torch()
    if not hasattr(torch, "cuda"):
        fail(f"PyTorch is not importable ({type(torch).__name__}: {torch}); the PyTorch comparison needs it", 3)
    if not torch.cuda.is_available():
        fail(f"PyTorch {torch.__version__} sees no CUDA device", 3)
    model = build_module(torch, HIGGINS)
    n = sum(p.numel() for p in model.parameters())
    base = dict(source="torch", torch=torch.__version__, cuda=torch.version.cuda,
                device=torch.cuda.get_device_name(0))
    env = dict(base, kind="env", params=n, our_params=OUR_PARAMS, names=[k for k in model.state_dict()][:4] + ["..."])
    print(json.dumps(env), flush=True)
    emit_file(args, env)
    if n != OUR_PARAMS:
        fail(f"the module has {n} parameters but ours has {OUR_PARAMS}: not the same network", 1)
    # fast settings first, compilation last: a run cut short keeps what it printed
    base["tf32_api"] = set_tf32(torch, False)
    if args.gemm:
        gemm_lines(torch, args, base)
    mlp = "mlp" in args.archs
    if mlp:
        train_step_lines(torch, args, "fp32", [m for m in args.modes if m != "compile"], base)
    if args.tf32_modes:
        set_tf32(torch, True)
        if args.gemm:
            gemm_lines(torch, args, base, "tf32")  # the anchor for --precision tf32's products
        if mlp:
            train_step_lines(torch, args, "tf32", args.tf32_modes, base)
        set_tf32(torch, False)
    if "conv" in args.archs:
        # the conv network (#13's target: ours >= 1.2x PyTorch eager with cuDNN, FP32): FP32 only
        n = sum(p.numel() for p in build_module(torch, CONV).parameters())
        if n != OUR_CONV_PARAMS:
            fail(f"the conv module has {n} parameters but ours has {OUR_CONV_PARAMS}: not the same network", 1)
        train_step_lines(torch, args, "fp32", [m for m in args.modes if m != "compile"], base, CONV, "conv")
    if "compile" in args.modes and mlp:
        train_step_lines(torch, args, "fp32", ["compile"], base)
    return 0


# ----------------------------------------------------------------------------------------------
# Checkpoints

def read_safetensors(path):
    """{name: numpy float32 array} from a safetensors file (header parsed here; F32 only)."""
    import numpy as np
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        fail(f"{path}: expected a safetensors file but found {len(raw)} bytes")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        fail(f"{path}: header of {n} bytes runs past the end of the file ({len(raw)} bytes)")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            fail(f"{path}: tensor {name} is {meta['dtype']}, expected F32")
        begin, end = meta["data_offsets"]
        count = int(np.prod(meta["shape"])) if meta["shape"] else 1
        if end - begin != 4 * count:
            fail(f"{path}: tensor {name} holds {end - begin} bytes, expected {4 * count} for shape {meta['shape']}")
        out[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(meta["shape"]).astype(np.float32)
    return out


def config_from(tensors, run_dir):
    """Widths from the tensor shapes; activations and beta from config.json beside it when present."""
    def count(prefix):
        i = 0
        while f"{prefix}.{i}.weight" in tensors:
            i += 1
        return i

    convolutional = "encoder.convs.0.weight" in tensors
    for need in ("encoder.head.weight", "decoder.deconvs.0.weight" if convolutional else "decoder.out.weight"):
        if need not in tensors:
            fail(f"checkpoint has no tensor {need}; found {', '.join(sorted(tensors)[:6])}…")
    enc = [tensors[f"encoder.layers.{i}.weight"].shape[0] for i in range(count("encoder.layers"))]
    dec = [tensors[f"decoder.layers.{i}.weight"].shape[0] for i in range(count("decoder.layers"))]
    head = tensors["encoder.head.weight"]
    if convolutional:
        # conv's third convolution has 2x2 kernels, burgess's are all 4x4 (config.json, when present, says so too)
        channels = int(tensors["encoder.convs.0.weight"].shape[1])
        arch = "conv" if tensors["encoder.convs.2.weight"].shape[2] == 2 else "burgess"
        cfg = dict(HIGGINS, input_size=channels * 4096, encoder=enc, decoder=dec, latent=int(head.shape[0] // 2),
                   architecture=arch, channels=channels, encoder_activation="relu", decoder_activation="relu")
    else:
        cfg = dict(HIGGINS, input_size=int(tensors["decoder.out.weight"].shape[0]), encoder=enc, decoder=dec,
                   latent=int(head.shape[0] // 2))
    cj = os.path.join(run_dir, "config.json") if run_dir else None
    if cj and os.path.isfile(cj):
        with open(cj, encoding="utf-8") as f:
            c = json.load(f)
        m = c.get("model", {})
        cfg["encoder_activation"] = m.get("encoder_activation", cfg["encoder_activation"])
        cfg["decoder_activation"] = m.get("decoder_activation", cfg["decoder_activation"])
        if m.get("likelihood", "bernoulli") != "bernoulli":
            fail(f"{cj}: likelihood {m.get('likelihood')}; this check knows the Bernoulli one only")
        cfg["beta"] = float(c.get("objective", {}).get("beta", cfg["beta"]))
    return cfg


def load_input(path, features):
    import numpy as np
    a = np.load(path)
    a = a.reshape(a.shape[0], -1)
    if a.shape[1] != features:
        fail(f"expected {features} features but found {a.shape[1]} in {path}")
    if a.dtype == np.uint8:
        # DESIGN §8: uint8 holding only 0 and 1 is binary already; other uint8 is divided by 255
        return a.astype(np.float32) if a.max(initial=0) <= 1 else a.astype(np.float32) / 255
    return a.astype(np.float32)


def conv2d_numpy(x, w, b, stride, pad):
    """nn.Conv2d's forward in float64: x (N, C, H, W), w (O, C, k, k), b (O)."""
    import numpy as np
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = np.zeros((n, o, oh, ow)) + b.reshape(1, o, 1, 1)
    for kh in range(k):
        for kw in range(k):
            patch = xp[:, :, kh:kh + stride * (oh - 1) + 1:stride, kw:kw + stride * (ow - 1) + 1:stride]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, kh, kw].astype(np.float64))
    return y


def conv_transpose2d_numpy(x, w, b, stride, pad):
    """nn.ConvTranspose2d's forward in float64 (each input position scatters its k x k block):
    x (N, C, H, W), w (C, O, k, k), b (O)."""
    import numpy as np
    n, c, h, wd = x.shape
    _, o, k, _ = w.shape
    full = np.zeros((n, o, (h - 1) * stride + k, (wd - 1) * stride + k))
    for kh in range(k):
        for kw in range(k):
            full[:, :, kh:kh + stride * (h - 1) + 1:stride, kw:kw + stride * (wd - 1) + 1:stride] += np.einsum(
                "nchw,co->nohw", x, w[:, :, kh, kw].astype(np.float64))
    oh, ow = (h - 1) * stride - 2 * pad + k, (wd - 1) * stride - 2 * pad + k
    return full[:, :, pad:pad + oh, pad:pad + ow] + b.reshape(1, o, 1, 1)


def terms_numpy(t, cfg, x):
    """recon (per-sample mean), kl per dimension (batch mean) with z = mu, in float64."""
    import numpy as np
    act = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
           "identity": lambda v: v}
    lin = lambda h, p: h @ t[p + ".weight"].astype(np.float64).T + t[p + ".bias"]
    arch = CONV_ARCHS.get(cfg.get("architecture", "mlp"))
    h = x.astype(np.float64)
    if arch:
        h = h.reshape(h.shape[0], cfg["channels"], 64, 64)
        for i, (_, _, s, p) in enumerate(arch["convs"]):
            h = act["relu"](conv2d_numpy(h, t[f"encoder.convs.{i}.weight"], t[f"encoder.convs.{i}.bias"], s, p))
        h = h.reshape(h.shape[0], -1)
    for i in range(len(cfg["encoder"])):
        h = act[cfg["encoder_activation"]](lin(h, f"encoder.layers.{i}"))
    stats = lin(h, "encoder.head")
    z_dim = cfg["latent"]
    mu, logvar = stats[:, :z_dim], stats[:, z_dim:]
    h = mu
    for i in range(len(cfg["decoder"])):
        h = act[cfg["decoder_activation"]](lin(h, f"decoder.layers.{i}"))
    if arch:
        h = h.reshape(h.shape[0], arch["map"], 4, 4)
        for i in range(len(arch["deconvs"]) + 1):
            h = conv_transpose2d_numpy(h, t[f"decoder.deconvs.{i}.weight"], t[f"decoder.deconvs.{i}.bias"], 2, 1)
            if i < len(arch["deconvs"]):
                h = act["relu"](h)
        logits = h.reshape(h.shape[0], -1)
    else:
        logits = lin(h, "decoder.out")
    recon = (np.logaddexp(0, logits) - x * logits).sum(1).mean()
    kl_dim = (0.5 * (mu * mu + np.exp(logvar) - logvar - 1)).mean(0)
    return float(recon), [float(v) for v in kl_dim]


def check(args):
    import numpy as np
    path = args.check
    run_dir = path if os.path.isdir(path) else os.path.dirname(path)
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    if not os.path.isfile(path):
        fail(f"no checkpoint at {path}")
    tensors = read_safetensors(path)
    cfg = config_from(tensors, run_dir)
    if args.input:
        x = load_input(args.input, cfg["input_size"])
    else:
        x = (np.random.default_rng(args.seed).random((args.n, cfg["input_size"])) < 0.3).astype(np.float32)
    torch = import_torch()
    if hasattr(torch, "nn"):
        dev = "cuda" if torch.cuda.is_available() else "cpu"
        if dev == "cuda":
            set_tf32(torch, False)
        model = build_module(torch, cfg).to(dev)
        # strict: every name and shape must match, nothing missing, nothing left over
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()}, strict=True)
        with torch.no_grad():
            xt = torch.from_numpy(x).to(dev)
            recon_sum, kl_sum, n = 0.0, None, 0
            for s in range(0, xt.shape[0], 256):  # batches of 256, sums in float64
                xb = xt[s:s + 256]
                r, k = model.terms(xb, sample=False)
                recon_sum += float(r) * xb.shape[0]
                kb = k.double() * xb.shape[0]
                kl_sum = kb if kl_sum is None else kl_sum + kb
                n += xb.shape[0]
        recon, kl_dim = recon_sum / n, [float(v) / n for v in kl_sum]
        engine = f"torch {torch.__version__} on {dev} (load_state_dict strict=True)"
    else:
        recon, kl_dim = terms_numpy(tensors, cfg, x)
        engine = "numpy (PyTorch not importable)"
    kl = sum(kl_dim)
    out = dict(source="torch-check", checkpoint=path, engine=engine, n=int(x.shape[0]),
               tensors=len(tensors), params=int(sum(v.size for v in tensors.values())),
               recon=recon, kl=kl, loss=recon + cfg["beta"] * kl, kl_per_dim=kl_dim)
    print(json.dumps(out), flush=True)
    if not args.compare:
        return 0
    with open(args.compare, encoding="utf-8") as f:
        text = f.read().strip()
    ours = json.loads(text[text.index("{"):text.rindex("}") + 1])  # tolerate a device note around it
    worst = 0.0
    for key in ("recon", "kl", "loss"):
        a, b = float(ours[key]), out[key]
        rel = abs(a - b) / max(1e-6, abs(a))
        worst = max(worst, rel)
        print(f"compare {key}: ours {a:.6g}, here {b:.6g}, relative difference {rel:.2e}")
    ok = worst <= args.tolerance
    print(f"compare: {'match' if ok else 'MISMATCH'} (worst relative difference {worst:.2e}, tolerance {args.tolerance:g})")
    return 0 if ok else 1


def write_input(args):
    import numpy as np
    a = (np.random.default_rng(args.seed).random((args.n, args.features)) < 0.3).astype(np.uint8)
    np.save(args.write_input, a)
    print(f"wrote {args.write_input}: {args.n} x {args.features} uint8 in {{0, 1}}")
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    ints = lambda s: [int(v) for v in s.split(",") if v]
    words = lambda s: [v for v in s.split(",") if v]
    p.add_argument("--batches", type=ints, default=[64, 1024])
    p.add_argument("--modes", type=words, default=["eager", "graph", "compile"])
    p.add_argument("--tf32-modes", type=words, default=["eager", "graph"])
    p.add_argument("--archs", type=words, default=["mlp", "conv"],
                   help="networks whose train step is timed: mlp, the default net (every mode), and conv, "
                        "the --arch conv network (FP32 eager and graph)")
    p.add_argument("--steps", type=int, default=20, help="timed blocks per setting (median reported)")
    p.add_argument("--warmup", type=int, default=3, help="blocks run before timing")
    p.add_argument("--block", type=int, default=20, help="train steps per timed block (one synchronisation each)")
    p.add_argument("--gemm", action="store_true", help="also time the dense products (torch's cuBLAS)")
    p.add_argument("--gemm-reps", type=int, default=30)
    p.add_argument("--gemm-batches", type=ints, default=[64, 1024, 4096],
                   help="batches of the --gemm products (the train steps use --batches)")
    p.add_argument("--out", help="append the JSON lines to this file too")
    p.add_argument("--check", metavar="CHECKPOINT", help="run directory or model.safetensors to load")
    p.add_argument("--input", help=".npy samples for --check (default: --n random binary samples)")
    p.add_argument("--compare", metavar="EVAL.json", help="our `eval --posterior-mean` output to agree with")
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.add_argument("--write-input", metavar="X.npy")
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--features", type=int, default=4096)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for m in args.modes + args.tf32_modes:
        if m not in ("eager", "graph", "compile"):
            p.error(f"unknown mode {m}: expected eager, graph or compile")
    for a in args.archs:
        if a not in ("mlp", "conv"):
            p.error(f"unknown arch {a}: expected mlp or conv")
    if args.check:
        return check(args)
    if args.write_input:
        return write_input(args)
    return bench(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
