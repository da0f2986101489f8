"""Helpers shared by the conformance tests (tests/conformance) and the bad-input
tests (tests/bad): locate and run the tscript CLI, turn inputs into CLI words,
read the .npy files `run -o` writes, flatten PyTorch's results the same way,
rewrite archives, and the models of the seed tutorial.

Everything here runs under Debian's /usr/bin/python3 with python3-torch.
The binary may be built with ASan and UBSan: runs set the sanitizer options
so that a report can never pass as an ordinary error.
"""
import hashlib
import os
import pickle
import platform
import re
import shutil
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


def ops_lib():
    """The example custom-op plugin (examples/torchvision_ops.c: torchvision's
    nms and roi_align), built beside the binary under test."""
    return os.path.join(os.path.dirname(tscript_bin()), "libtorchvision_ops.so")


def _environ_copy():
    # Worker threads (the scripting corpus runs commands on a pool) copy the
    # environment while pytest's main thread sets and deletes
    # PYTEST_CURRENT_TEST; a copy that meets the change mid-way raises. Retry.
    while True:
        try:
            return dict(os.environ)
        except (KeyError, RuntimeError):
            continue


def sanitizer_env():
    env = _environ_copy()
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
    """PyTorch's result for path.method(*inputs) (cached, see references)."""
    return references(path, inputs, method)[0]


def _run_torch(path, inputs, method, double):
    m = torch.jit.load(str(path))
    if double:
        m = m.double()
        inputs = [v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v
                  for v in inputs]
    with torch.no_grad():
        return getattr(m, method)(*inputs)


def torch_reference64(path, inputs, method="forward", expected=None):
    """The float64 counterpart of flatten(torch_reference(...)): the archive
    loaded with torch.jit.load, its parameters and buffers and the floating
    inputs converted to float64 (exactly: every float32 is a float64), run
    under no_grad. None when the model cannot run in float64 (an op without a
    double kernel, a dtype fixed in the code) or its outputs do not line up
    with expected's (shapes), so assert_same_arrays falls back to its
    eps-based bound."""
    try:
        flat = flatten(_run_torch(path, inputs, method, True))
    except Exception:  # noqa: BLE001 (any failure means: no float64 reference)
        return None
    if expected is not None:
        if len(flat) != len(expected) or any(a.shape != e.shape for a, e in zip(flat, expected)):
            return None
    return [a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a for a in flat]


def references(path, inputs, method="forward"):
    """(result, flatten(result), float64 reference or None) for
    path.method(*inputs), PyTorch's float32 run and torch_reference64; kept in
    the cache (see cache_dir) keyed by the archive's bytes, the method and the
    inputs, so a second run of the suite does not run PyTorch again."""
    key = None
    cache = cache_dir()
    if cache:
        key = _reference_key(path, inputs, method)
        got = _cache_load(os.path.join(cache, "refs", key + ".pickle"))
        if got is not None:
            return got
    result = _run_torch(path, inputs, method, False)
    flat = flatten(result)
    flat64 = torch_reference64(path, inputs, method, flat)
    if key:
        _cache_store(os.path.join(cache, "refs", key + ".pickle"), (result, flat, flat64))
    return result, flat, flat64


# ---- the cache of archives and references ----
#
# The suite runs once per instruction-set level in `make test`; what PyTorch
# computes (archives, references) is the same each time, so it is kept under
# $TSCRIPT_BUILD/conformance-cache (ctest sets TSCRIPT_BUILD; without it, the
# directory of $TSCRIPT_BIN if that is in the source tree, else no cache; PyTorch's
# archives take ~350 MB) in a folder named by a hash of the PyTorch,
# torchvision, numpy and Python versions and of every .py file in
# tests/conformance: any change to a test, the harness or PyTorch starts a new
# folder (older folders are removed). TSCRIPT_NO_CACHE=1 turns it off. Entries
# are written to a temporary name and linked into place only if absent, so
# parallel runs never read a partial file and a file never changes once there.

CONFORMANCE_DIR = os.path.dirname(os.path.abspath(__file__))
_cache = {}
_file_hashes = {}


def _source_key():
    try:
        import torchvision
        vision = torchvision.__version__
    except ImportError:
        vision = "none"
    h = hashlib.sha256()
    for v in (torch.__version__, vision, np.__version__, platform.python_version()):
        h.update(v.encode() + b"\0")
    for name in sorted(os.listdir(CONFORMANCE_DIR)):
        if name.endswith(".py") or name == "requirements-models.txt":
            h.update(name.encode() + b"\0")
            with open(os.path.join(CONFORMANCE_DIR, name), "rb") as f:
                h.update(f.read())
    return h.hexdigest()[:20]


