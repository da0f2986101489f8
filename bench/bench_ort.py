#!/usr/bin/env python3
"""The ONNX Runtime side of `make bench` (bench/run.py), run by the venv's
python (.venv-bench/, where `make bench` pip-installs onnxruntime).

    bench_ort.py MODEL.onnx [--iters N] [--warmup N] [--threads N] f32:D0,D1,...

The same measurement as bench_tscript.c and bench_libtorch.cpp: time the
session's creation (all graph optimisations on, intra-op threads = --threads,
one inter-op thread), run `warmup` calls, time `iters` calls one by one and
print one JSON line with load_ms, median/p90/mean latency in microseconds,
peak RSS (VmHWM: it includes the Python interpreter and numpy) and a
checksum of the first output. Inputs are filled with sin(0.37 * i) like the
other drivers'.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return -1.0


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: bench_ort.py MODEL.onnx [--iters N] [--warmup N] [--threads N] f32:D0,...")
    path, opts, inputs = args[0], {"--iters": 200, "--warmup": 20, "--threads": 1}, []
    i = 1
    while i < len(args):
        if args[i] in opts and i + 1 < len(args):
            opts[args[i]] = int(args[i + 1])
            i += 2
            continue
        w = args[i]
        if not w.startswith("f32:"):
            sys.exit("bench_ort.py: only f32: inputs, not %r" % w)
        shape = [int(d) for d in w[4:].split(",")]
        n = int(np.prod(shape)) if shape else 1
        inputs.append(np.sin(0.37 * np.arange(n, dtype=np.float64)).astype(np.float32).reshape(shape))
        i += 1
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = opts["--threads"]
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    t0 = time.perf_counter()
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - t0) * 1e3
    feed = {x.name: v for x, v in zip(sess.get_inputs(), inputs)}
    for _ in range(opts["--warmup"]):
        sess.run(None, feed)
    times = []
    out = None
    for _ in range(opts["--iters"]):
        a = time.perf_counter()
        out = sess.run(None, feed)
        times.append((time.perf_counter() - a) * 1e6)
    times.sort()
    print(json.dumps({
        "runtime": "onnxruntime", "version": ort.__version__, "model": path,
        "threads": opts["--threads"], "iters": len(times), "load_ms": load_ms,
        "median_us": times[len(times) // 2], "p90_us": times[min(len(times) - 1, len(times) * 9 // 10)],
        "mean_us": sum(times) / len(times), "peak_rss_mb": peak_rss_mb(),
        "checksum": float(np.sum(out[0], dtype=np.float64)),
    }))


if __name__ == "__main__":
    main()
