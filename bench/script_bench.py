#!/usr/bin/python3
"""Scripting from source: tscript against torch.jit.script (`make bench-script`).

Writes two model sources into a work directory -- a resnet18 in the
torchvision style (BasicBlock, same module tree and state_dict keys as
torchvision.models.resnet18) and a 6-layer nn.TransformerEncoder (d_model
512, 8 heads) -- and their state_dicts (torch.save). Then it times, each in a
fresh process, the median of N runs of:

  pytorch script+save   python: import torch + the model file, construct,
                        load_state_dict, torch.jit.script, torch.jit.save
  pytorch in-process    the torch.jit.script + torch.jit.save part alone
                        (measured inside that process, import excluded)
  tscript script        build/tscript script model.py --weights W.pt -o out.pt
  tscript script --seed build/tscript script model.py --seed 0 -o out.pt
  tscript run           build/tscript run model.py --weights W.pt INPUT
  pytorch run           python: import, construct, load, script, forward
  torch.load            python: import torch + torch.load(W.pt)
  tscript show W.pt     build/tscript show W.pt (reads every tensor record)

and prints wall time and peak RSS (of the child, from wait4's rusage) with the
ratio tscript / PyTorch: below 1 means tscript is faster or smaller. A step
tscript cannot do yet is shown with tscript's error, not left out. This is a
benchmark, not a test: the numbers depend on the machine and its load.

    /usr/bin/python3 bench/script_bench.py [--tscript build/tscript] [--runs N]
                                           [--workdir DIR] [--only resnet18|transformer]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RESNET_SRC = '''\
"""resnet18 in the torchvision layout: stem, four stages of two BasicBlocks, head."""
import torch
import torch.nn as nn
from typing import List


class BasicBlock(nn.Module):
    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet18(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._stage(64, 2, 1)
        self.layer2 = self._stage(128, 2, 2)
        self.layer3 = self._stage(256, 2, 2)
        self.layer4 = self._stage(512, 2, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def _stage(self, planes: int, blocks: int, stride: int):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        for _ in range(1, blocks):
            layers.append(BasicBlock(planes, planes))
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)
'''

TRANSFORMER_SRC = '''\
"""A 6-layer Transformer encoder classifier: nn.TransformerEncoder, mean over tokens, head."""
import torch
import torch.nn as nn


class Encoder6(nn.Module):
    def __init__(self, d_model: int = 512, nhead: int = 8, layers: int = 6, classes: int = 10):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048,
                                           dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(x)
        return self.head(h.mean(dim=1))
'''

# name -> (file, class, source, python input expression, tscript input word)
MODELS = {
    "resnet18": ("resnet18.py", "ResNet18", RESNET_SRC,
                 "torch.randn(1, 3, 224, 224)", "randn:1,3,224,224"),
    "transformer": ("transformer6.py", "Encoder6", TRANSFORMER_SRC,
                    "torch.randn(1, 32, 512)", "randn:1,32,512"),
}

# One PyTorch process: prints the in-process script+save seconds on stdout.
PY_SCRIPT = '''\
import sys, time, importlib.util, torch
spec = importlib.util.spec_from_file_location("m", sys.argv[1])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
torch.manual_seed(0)
model = getattr(mod, sys.argv[2])().eval()
model.load_state_dict(torch.load(sys.argv[3]))
t0 = time.perf_counter()
sm = torch.jit.script(model)
torch.jit.save(sm, sys.argv[4])
t1 = time.perf_counter()
if len(sys.argv) > 5:
    torch.manual_seed(0)
    with torch.no_grad():
        y = sm(eval(sys.argv[5]))
print("%.6f" % (t1 - t0))
'''

PY_LOAD = "import sys, torch\nsd = torch.load(sys.argv[1])\nprint(len(sd))\n"


def write_models(workdir):
    import torch
    import importlib.util
    paths = {}
    for name, (fname, cls, src, _, _) in MODELS.items():
        py = os.path.join(workdir, fname)
        with open(py, "w") as f:
            f.write(src)
        spec = importlib.util.spec_from_file_location("bench_" + name, py)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        torch.manual_seed(0)
        model = getattr(mod, cls)().eval()
        w = os.path.join(workdir, name + "_weights.pt")
        torch.save(model.state_dict(), w)
        paths[name] = (py, w)
    if "resnet18" in paths:  # the same keys and shapes as torchvision's, or say so
        try:
            import torchvision
            ref = {k: tuple(v.shape) for k, v in torchvision.models.resnet18().state_dict().items()}
            ours = {k: tuple(v.shape) for k, v in torch.load(paths["resnet18"][1]).items()}
            print("resnet18 state_dict matches torchvision's: %s" % (ref == ours))
        except ImportError:
            pass
    with open(os.path.join(workdir, "pyscript.py"), "w") as f:
        f.write(PY_SCRIPT)
    with open(os.path.join(workdir, "pyload.py"), "w") as f:
        f.write(PY_LOAD)
    return paths


def timed(cmd, env=None):
    """Run cmd; return (wall seconds, peak RSS in MiB, returncode, stdout, stderr)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    out = p.stdout.read().decode(errors="replace")
    err = p.stderr.read().decode(errors="replace")
    p.stdout.close()
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_maxrss / 1024.0, p.returncode, out, err


