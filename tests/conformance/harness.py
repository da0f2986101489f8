"""Helpers shared by the conformance tests (tests/conformance) and the bad-input
tests (tests/bad): locate and run the tscript CLI, turn inputs into CLI words,
read the .npy files `run -o` writes, flatten PyTorch's results the same way,
rewrite archives, and the models of the seed tutorial.

Everything here runs under Debian's /usr/bin/python3 with python3-torch.
The binary may be built with ASan and UBSan: runs set the sanitizer options
so that a report can never pass as an ordinary error.
"""
import os
import re
import struct
import subprocess
import zipfile

import numpy as np
import torch
import torch.nn as nn

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Exit codes the sanitizers use here (chosen so they differ from tscript's 1 and 2).
SANITIZER_EXIT_CODES = {86, 87}
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                     "UndefinedBehaviorSanitizer")
TIMEOUT = 120


def tscript_bin():
    path = os.environ.get("TSCRIPT_BIN") or os.path.join(REPO, "build", "tscript")
    return os.path.abspath(path)


def sanitizer_env():
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [
        "detect_leaks=1", "exitcode=86", "abort_on_error=0", "halt_on_error=1",
        "allocator_may_return_null=1", os.environ.get("ASAN_OPTIONS", "")]))
    env["LSAN_OPTIONS"] = ":".join(filter(None, [
        "exitcode=86", os.environ.get("LSAN_OPTIONS", "")]))
    env["UBSAN_OPTIONS"] = ":".join(filter(None, [
        "print_stacktrace=1", "halt_on_error=1", "exitcode=87",
        os.environ.get("UBSAN_OPTIONS", "")]))
    return env


def run_tscript(args, timeout=TIMEOUT):
    """Run the CLI with args (strings); return the CompletedProcess (text mode)."""
    return subprocess.run([tscript_bin()] + [str(a) for a in args], capture_output=True,
                          text=True, errors="replace", env=sanitizer_env(), timeout=timeout,
                          stdin=subprocess.DEVNULL)


def describe(proc):
    return "exit %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
        proc.returncode, proc.stdout[-4000:], proc.stderr[-8000:])


def assert_no_crash(proc):
    """The process ended by itself (no signal) and no sanitizer spoke."""
    assert proc.returncode >= 0, "killed by signal %d\n%s" % (-proc.returncode, describe(proc))
    assert proc.returncode not in SANITIZER_EXIT_CODES, "sanitizer exit code\n" + describe(proc)
    for marker in SANITIZER_MARKERS:
        assert marker not in proc.stderr, "sanitizer report\n" + describe(proc)


def assert_ok(proc):
    assert_no_crash(proc)
    assert proc.returncode == 0, describe(proc)


def assert_error(proc, *needles, code=1):
    """A clean failure: exit `code`, a 'tscript: error:' line, each needle in
    stderr (str: substring, case-sensitive; re.Pattern: search)."""
    assert_no_crash(proc)
    assert proc.returncode == code, describe(proc)
    if code == 1:
        assert "tscript: error:" in proc.stderr, describe(proc)
    for n in needles:
        if isinstance(n, re.Pattern):
            assert n.search(proc.stderr), "expected /%s/ in stderr\n%s" % (n.pattern,
                                                                          describe(proc))
        else:
            assert n in proc.stderr, "expected %r in stderr\n%s" % (n, describe(proc))


# ---- inputs and outputs ----

def input_words(inputs, directory, prefix="in"):
    """CLI words for Python inputs: tensors are saved as .npy in directory."""
    os.makedirs(directory, exist_ok=True)
    words = []
    for i, v in enumerate(inputs):
        if isinstance(v, torch.Tensor):
            path = os.path.join(directory, "%s%d.npy" % (prefix, i))
            np.save(path, v.detach().cpu().numpy())
            words.append(path)
        elif v is None or isinstance(v, bool):
            words.append(str(v))
        elif isinstance(v, int):
            words.append(str(v))
        elif isinstance(v, float):
            words.append(repr(v))
        else:
            raise TypeError("no CLI word for %r" % (v,))
    return words


