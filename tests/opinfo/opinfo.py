"""The OpInfo suite: PyTorch's own op samples run in tscript (ctest entry `opinfo`).

gen_opinfo.py turns op_db (PyTorch 1.13's OpInfo list) into archives of
scripted wrappers, one per sample, with PyTorch's results; this file runs
them in tscript, many per process (opinfo_driver, beside tscript in the build
directory), and compares. A wrapper passes when
  - PyTorch raised and tscript raised too (any message: the point is that
    tscript refuses what PyTorch refuses, not its wording), or
  - both returned: the same structure (tensor, tuple, list, int, float, bool),
    and for each tensor the same shape and dtype, integers and bools equal,
    floats within harness.tolerance (from the float64 run of the same
    wrapper; see below).
An entry passes when every wrapper of it passes. Applicable entries are those
with at least one wrapper PyTorch can script. known_failures.txt lists every
failing entry with the reason (the first failing wrapper's); it is strict both
ways, and `opinfo.py --update` rewrites it from a run.

Comparing floats. OpInfo samples are not chosen to be well-conditioned
outputs: they are uniform in [-9, 9] and can give NaN (log of a negative),
inf, constants (sign), tiny values. So non-finite elements must match exactly
(NaN where NaN, inf of the same sign), and the finite ones are compared with
harness.tolerance: 8 x spread (max |ref32 - ref64| of this output) + 16 eps x
max |ref64|. Elements where the float32 and float64 runs disagree by more
than 1e-3 of the output's magnitude are ones where float32 rounding picks a
branch (floor, remainder, a comparison at a tie): PyTorch's own float32 result
there is an accident of rounding, so they are left out of the comparison and
of the spread (at most a quarter of an output's elements; more makes the
output ill-conditioned and fails it). A floating output of an int64 sample
(sinc of integers computes in float32) takes as its float64 reference the
wrapper run on the inputs converted to float64, which measures the float32
rounding of the same values; as the conversion may change what the op does,
only the tolerance comes from it (no element is left out). Ops with unspecified results
(empty, empty_like, new_empty...) compare shapes and dtypes only.

    /usr/bin/python3 tests/opinfo/opinfo.py [--update] [--entry NAME]
    (env TSCRIPT_BIN, TSCRIPT_BUILD as for the conformance tests)
"""
import concurrent.futures
import hashlib
import os
import pickle
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "conformance"))
import harness  # noqa: E402

KNOWN = os.path.join(HERE, "known_failures.txt")
UNSPECIFIED = re.compile(r"(^|\.|_)empty($|_|\.)|^new_empty")
DTYPE_NP = {0: np.uint8, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.int64, 5: np.float16,
            6: np.float32, 7: np.float64, 11: np.bool_, 15: "bf16"}


def build_dir():
    return os.environ.get("TSCRIPT_BUILD") or os.path.dirname(harness.tscript_bin())


def driver_bin():
    return os.path.join(os.path.dirname(harness.tscript_bin()), "opinfo_driver")