def keyed_cache(root, key, subdirs=()):
    """root/key (with its subdirs) made, every other folder of root removed:
    the cache folder of one key, or None when the folders cannot be made."""
    try:
        for sub in subdirs or ("",):
            os.makedirs(os.path.join(root, key, sub), exist_ok=True)
        for old in os.listdir(root):
            if old != key:
                shutil.rmtree(os.path.join(root, old), ignore_errors=True)
    except OSError:
        return None
    return os.path.join(root, key)


def collect_only_when_named(here, collection_path, config):
    """pytest_ignore_collect for a folder that ctest runs as its own entry:
    collect it only when the command line names it (or a file in it)."""
    here = os.path.realpath(here)
    path = os.path.realpath(str(collection_path))
    if os.path.commonpath([path, here]) != here:
        return None
    for arg in config.args:
        target = os.path.realpath(os.path.join(str(config.invocation_params.dir),
                                               arg.split("::")[0]))
        if os.path.commonpath([target, here]) == here:
            return None
    return True


def cache_dir():
    """The cache folder for this source and PyTorch, or None when off."""
    if "dir" not in _cache:
        _cache["dir"] = None
        base = os.environ.get("TSCRIPT_BUILD") or os.path.dirname(tscript_bin())
        inside = os.path.commonpath([os.path.abspath(base), REPO]) == REPO
        if (os.environ.get("TSCRIPT_NO_CACHE") != "1" and os.path.isdir(base)
                and (inside or os.environ.get("TSCRIPT_BUILD"))):
            _cache["dir"] = keyed_cache(os.path.join(base, "conformance-cache"), _source_key(),
                                        ("refs", "archives"))
    return _cache["dir"]


def _file_hash(path):
    st = os.stat(path)
    memo = (str(path), st.st_size, st.st_mtime_ns)
    if memo not in _file_hashes:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _file_hashes[memo] = h.hexdigest()
    return _file_hashes[memo]


