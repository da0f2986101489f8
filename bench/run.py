#!/usr/bin/python3
"""tscript against libtorch and ONNX Runtime on the same models (`make bench`).

Runs bench_tscript and bench_libtorch (built by `make bench` into
build-bench/bench/) and bench_ort.py (with the python of the ignored venv
.venv-bench/, where `make bench` pip-installs onnxruntime) as separate
processes, so each one's peak RSS is its own, on the example archives of
examples/, bigger MLPs and a Transformer encoder, and torchvision CNNs
(resnet18, mobilenet_v2, squeezenet1_1; random weights, seeded), all written
here with Debian's PyTorch: scripted archives for tscript and libtorch, the
same modules exported with torch.onnx.export for ONNX Runtime.

Runtimes: tscript; libtorch as loaded and after torch.jit.optimize_for_inference
("lt-ofi", its frozen, folded, prepacked form; the optimisation counts in its
load time); ONNX Runtime with all graph optimisations (ORT, ONNX models only).
Each (model, threads, runtime) is measured --repeat times, interleaved with
the others, and the median of the medians is reported, so the machine's load
hits every runtime alike; the ratios of one run are what counts. Ratio =
tscript / the better libtorch and tscript / ORT: below 1 means tscript is
faster. A checksum of each output is compared with libtorch's, so a fast
wrong answer does not go unnoticed. This is a benchmark, not a test.

    /usr/bin/python3 bench/run.py [--build-dir build-bench] [--threads 1,2]
        [--repeat 3] [--iters N] [--only NAME ...] [--json FILE]
        [--markdown FILE] [--chart FILE.png]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PY = os.path.join(REPO, ".venv-bench", "bin", "python")

# name -> (archive, inputs, iterations)
EXAMPLES = [
    ("simple_linear (traced)", "examples/simple_linear.pt", ["f32:1,10"], 2000),
    ("conditional (scripted)", "examples/conditional.pt", ["f32:1,5", "True"], 2000),
    ("looping (scripted)", "examples/looping.pt", ["f32:1,10"], 2000),
    ("looping (traced)", "examples/looping_traced.pt", ["f32:1,10"], 2000),
    ("mlp 16-32-32-4 b3", "examples/mlp.pt", ["f32:3,16"], 2000),
]

CNNS = [("resnet18", 20), ("mobilenet_v2", 30), ("squeezenet1_1", 40)]


def make_big_models(directory):
    """Bigger MLPs, a Transformer encoder and CNNs, written with torch; each
    model as (name, archive, onnx file or None, inputs, iterations)."""
    import torch
    import torch.nn as nn
    import torchvision

    os.makedirs(directory, exist_ok=True)
    out = []
    for name, iters in CNNS:
        pt = os.path.join(directory, name + "_scripted.pt")
        onnx = os.path.join(directory, name + ".onnx")
        if not (os.path.exists(pt) and os.path.exists(onnx)):
            torch.manual_seed(0)
            m = getattr(torchvision.models, name)().eval()
            torch.jit.script(m).save(pt)
            torch.onnx.export(m, torch.randn(1, 3, 224, 224), onnx, opset_version=13)
        out.append(("%s 1x3x224x224" % name, pt, onnx, ["f32:1,3,224,224"], iters))
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
    enc = os.path.join(directory, "transformer_encoder_scripted.pt")
    layer = nn.TransformerEncoderLayer(256, 4, 1024, batch_first=True)
    torch.jit.script(nn.TransformerEncoder(layer, 4, enable_nested_tensor=False).eval()).save(enc)
    return out + [
        ("transformer enc 4x256 b1 s64 (scripted)", enc, None, ["f32:1,64,256"], 50),
        ("mlp 512-1024-1024-10 b1 (scripted)", paths["scripted"], None, ["f32:1,512"], 500),
        ("mlp 512-1024-1024-10 b64 (scripted)", paths["scripted"], None, ["f32:64,512"], 100),
        ("mlp 512-1024-1024-10 b64 (traced)", paths["traced"], None, ["f32:64,512"], 100),
    ]


def run_driver(cmd, iters, threads, inputs):
    cmd = cmd + ["--iters", str(iters), "--warmup", str(max(3, iters // 10)),
                 "--threads", str(threads)] + inputs
    # Both runtimes reach OpenBLAS, whose own thread pool ignores
    # at::set_num_threads, and OpenMP (libtorch's, oneDNN's): pin them too,
    # or "1 thread" means one per core there.
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    if p.returncode != 0:
        msg = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        return {"error": msg}
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    return {"error": "no JSON in output"}


def median_of(runs):
    """The run whose median latency is the median of the runs' (errors win)."""
    for r in runs:
        if "error" in r:
            return r
    runs = sorted(runs, key=lambda r: r["median_us"])
    best = dict(runs[len(runs) // 2])
    best["all_median_us"] = [r["median_us"] for r in runs]
    return best


def ms(r):
    return None if r is None or "error" in r else r["median_us"] / 1000.0


def fmt(v, digits=2):
    if v is None:
        return "-"
    if 0 < abs(v) < 1 and digits == 2:
        return "%.4f" % v  # microsecond models
    return "%.*f" % (digits, v)


def ratio(a, b):
    return "-" if a is None or b is None or b <= 0 else "%.2f" % (a / b)


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: " | ".join(str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
                                for i, c in enumerate(r))
    out = ["| " + line(header) + " |", "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + line(r) + " |" for r in rows]
    return "\n".join(out)


def chart(results, threads_list, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted({r["model"] for r in results if r.get("onnx")}, key=lambda n: n)
    runtimes = [("tscript", "tscript"), ("libtorch", "libtorch"), ("libtorch-ofi", "lt-ofi"), ("ort", "ONNX Runtime")]
    if any("ts-base" in r for r in results):
        runtimes.insert(0, ("ts-base", "tscript (baseline)"))
    fig, axes = plt.subplots(1, len(threads_list), figsize=(6 * len(threads_list), 4), squeeze=False)
    for ax, th in zip(axes[0], threads_list):
        width = 0.8 / len(runtimes)
        for k, (key, label) in enumerate(runtimes):
            vals = []
            for n in names:
                r = next((x for x in results if x["model"] == n and x["threads"] == th), None)
                vals.append(ms(r.get(key)) or 0.0 if r else 0.0)
            ax.bar([i + k * width for i in range(len(names))], vals, width, label=label)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(names))])
        ax.set_xticklabels([n.split()[0] for n in names])
        ax.set_ylabel("median latency, ms (lower is better)")
        ax.set_title("%d thread%s" % (th, "" if th == 1 else "s"))
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--repeat", type=int, default=3, help="measurements per runtime, interleaved")
    ap.add_argument("--iters", type=int, default=0, help="override the iterations per model")
    ap.add_argument("--only", nargs="*", default=None, help="substrings of model names")
    ap.add_argument("--json", help="also write all results to this file")
    ap.add_argument("--markdown", help="also write the tables to this file")
    ap.add_argument("--chart", help="also draw the CNN latencies into this PNG (matplotlib)")
    ap.add_argument("--from-json", help="only render the tables (and chart) of an earlier --json file")
    ap.add_argument("--baseline", help="another bench_tscript (an older build) measured beside, as 'ts-base'")
    ap.add_argument("--tscript-env", action="append", default=[],
                    help="VAR=VALUE for the tscript driver (e.g. TSCRIPT_ONEDNN=0 for the portable path)")
    args = ap.parse_args()
    threads_list = [int(t) for t in args.threads.split(",") if t]

    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        results = saved["results"] if isinstance(saved, dict) else saved
        args.load = saved.get("load") if isinstance(saved, dict) else None
        args.baseline = args.baseline or any("ts-base" in r for r in results)
        threads_list = sorted({r["threads"] for r in results})
        return render(args, results, threads_list)
    bench_dir = os.path.join(os.path.abspath(args.build_dir), "bench")
    exes = {rt: os.path.join(bench_dir, "bench_" + rt) for rt in ("tscript", "libtorch")}
    for rt, exe in exes.items():
        if not os.access(exe, os.X_OK):
            sys.exit("run.py: %s not found; build with `make bench`" % exe)
    have_ort = os.access(VENV_PY, os.X_OK)
    if not have_ort:
        print("run.py: %s not found: ONNX Runtime is skipped (make bench creates it)\n" % VENV_PY)
    for kv in args.tscript_env:
        k, _, v = kv.partition("=")
        os.environ[k] = v

    models = [(n, os.path.join(REPO, p), None, i, k) for n, p, i, k in EXAMPLES]
    models += make_big_models(os.path.join(os.path.abspath(args.build_dir), "bench-models"))
    if args.only:
        models = [m for m in models if any(s in m[0] for s in args.only)]

    drivers = {
        "tscript": lambda path, onnx: [exes["tscript"], path],
        "libtorch": lambda path, onnx: [exes["libtorch"], path],
        "libtorch-ofi": lambda path, onnx: [exes["libtorch"], path, "--optimize"],
        "ort": lambda path, onnx: [VENV_PY, os.path.join(REPO, "bench", "bench_ort.py"), onnx],
    }
    if args.baseline:
        drivers["ts-base"] = lambda path, onnx: [os.path.abspath(args.baseline), path]
    results = []
    for name, path, onnx, inputs, iters in models:
        iters = args.iters or iters
        for th in threads_list:
            rts = [rt for rt in drivers if rt != "ort" or (onnx and have_ort)]
            runs = {rt: [] for rt in rts}
            for _ in range(max(1, args.repeat)):
                for rt in rts:
                    runs[rt].append(run_driver(drivers[rt](path, onnx), iters, th, inputs))
            r = {"model": name, "threads": th, "inputs": inputs, "onnx": bool(onnx)}
            r.update({rt: median_of(v) for rt, v in runs.items()})
            results.append(r)
            print("  %-42s %d thread(s): %s" % (name, th, "  ".join(
                "%s %s ms" % (rt, fmt(ms(r[rt]))) for rt in rts)), flush=True)

    args.load = list(os.getloadavg())
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"load": args.load, "repeat": args.repeat, "results": results}, f, indent=2)
    render(args, results, threads_list)


