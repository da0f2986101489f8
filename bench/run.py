#!/usr/bin/python3
"""tscript against libtorch on the same TorchScript archives (`make bench`).

Runs bench_tscript and bench_libtorch (built by `make bench` into
build-bench/bench/) as separate processes, so each one's peak RSS is its
own, on the example archives of examples/ and on bigger MLPs written here
with real PyTorch, all in one run. Prints a table of load time, median
latency and peak RSS for both, and their ratios (libtorch / tscript: above 1
means tscript is faster or smaller). A checksum of each output is compared,
so a fast wrong answer does not go unnoticed. This is a benchmark, not a
test: the numbers depend on the machine.

    /usr/bin/python3 bench/run.py [--build-dir build-bench] [--threads 1]
                                  [--iters N] [--only NAME ...] [--json FILE]
"""
import argparse
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (archive, inputs, iterations)
EXAMPLES = [
    ("simple_linear (traced)", "examples/simple_linear.pt", ["f32:1,10"], 2000),
    ("conditional (scripted)", "examples/conditional.pt", ["f32:1,5", "True"], 2000),
    ("looping (scripted)", "examples/looping.pt", ["f32:1,10"], 2000),
    ("looping (traced)", "examples/looping_traced.pt", ["f32:1,10"], 2000),
    ("mlp 16-32-32-4 b3", "examples/mlp.pt", ["f32:3,16"], 2000),
]


def make_big_models(directory):
    """Bigger MLPs (512-1024-1024-10), scripted and traced, written with torch."""
    import torch
    import torch.nn as nn

    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                          nn.Linear(1024, 10)).eval()
    paths = {}
    for mode in ("scripted", "traced"):
        path = os.path.join(directory, "mlp_512_1024_1024_10_%s.pt" % mode)
        if mode == "scripted":
            m = torch.jit.script(model)
        else:
            m = torch.jit.trace(model, torch.randn(1, 512))
        m.save(path)
        paths[mode] = path
    # a CNN and a Transformer encoder, the model families people deploy
    import torchvision
    r18 = os.path.join(directory, "resnet18_scripted.pt")
    torch.jit.script(torchvision.models.resnet18().eval()).save(r18)
    enc = os.path.join(directory, "transformer_encoder_scripted.pt")
    layer = nn.TransformerEncoderLayer(256, 4, 1024, batch_first=True)
    torch.jit.script(nn.TransformerEncoder(layer, 4, enable_nested_tensor=False).eval()).save(enc)
    return [
        ("resnet18 1x3x224x224 (scripted)", r18, ["f32:1,3,224,224"], 20),
        ("transformer enc 4x256 b1 s64 (scripted)", enc, ["f32:1,64,256"], 50),
        ("mlp 512-1024-1024-10 b1 (scripted)", paths["scripted"], ["f32:1,512"], 500),
        ("mlp 512-1024-1024-10 b64 (scripted)", paths["scripted"], ["f32:64,512"], 100),
        ("mlp 512-1024-1024-10 b64 (traced)", paths["traced"], ["f32:64,512"], 100),
    ]


def run_driver(exe, path, inputs, iters, threads):
    cmd = [exe, path, "--iters", str(iters), "--warmup", str(max(10, iters // 10)),
           "--threads", str(threads)] + inputs
    # Both runtimes reach OpenBLAS, whose own thread pool ignores
    # at::set_num_threads: pin it too, or "1 thread" means one per core there.
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    if p.returncode != 0:
        msg = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        return {"error": msg}
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    return {"error": "no JSON in output"}


def fmt(v, digits=1):
    return "-" if v is None else "%.*f" % (digits, v)


def ratio(lt, ts):
    if lt is None or ts is None or ts <= 0:
        return "-"
    return "%.2fx" % (lt / ts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=0, help="override the iterations per model")
    ap.add_argument("--only", nargs="*", default=None, help="substrings of model names")
    ap.add_argument("--json", help="also write all results to this file")
    args = ap.parse_args()

    bench_dir = os.path.join(os.path.abspath(args.build_dir), "bench")
    exes = {rt: os.path.join(bench_dir, "bench_" + rt) for rt in ("tscript", "libtorch")}
    for rt, exe in exes.items():
        if not os.access(exe, os.X_OK):
            sys.exit("run.py: %s not found; build with `make bench`" % exe)

    models = [(n, os.path.join(REPO, p), i, k) for n, p, i, k in EXAMPLES]
    models += make_big_models(os.path.join(os.path.abspath(args.build_dir), "bench-models"))
    if args.only:
        models = [m for m in models if any(s in m[0] for s in args.only)]

    print("tscript vs libtorch, %d thread(s); latency = median of N forward calls after "
          "warm-up; ratio = libtorch / tscript\n" % args.threads)
    header = ("model", "load ms ts", "load ms lt", "ratio", "lat us ts", "lat us lt", "ratio",
              "RSS MB ts", "RSS MB lt", "ratio", "same")
    rows, results, ok = [], [], 0
    for name, path, inputs, iters in models:
        iters = args.iters or iters
        r = {rt: run_driver(exe, path, inputs, iters, args.threads) for rt, exe in exes.items()}
        results.append({"model": name, "inputs": inputs, **r})
        ts, lt = r["tscript"], r["libtorch"]
        same = "-"
        if "error" not in ts and "error" not in lt:
            ok += 1
            a, b = ts["checksum"], lt["checksum"]
            same = "yes" if abs(a - b) <= 1e-4 * max(1.0, abs(b)) else "NO"
        rows.append((name,
                     fmt(ts.get("load_ms"), 2), fmt(lt.get("load_ms"), 2),
                     ratio(lt.get("load_ms"), ts.get("load_ms")),
                     fmt(ts.get("median_us")), fmt(lt.get("median_us")),
                     ratio(lt.get("median_us"), ts.get("median_us")),
                     fmt(ts.get("peak_rss_mb")), fmt(lt.get("peak_rss_mb")),
                     ratio(lt.get("peak_rss_mb"), ts.get("peak_rss_mb")), same))
        for rt in ("tscript", "libtorch"):
            if "error" in r[rt]:
                rows.append(("  %s error: %s" % (rt, r[rt]["error"][:150]),) + ("",) * 10)

    widths = [max(len(str(row[i])) for row in rows + [header]) if i else
              max(len(row[0]) for row in [header] + [r for r in rows if r[1] != ""])
              for i in range(len(header))]
    line = lambda row: "  ".join(str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i])
                                 for i, c in enumerate(row)).rstrip()
    print(line(header))
    print("-" * len(line(header)))
    for row in rows:
        print(row[0] if row[1] == "" and row[0].startswith("  ") else line(row))

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    if ok == 0:
        sys.exit("run.py: no model ran with both runtimes")


if __name__ == "__main__":
    main()