def cache_key():
    import torch
    h = hashlib.sha256()
    for v in (torch.__version__, np.__version__, platform.python_version()):
        h.update(v.encode() + b"\0")
    for name in ("gen_opinfo.py", os.path.join("stub", "expecttest.py")):
        with open(os.path.join(HERE, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:20]


def generated():
    """The folder holding the archives and index.pickle, generated if absent
    (in $TSCRIPT_BUILD/opinfo-cache/<key>, older keys removed; or a temporary
    folder with TSCRIPT_NO_CACHE=1)."""
    if os.environ.get("TSCRIPT_NO_CACHE") == "1":
        out = tempfile.mkdtemp(prefix="opinfo-")
    else:
        root = os.path.join(build_dir(), "opinfo-cache")
        key = cache_key()
        out = os.path.join(root, key)
        if os.path.exists(os.path.join(out, "index.pickle")):
            return out
        if os.path.isdir(root):
            for old in os.listdir(root):
                shutil.rmtree(os.path.join(root, old), ignore_errors=True)
        os.makedirs(out, exist_ok=True)
    proc = subprocess.run([sys.executable, os.path.join(HERE, "gen_opinfo.py"), out],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("gen_opinfo.py failed:\n" + proc.stderr[-4000:])
    return out


# ---- the driver's records (opinfo_driver.c) ----

class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise EOFError("truncated driver output")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self):
        return self.take(1)[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def s(self):
        return self.take(self.u32()).decode("utf-8", "replace")

    def value(self):
        """(structure, [arrays]) as gen_opinfo's structure/flatten spell them."""
        tag = chr(self.u8())
        if tag == "N":
            return "N", []
        if tag == "B":
            return "B", [np.array(bool(self.u8()))]
        if tag == "I":
            return "I", [np.array(struct.unpack("<q", self.take(8))[0], dtype=np.int64)]
        if tag == "F":
            return "F", [np.array(struct.unpack("<d", self.take(8))[0], dtype=np.float64)]
        if tag == "S":
            self.s()
            return "S", []
        if tag == "T":
            dtype, nd = struct.unpack("<ii", self.take(8))
            sizes = struct.unpack("<%dq" % nd, self.take(8 * nd)) if nd else ()
            nbytes = struct.unpack("<Q", self.take(8))[0]
            raw = self.take(nbytes)
            np_t = DTYPE_NP.get(dtype)
            if np_t is None:
                return "?", []
            if np_t == "bf16":
                bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
                a = bits.view(np.float32)
            else:
                a = np.frombuffer(raw, dtype=np_t)
            return "T", [a.reshape(sizes).copy()]
        if tag in "LUD":
            n = self.u32()
            parts = [self.value() for _ in range(n)]
            arrays = [a for _, arr in parts for a in arr]
            if tag == "D":
                return "?", arrays
            return "%s(%s)" % ("L" if tag == "L" else "U", ",".join(p for p, _ in parts)), arrays
        if tag == "?":
            self.s()
            return "?", []
        raise ValueError("bad record tag %r" % tag)


def run_driver(archive, methods):
    """{method: ("raise", message) | ("ok", structure, arrays)}, or raise
    RuntimeError when the driver crashed (the crashing methods are found by
    running each in its own process)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.bin")
        proc = subprocess.run([driver_bin(), archive, out] + methods, capture_output=True,
                              env=harness.sanitizer_env(), timeout=600, stdin=subprocess.DEVNULL)
        crashed = proc.returncode != 0
        results = {}
        if os.path.exists(out):
            with open(out, "rb") as f:
                r = Reader(f.read())
            while r.pos < len(r.data):
                try:
                    name = r.s()
                    if r.u8():
                        results[name] = ("raise", r.s())
                    else:
                        st, arrays = r.value()
                        results[name] = ("ok", st, arrays)
                except EOFError:
                    break
    if crashed:
        err = proc.stderr.decode("utf-8", "replace").replace(os.path.dirname(archive) + "/", "")
        if proc.returncode == 1 and not results:
            return {m: ("raise", "the archive does not load: " + err.strip()[-400:])
                    for m in methods}
        if len(methods) == 1:
            return {methods[0]: ("crash", "the driver exited with %d: %s" % (
                proc.returncode, err[-600:]))}
        for m in methods:
            if m not in results or m == methods[-1]:
                results.update(run_driver(archive, [m]))
    return results


# ---- comparing ----

def compare_float(g, e, e64, cast64=False):
    """None when g matches e (see the module doc), else why not."""
    fin = np.isfinite(e)
    if not np.array_equal(np.isnan(g), np.isnan(e)) or not np.array_equal(
            g[~fin & ~np.isnan(e)], e[~fin & ~np.isnan(e)]):
        bad = np.argmax((np.isnan(g) != np.isnan(e)) | (~fin & (g != e) & ~np.isnan(e)))
        return "non-finite elements differ (flat %d: tscript %r, PyTorch %r)" % (
            bad, g.reshape(-1)[bad].item(), e.reshape(-1)[bad].item())
    g, e = g[fin].astype(np.float64), e[fin]
    if e64 is not None:
        e64 = e64[fin]
    if e.size == 0:
        return None
    if e64 is not None and not cast64:
        mag = float(np.abs(e64).max())
        unstable = np.abs(e.astype(np.float64) - e64) > 1e-3 * max(mag, 1e-30)
        if unstable.sum() * 4 > e.size:
            return "ill-conditioned: float32 and float64 disagree on %d of %d elements" % (
                unstable.sum(), e.size)
        g, e, e64 = g[~unstable], e[~unstable], e64[~unstable]
        if e.size == 0:
            return None
    bound, how = harness.tolerance(e, e64)
    diff = np.abs(g - e.astype(np.float64))
    diff = np.where(np.isnan(diff), np.inf, diff)
    worst = int(np.argmax(diff))
    if diff[worst] > bound:
        return "max |tscript - PyTorch| = %.3g (tscript %r, PyTorch %r) > %.3g = %s" % (
            diff[worst], g[worst].item(), e[worst].item(), bound, how)
    return None


def compare(rec, got):
    """None when tscript's result got passes for the reference record, else why not."""
    ref = rec["ref"]
    if got is None:
        return "no result from the driver"
    if got[0] == "crash":
        return "tscript crashed: " + got[1]
    if "raises" in ref:
        return None if got[0] == "raise" else "PyTorch raises (%s), tscript returns" % ref["raises"]
    if got[0] == "raise":
        return "tscript raises: %s" % got[1].strip().splitlines()[0][:240] if got[1].strip() else \
            "tscript raises"
    _, st, arrays = got
    if st != ref["structure"]:
        return "result %s, PyTorch %s" % (st, ref["structure"])
    flat, flat64 = ref["flat"], ref["flat64"]
    only_meta = bool(UNSPECIFIED.search(rec["entry"]))
    for i, (g, e) in enumerate(zip(arrays, flat)):
        if g.shape != e.shape:
            return "output %d: shape %s, PyTorch %s" % (i, g.shape, e.shape)
        if g.dtype != e.dtype:
            return "output %d: dtype %s, PyTorch %s" % (i, g.dtype, e.dtype)
        if only_meta:
            continue
        if not np.issubdtype(e.dtype, np.floating):
            if not np.array_equal(g, e):
                bad = int(np.argmax((g != e).reshape(-1))) if g.size else 0
                return "output %d: value at flat %d: tscript %r, PyTorch %r" % (
                    i, bad, g.reshape(-1)[bad].item(), e.reshape(-1)[bad].item())
            continue
        e64 = None if flat64 is None else np.asarray(flat64[i], dtype=np.float64)
        if e64 is not None and not np.issubdtype(flat64[i].dtype, np.floating):
            e64 = None
        why = compare_float(g, e, e64, ref.get("cast64", False))
        if why:
            return "output %d: %s" % (i, why)
    return None


def run(entry=None, jobs=2):
    """(index entries, {entry: first failure or None}) over every applicable entry."""
    folder = generated()
    with open(os.path.join(folder, "index.pickle"), "rb") as f:
        index = pickle.load(f)
    work = []
    for path, recs in index["archives"]:
        recs = [r for r in recs if entry is None or r["entry"] == entry]
        if recs:
            work.append((os.path.join(folder, path), recs))
    status = {}
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = [(recs, pool.submit(run_driver, path, [r["method"] for r in recs]))
                   for path, recs in work]
        for recs, fut in futures:
            got = fut.result()
            for r in recs:
                why = compare(r, got.get(r["method"]))
                if why and status.get(r["entry"]) is None:
                    status[r["entry"]] = "%s %s sample %d: %s" % (
                        r["call"], r["dtype"], r["sample"], why)
                else:
                    status.setdefault(r["entry"], None)
    return index, status


def read_known():
    known = {}
    with open(KNOWN) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition(" ")
                known[name] = why
    return known


def write_known(status):
    with open(KNOWN) as f:
        head = [line for line in f if line.startswith("#")]
    with open(KNOWN, "w") as f:
        f.writelines(head)
        for name in sorted(status):
            if status[name]:
                f.write("%s %s\n" % (name, status[name].replace("\n", " ")[:400]))


INPLACE = "@inplace"


def summary(index, status):
    """The figure: OpInfo entries (their function or method form), and
    separately the in-place variants ("NAME@inplace" entries)."""
    def part(keep):
        st = {k: v for k, v in status.items() if keep(k)}
        total = sum(1 for k in index["entries"] if keep(k))
        wr = sum(1 for _, recs in index["archives"] for r in recs if keep(r["entry"]))
        ok = sum(1 for v in st.values() if v is None)
        return total, len(st), wr, ok
    t, a, w, p = part(lambda k: not k.endswith(INPLACE))
    it, ia, iw, ip = part(lambda k: k.endswith(INPLACE))
    return ("OpInfo: %d entries, %d applicable (%d wrappers), %d pass (%.1f%%); "
            "in-place variants: %d applicable (%d wrappers), %d pass (%.1f%%)" % (
                t, a, w, p, 100.0 * p / max(a, 1), ia, iw, ip, 100.0 * ip / max(ia, 1)))


def main(argv):
    entry = None
    if "--entry" in argv:
        entry = argv[argv.index("--entry") + 1]
    index, status = run(entry)
    print(summary(index, status))
    if entry:
        print(status.get(entry) or "pass")
        return 0
    if "--update" in argv:
        write_known(status)
        print("wrote", KNOWN)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