def _reference_key(path, inputs, method):
    h = hashlib.sha256()
    h.update(_file_hash(path).encode() + b"\0" + method.encode() + b"\0")
    for v in inputs:
        if isinstance(v, torch.Tensor):
            t = v.detach().cpu().contiguous()
            h.update(("T%s%s" % (t.dtype, tuple(t.shape))).encode())
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        else:
            h.update(("V%s:%r" % (type(v).__name__, v)).encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def _cache_load(path):
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def _publish(tmp, path):
    """Move the finished file tmp to path unless path exists (another run got
    there first: its file is kept, so a path never changes once read)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def _cache_store(path, value):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        _publish(tmp, path)
    except OSError:
        pass


def cached_archive(name, build):
    """Path of the archive name.pt in the cache, written by build(path) when
    absent; None when the cache is off."""
    cache = cache_dir()
    if not cache:
        return None
    path = os.path.join(cache, "archives", name + ".pt")
    if not os.path.exists(path):
        tmp = "%s.%d.tmp" % (path, os.getpid())
        build(tmp)
        _publish(tmp, path)
    return path


def run_model(path, inputs, directory, extra=()):
    """Run `tscript run path inputs -o directory/out`; return (proc, arrays)."""
    words = input_words(inputs, directory)
    out_dir = os.path.join(directory, "out")
    proc = run_tscript(["run", path] + words + ["-o", out_dir] + list(extra))
    assert_ok(proc)
    return proc, read_outputs(out_dir)


# ---- comparing outputs ----
#
# Tolerance. tscript and PyTorch both compute in float32 and both round: each
# result is the exact value plus a rounding error that depends on the order of
# the sums (GEMM blocking, convolution algorithm, vector width, thread split:
# different on every CPU and instruction-set level) and on each library's
# exp/tanh/erf. Neither is "right", so the two may differ by about the sum of
# their errors, and no fixed bound fits every model: the error grows with the
# reduction lengths (eps32 x length x magnitude of the terms, as
# torch.testing.assert_close reasons), and with the conditioning (batch norm on
# batch statistics divides by a small standard deviation).
#
# So the harness measures the error instead of guessing it: it also runs the
# archive in float64 (torch_reference64: same weights and inputs, exactly
# converted). spread = max |ref32 - ref64| over one output is how far
# PyTorch's own float32 rounding moved that output, for this model and input
# (float64's own error is ~1e-9 of that). tscript's float32 error is of the
# same order, in another direction, so for each float output
#
#     max |got - ref32| <= K_SPREAD * spread + C_EPS * eps32 * max |ref64|
#
#   K_SPREAD = 8: |got - ref32| <= |got - exact| + |ref32 - exact|; the second
#     term is spread; the first is tscript's own error, allowed to be up to 7x
#     PyTorch's (a plain loop sums with error ~sqrt(length) where a blocked GEMM
#     sums with ~sqrt(length / block), and the maximum over few elements is a
#     noisy estimate). Measured on the corpus and the golden archives (AMD
#     EPYC, at the portable, AVX2 and AVX-512 levels): |got - ref32| is at
#     most 3 x spread, and at most 0.21 of the whole bound.
#   C_EPS = 16: what spread cannot see: outputs whose float32 arithmetic happens
#     to be exact (spread 0), a last elementwise function (exp, tanh, erf,
#     sigmoid) that differs by a few ulp between libraries, a short output
#     whose few elements underestimate the error (16 eps32 = 1.9e-6 of the
#     output's magnitude).
#   For a float64 output the C_EPS term uses eps64 (spread still covers any
#   float32 step inside); a 16-bit output adds one ulp of its own dtype (the
#   two results may round to neighbouring values).
#
# Without a float64 reference (expected64 None: a model that cannot run in
# float64), the bound is FALLBACK_EPS * eps32 * max |expected| = 1.5e-5 of the
# magnitude: rounding errors of reductions of up to ~10^4 terms adding as a
# random walk (sqrt(length) eps32 per output), with margin. float32 arithmetic
# is assumed, also for float64 outputs.
#
# Either way the bound is relative to the output's magnitude, and must stay
# below MAX_REL_TOL = 1e-3 of it: the corpus needs 2e-7..7e-5; a case needing
# more (the float64 run takes another branch of a comparison, an argmax, a
# rounding) is ill-conditioned and proves nothing, and is refused. A bug (a
# wrong weight, bias, stride, epsilon or branch) moves outputs by far more
# than 1e-3 of their magnitude (tests/conformance/test_harness.py checks it).
# Integer and bool outputs must be equal.
#
# Degenerate outputs. A float output proves nothing when it is non-finite
# (NaN or inf: every comparison of NaN is false, inf hides the magnitude),
# constant (its elements agree to 1 part in 10^3, so it hardly depends on the
# input: a zero-initialised head gives its bias), or tiny (max |e| below
# TINY = 1e-3: conformance inputs are N(0, 1) and models realistic, so
# outputs are O(0.1..100); an output 1e-3 or smaller means the signal died on
# the way, as with batch norm left at its initial statistics, and bugs
# before the collapse cannot show). assert_same_arrays refuses such an
# expected output unless the caller says why it is the point of the test
# (degenerate_ok="...").

EPS32 = float(np.finfo(np.float32).eps)
K_SPREAD = 8.0
C_EPS = 16.0
FALLBACK_EPS = 128.0
MAX_REL_TOL = 1e-3
TINY = 1e-3


def degenerate(e):
    """Why the float array e proves nothing as an expected output, or None."""
    if e.size == 0:
        return None
    if not np.all(np.isfinite(e)):
        return "has non-finite values"
    e = e.astype(np.float64)
    mag = float(np.abs(e).max())
    if mag < TINY:
        return "is tiny (max |e| = %.3g < %g)" % (mag, TINY)
    if e.size > 1 and float(e.max() - e.min()) <= TINY * mag:
        return "is constant (all %d elements within %.3g of %.6g)" % (
            e.size, float(e.max() - e.min()), float(e.reshape(-1)[0]))
    return None


def refuse_degenerate(expected, first=0):
    """Fail when a float array of expected (PyTorch's outputs, in order) is
    degenerate: a test comparing it would prove nothing."""
    for i, e in enumerate(expected, first):
        why = degenerate(e) if np.issubdtype(e.dtype, np.floating) else None
        if why:
            raise AssertionError(
                "output %d of PyTorch's reference %s: comparing it proves nothing. Give the "
                "model realistic weights (tests/conformance/realistic.py) or inputs, or pass "
                "degenerate_ok='why this output is the point'" % (i, why))


def tolerance(e, e64=None):
    """(bound, how) for max |got - e| of a float output e, given its float64
    reference e64 or None (see the comment above)."""
    mag = float(np.abs(e.astype(np.float64)).max()) if e.size else 0.0
    own_ulp = float(np.finfo(e.dtype).eps) * mag if np.finfo(e.dtype).bits < 32 else 0.0
    if e64 is None:
        bound = FALLBACK_EPS * EPS32 * mag + own_ulp
        return bound, "%g eps32 x max|e| %.3g (no float64 reference)" % (FALLBACK_EPS, mag)
    mag = float(np.abs(e64).max()) if e.size else 0.0
    spread = float(np.abs(e.astype(np.float64) - e64).max()) if e.size else 0.0
    eps = float(np.finfo(np.float64).eps) if e.dtype == np.float64 else EPS32
    bound = K_SPREAD * spread + C_EPS * eps * mag + own_ulp
    return bound, "%g x spread %.3g + %g eps x max|ref64| %.3g" % (K_SPREAD, spread, C_EPS, mag)


def assert_same_arrays(got, expected, expected64=None, *, degenerate_ok=None):
    """tscript's arrays got equal PyTorch's expected: same count, shapes and
    dtypes; integers and bools exactly; floats within tolerance(e, e64), where
    expected64 is the float64 reference aligned with expected (None: the
    eps-based fallback). A degenerate expected float output fails the test
    unless degenerate_ok says why the test wants it."""
    assert len(got) == len(expected), "tscript wrote %d outputs, PyTorch gives %d" % (
        len(got), len(expected))
    if expected64 is not None:
        assert len(expected64) == len(expected), (len(expected64), len(expected))
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.shape == e.shape, "output %d: shape %s, PyTorch %s" % (i, g.shape, e.shape)
        assert g.dtype == e.dtype, "output %d: dtype %s, PyTorch %s" % (i, g.dtype, e.dtype)
        if not np.issubdtype(e.dtype, np.floating):
            np.testing.assert_array_equal(g, e, err_msg="output %d" % i)
            continue
        why = degenerate(e)
        if not degenerate_ok:
            refuse_degenerate([e], first=i)
        e64 = None
        if expected64 is not None and expected64[i] is not None:
            e64 = np.asarray(expected64[i], dtype=np.float64)
        if e64 is not None and e64.shape != e.shape:
            e64 = None
        if why:
            # Said to be the point: non-finite elements must match exactly
            # (NaN where NaN), the finite ones as usual.
            finite = np.isfinite(e)
            np.testing.assert_array_equal(g[~finite], e[~finite], err_msg="output %d" % i)
            g, e = g[finite], e[finite]
            e64 = None if e64 is None else e64[finite]
        if e.size == 0:
            continue
        bound, how = tolerance(e, e64)
        mag = float(np.abs(e.astype(np.float64)).max())
        if not why:
            assert bound <= MAX_REL_TOL * mag, (
                "output %d is ill-conditioned in float32: the tolerance it needs (%s = %.3g) "
                "exceeds %g of its magnitude %.3g, so the comparison proves nothing (does the "
                "float64 run take another branch?)" % (i, how, bound, MAX_REL_TOL, mag))
        diff = np.abs(g.astype(np.float64) - e.astype(np.float64)).reshape(-1)
        diff = np.where(np.isnan(diff), np.inf, diff)
        worst = int(np.argmax(diff))
        assert diff[worst] <= bound, (
            "output %d (shape %s): max |tscript - PyTorch| = %.3g at flat index %d "
            "(tscript %r, PyTorch %r) exceeds the tolerance %.3g = %s" % (
                i, e.shape, diff[worst], worst, g.reshape(-1)[worst].item(),
                e.reshape(-1)[worst].item(), bound, how))


def check_model(path, inputs, directory, method="forward", degenerate_ok=None, extra=()):
    """tscript's outputs for path.method(*inputs) equal PyTorch's (see
    assert_same_arrays); returns (PyTorch's result, the CompletedProcess).
    extra: more words for `tscript run` (["--ops-lib", ops_lib()])."""
    expected, flat, flat64 = references(path, inputs, method)
    extra = ([] if method == "forward" else ["--method", method]) + list(extra)
    proc, got = run_model(path, inputs, directory, extra)
    assert_same_arrays(got, flat, flat64, degenerate_ok=degenerate_ok)
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


def known_failures(path):
    """A known-failures list: "name reason" per line, '#' comments; {name: reason}."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition(" ")
                out[name] = why.strip()
    return out