def median_of(cmd, runs, inner=False):
    walls, rss, inners = [], [], []
    for _ in range(runs):
        wall, mib, rc, out, err = timed(cmd)
        if rc != 0:
            lines = [l for l in err.strip().splitlines() if l.strip()] or ["exit %d" % rc]
            msg = next((l for l in lines if "error" in l.lower()), lines[-1])
            return {"error": msg.strip()[:400]}
        walls.append(wall)
        rss.append(mib)
        if inner:
            inners.append(float(out.strip().splitlines()[-1]))
    r = {"wall": statistics.median(walls), "rss": max(rss)}
    if inner:
        r["inner"] = statistics.median(inners)
    return r


def fmt(r, key="wall"):
    if "error" in r:
        return "-"
    return "%.3f s" % r[key]


def ratio(a, b, key="wall"):
    if "error" in a or "error" in b or b.get(key, 0) <= 0:
        return "-"
    return "%.2f" % (a[key] / b[key])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tscript", default=os.path.join(REPO, "build", "tscript"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workdir")
    ap.add_argument("--only", choices=sorted(MODELS))
    ap.add_argument("--write-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.write_only:
        write_models(args.workdir)
        return
    ts = os.path.abspath(args.tscript)
    if not os.access(ts, os.X_OK):
        sys.exit("script_bench: %s not found; run `make build` first" % ts)
    workdir = args.workdir or tempfile.mkdtemp(prefix="tscript-script-bench-")
    os.makedirs(workdir, exist_ok=True)
    # torch stays out of this process: Linux counts a forked child's pre-exec
    # image in its ru_maxrss, so a parent holding torch inflates every figure.
    subprocess.run([sys.executable, os.path.abspath(__file__), "--write-only",
                    "--workdir", workdir], check=True)
    paths = {name: (os.path.join(workdir, m[0]), os.path.join(workdir, name + "_weights.pt"))
             for name, m in MODELS.items()}
    py = sys.executable
    pyscript = os.path.join(workdir, "pyscript.py")
    pyload = os.path.join(workdir, "pyload.py")
    names = [args.only] if args.only else list(MODELS)
    rows, errors = [], []
    for name in names:
        fname, cls, _, pyin, tsin = MODELS[name]
        src, w = paths[name]
        out_py = os.path.join(workdir, name + "_torch.pt")
        out_ts = os.path.join(workdir, name + "_tscript.pt")
        target = "%s:%s" % (src, cls)
        pt_script = median_of([py, pyscript, src, cls, w, out_py], args.runs, inner=True)
        pt_run = median_of([py, pyscript, src, cls, w, out_py, pyin], args.runs, inner=True)
        ts_script = median_of([ts, "script", target, "--weights", w, "-o", out_ts], args.runs)
        ts_seed = median_of([ts, "script", target, "--seed", "0", "-o", out_ts], args.runs)
        ts_run = median_of([ts, "run", target, "--weights", w, tsin], args.runs)
        pt_load = median_of([py, pyload, w], args.runs)
        ts_load = median_of([ts, "show", w], args.runs)
        inproc = {"wall": pt_script["inner"]} if "inner" in pt_script else pt_script
        rows += [
            (name, "script+save from source", pt_script, ts_script, "wall"),
            (name, "  vs script+save alone (in-process)", inproc, ts_script, "wall"),
            (name, "script --seed (no weights)", pt_script, ts_seed, "wall"),
            (name, "run forward (from source)", pt_run, ts_run, "wall"),
            (name, "load state_dict", pt_load, ts_load, "wall"),
        ]
        for label, r in (("tscript script", ts_script), ("tscript script --seed", ts_seed),
                         ("tscript run", ts_run), ("tscript show W.pt", ts_load),
                         ("pytorch script", pt_script)):
            if "error" in r:
                errors.append("%s %s: %s" % (name, label, r["error"]))
    print("\nmedian of %d runs, each a fresh process; ratio = tscript / PyTorch "
          "(below 1: tscript faster / smaller)\n" % args.runs)
    hdr = "%-12s %-37s %10s %10s %6s %9s %9s %6s" % (
        "model", "step", "PyTorch", "tscript", "ratio", "PT RSS", "ts RSS", "ratio")
    print(hdr)
    print("-" * len(hdr))
    for name, step, pt, tsr, key in rows:
        inproc_row = step.startswith("  vs")
        print("%-12s %-37s %10s %10s %6s %9s %9s %6s" % (
            name, step, fmt(pt, key), fmt(tsr, key), ratio(tsr, pt, key),
            "" if inproc_row else ("-" if "error" in pt else "%.0f MiB" % pt["rss"]),
            "" if inproc_row else ("-" if "error" in tsr else "%.0f MiB" % tsr["rss"]),
            "" if inproc_row else ratio(tsr, pt, "rss")))
    if errors:
        print("\nnot done by tscript yet (its error):")
        for e in errors:
            print("  " + e)
    print("\nwork directory: %s" % workdir)


if __name__ == "__main__":
    main()