def flatten(value):
    """PyTorch's result as the list of arrays `run -o` must write, in order."""
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return [t.numpy()]
    if isinstance(value, bool):
        return [np.array(value, dtype=np.bool_)]
    if isinstance(value, int):
        return [np.array(value, dtype=np.int64)]
    if isinstance(value, float):
        return [np.array(value, dtype=np.float64)]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in flatten(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in flatten(v)]
    return []


def read_outputs(directory):
    names = [n for n in os.listdir(directory) if re.fullmatch(r"out\d+\.npy", n)]
    names.sort(key=lambda n: int(n[3:-4]))
    assert names == ["out%d.npy" % i for i in range(len(names))], names
    return [np.load(os.path.join(directory, n), allow_pickle=False) for n in names]


def torch_reference(path, inputs, method="forward"):
    m = torch.jit.load(str(path))
    with torch.no_grad():
        return getattr(m, method)(*inputs)


def run_model(path, inputs, directory, extra=()):
    """Run `tscript run path inputs -o directory/out`; return (proc, arrays)."""
    words = input_words(inputs, directory)
    out_dir = os.path.join(directory, "out")
    proc = run_tscript(["run", path] + words + ["-o", out_dir] + list(extra))
    assert_ok(proc)
    return proc, read_outputs(out_dir)


def assert_same_arrays(got, expected, expected64=None):
    assert len(got) == len(expected), "tscript wrote %d outputs, PyTorch gives %d" % (
        len(got), len(expected))
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.shape == e.shape, "output %d: shape %s, PyTorch %s" % (i, g.shape, e.shape)
        assert g.dtype == e.dtype, "output %d: dtype %s, PyTorch %s" % (i, g.dtype, e.dtype)
        if np.issubdtype(e.dtype, np.floating):
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6,
                                       err_msg="output %d" % i)
        else:
            np.testing.assert_array_equal(g, e, err_msg="output %d" % i)


def check_model(path, inputs, directory, method="forward"):
    """tscript's outputs for path(*inputs) equal PyTorch's; returns PyTorch's result."""
    expected = torch_reference(path, inputs, method)
    extra = [] if method == "forward" else ["--method", method]
    proc, got = run_model(path, inputs, directory, extra)
    assert_same_arrays(got, flatten(expected))
    return expected, proc


# ---- archives ----

def rewrite_zip(src, dst, edit):
    """Copy the zip src to dst, passing each record through edit(name, data),
    which returns the new bytes or None to drop the record. Compression is kept
    and stored records are 64-byte aligned as torch.jit.save aligns them, so
    the copy differs from the original only where edit says."""
    with zipfile.ZipFile(src) as zin, open(dst, "wb") as f:
        with zipfile.ZipFile(f, "w") as zout:
            for info in zin.infolist():
                data = edit(info.filename, zin.read(info.filename))
                if data is None:
                    continue
                zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                zi.compress_type = info.compress_type
                zi.external_attr = info.external_attr
                if zi.compress_type == zipfile.ZIP_STORED:
                    start = f.tell() + 30 + len(info.filename.encode()) + 4
                    pad = (-start) % 64
                    zi.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
                zout.writestr(zi, data)


def record_name(path, suffix):
    """The full name of the one record of archive path ending with suffix."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.endswith(suffix)]
    assert len(names) == 1, (suffix, names)
    return names[0]


def script(module):
    return torch.jit.script(module.eval())


def trace(module, *example):
    return torch.jit.trace(module.eval(), example)


# ---- the seed tutorial's models ----

class SimpleLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x)


class ConditionalModel(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear1 = nn.Linear(in_features, out_features)
        self.linear2 = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor, condition: bool):
        if condition:
            return self.linear1(x)
        else:
            return self.linear2(x)


class LoopingModel(nn.Module):
    def __init__(self, in_features, hidden_size, out_features, num_loops: int):
        super().__init__()
        self.linear_in = nn.Linear(in_features, hidden_size)
        self.linear_hidden = nn.Linear(hidden_size, hidden_size)
        self.linear_out = nn.Linear(hidden_size, out_features)
        self.num_loops = num_loops

    def forward(self, x: torch.Tensor):
        x = torch.relu(self.linear_in(x))
        for _ in range(self.num_loops):
            x = torch.relu(self.linear_hidden(x))
        x = self.linear_out(x)
        return x