def render(args, results, threads_list):
    rows, errors = [], []
    for r in results:
        ts, lt, lo, ort = (r.get(k) for k in ("tscript", "libtorch", "libtorch-ofi", "ort"))
        best_lt = min([v for v in (ms(lt), ms(lo)) if v is not None], default=None)
        same = "-"
        if ms(ts) is not None and ms(lt) is not None:
            a, b = ts["checksum"], lt["checksum"]
            same = "yes" if abs(a - b) <= 1e-3 * max(1.0, abs(b)) else "NO"
        row = (r["model"], r["threads"], fmt(ms(ts)), fmt(ms(lt)), fmt(ms(lo)), fmt(ms(ort)),
               ratio(ms(ts), best_lt), ratio(ms(ts), ms(ort)), same)
        if args.baseline:
            base = r.get("ts-base")
            row = row[:2] + (fmt(ms(base)), ratio(ms(base), best_lt), ratio(ms(base), ms(ort))) + row[2:]
        rows.append(row)
        for k in ("tscript", "libtorch", "libtorch-ofi", "ort", "ts-base"):
            if r.get(k) and "error" in r[k]:
                errors.append("%s, %d thread(s), %s: %s" % (r["model"], r["threads"], k, r[k]["error"][:200]))
    header = ("model", "threads", "tscript ms", "libtorch ms", "lt-ofi ms", "ORT ms", "ts / best lt", "ts / ORT",
              "same")
    if args.baseline:
        header = header[:2] + ("ts-base ms", "base / best lt", "base / ORT") + header[2:]
    lat = table(rows, header)
    mem_rows = []
    for r in results:
        if r["threads"] != threads_list[0]:
            continue
        ts, lt, ort = r.get("tscript"), r.get("libtorch"), r.get("ort")
        g = lambda x, k: None if not x or "error" in x else x[k]
        mem_rows.append((r["model"], fmt(g(ts, "load_ms")), fmt(g(lt, "load_ms")), fmt(g(ort, "load_ms")),
                         fmt(g(ts, "peak_rss_mb"), 1), fmt(g(lt, "peak_rss_mb"), 1), fmt(g(ort, "peak_rss_mb"), 1)))
    mem = table(mem_rows, ("model", "load ms ts", "load ms lt", "load ms ORT", "RSS MB ts", "RSS MB lt",
                           "RSS MB ORT"))
    load = args.load or [float("nan")] * 3
    head = ("Median latency in ms of one forward call (median of %d interleaved runs), ratio = tscript / other "
            "(below 1: tscript faster); load average at the end %.2f %.2f %.2f on %d cores"
            % (args.repeat, load[0], load[1], load[2], os.cpu_count() or 0))
    text = "%s\n\n%s\n\nLoad time and peak resident memory at %d thread(s):\n\n%s\n" % (
        head, lat, threads_list[0], mem)
    if errors:
        text += "\nErrors:\n" + "\n".join("- " + e for e in errors) + "\n"
    print()
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.chart:
        chart(results, threads_list, args.chart)
    if not any(ms(r.get("tscript")) is not None and ms(r.get("libtorch")) is not None for r in results):
        sys.exit("run.py: no model ran with both runtimes")


if __name__ == "__main__":
    main()
