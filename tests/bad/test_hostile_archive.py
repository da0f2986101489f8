"""Hostile archives from the loader's security review (issue 5, part 4).

Each case crafts an archive aimed at one defect the review found: hash
flooding (dict keys, zip names), duplicate zip entry names, deflate
amplification, a FIFO as the model path, records whose CRC-32 is wrong,
terminal escape sequences in names and code, and unbounded messages. Each
must end with a clean error (or a normal result) in bounded time, with no
sanitizer report. The timing asserts are loose no-hang checks, not
benchmarks: the flooding inputs took seconds to minutes before the fix.
"""
import io
import itertools
import os
import re
import struct
import threading
import time
import zipfile
import zlib

import pytest
import torch

from harness import assert_error, assert_no_crash, assert_ok, record_name, rewrite_zip, run_tscript

M64 = (1 << 64) - 1


# ---- hash flooding ----
#
# Both constructions target the hashes tscript used before the keyed hash:
# int keys went through splitmix64's finaliser (invertible, unseeded) and
# names through 64-bit FNV-1a, both into power-of-two tables with linear
# probing, so equal low bits meant one long probe chain.

def _unxorshift(y, s):
    x = y
    for _ in range(64 // s + 1):
        x = y ^ (x >> s)
    return x & M64


def old_int_key_for_hash(h):
    """The int64 whose old dict hash is h (the inverse of splitmix64's finaliser)."""
    x = _unxorshift(h, 31)
    x = (x * pow(0x94d049bb133111eb, -1, 1 << 64)) & M64
    x = _unxorshift(x, 27)
    x = (x * pow(0xbf58476d1ce4e5b9, -1, 1 << 64)) & M64
    x = _unxorshift(x, 30)
    x = (x - 0x9e3779b97f4a7c15) & M64
    return x - (1 << 64) if x >> 63 else x


def colliding_int_keys(n, low_bits=20):
    """n distinct int keys whose old hashes agree in their low low_bits bits."""
    return [old_int_key_for_hash(j << low_bits) for j in range(1, n + 1)]


FNV_OFFSET, FNV_PRIME = 1469598103934665603, 1099511628211
ALNUM = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _fnv(h, data, mask):
    for c in data:
        h = ((h ^ c) * FNV_PRIME) & mask
    return h


def colliding_names(prefix, count_log2, low_bits=17):
    """2**count_log2 distinct byte strings starting with prefix whose old
    FNV-1a hashes agree in their low low_bits bits. The low bits of FNV-1a's
    state depend only on the low bits before, so a pair of 3-byte blocks that
    meet from one state can be chosen independently at each position."""
    mask = (1 << low_bits) - 1
    state = _fnv(FNV_OFFSET & mask, prefix, mask)
    choices = []
    for _ in range(count_log2):
        seen = {}
        pair = None
        for block in itertools.product(ALNUM, repeat=3):
            block = bytes(block)
            t = _fnv(state, block, mask)
            if t in seen:
                pair = (seen[t], block)
                break
            seen[t] = block
        assert pair, "no colliding block pair"
        choices.append(pair)
        state = _fnv(state, pair[0], mask)
    names = []
    for bits in range(1 << count_log2):
        names.append(prefix + b"".join(choices[i][(bits >> i) & 1] for i in range(count_log2)))
    return names


def dict_pickle(keys):
    """A protocol-2 pickle of {key: 0 for key in keys} as PyTorch writes one:
    int keys as 8-byte LONG1, str keys as BINUNICODE, the dict not memoised."""
    out = [b"\x80\x02}"]
    for start in range(0, len(keys), 1000):
        out.append(b"(")
        for k in keys[start:start + 1000]:
            if isinstance(k, int):
                out.append(b"\x8a\x08" + struct.pack("<q", k))
            else:
                b = k.encode()
                out.append(b"X" + struct.pack("<I", len(b)) + b)
            out.append(b"K\x00")
        out.append(b"u")
    out.append(b".")
    return b"".join(out)


def replace_data_pkl(src, dst, payload):
    rewrite_zip(src, dst, lambda name, data: payload if name.endswith("/data.pkl") else data)


def timed(args, limit):
    t0 = time.monotonic()
    proc = run_tscript(args, timeout=max(60, 10 * limit))
    return proc, time.monotonic() - t0


def test_colliding_int_dict_keys(good, rundir):
    keys = colliding_int_keys(40000)
    assert len(set(keys)) == len(keys)
    path = os.path.join(rundir, "int_flood.pt")
    replace_data_pkl(good["linear"], path, dict_pickle(keys))
    proc, secs = timed(["show", path], 5)
    assert_error(proc, "data.pkl", "dict")
    assert secs < 5, "40000 colliding int keys took %.1f s" % secs


def test_colliding_str_dict_keys(good, rundir):
    keys = [n.decode() for n in colliding_names(b"k", 15)]
    path = os.path.join(rundir, "str_flood.pt")
    replace_data_pkl(good["linear"], path, dict_pickle(keys))
    proc, secs = timed(["show", path], 5)
    assert_error(proc, "data.pkl", "dict")
    assert secs < 5, "32768 colliding str keys took %.1f s" % secs


def test_colliding_zip_names(rundir):
    names = colliding_names(b"archive/data/", 16)
    path = os.path.join(rundir, "name_flood.pt")
    with zipfile.ZipFile(path, "w") as z:
        for n in names:
            z.writestr(n.decode(), b"")
    proc, secs = timed(["show", path], 5)
    assert_error(proc, "name_flood.pt", "version")
    assert secs < 5, "65536 colliding zip names took %.1f s" % secs


# ---- duplicate names ----

def test_duplicate_entry_name(good, rundir):
    """Two records named .../data/0: PyTorch reads the last, so the file
    shows different weights to different readers; tscript refuses it."""
    src = good["linear"]
    name = record_name(src, "/data/0")
    path = os.path.join(rundir, "duplicate.pt")
    with zipfile.ZipFile(src) as zin:
        entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for n, data in entries:
            zout.writestr(n, data)
        with pytest.warns(UserWarning):
            zout.writestr(name, bytes(len(dict(entries)[name])))
    torch.jit.load(path)  # PyTorch accepts it (and takes the zeros)
    assert_error(run_tscript(["show", path]), "duplicate.pt", "both named '%s'" % name)


# ---- amplification and special files ----

def _global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _unicode(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def shared_storage_pickle(key, numel, count):
    """data.pkl: a list of count float tensors, each naming storage key with
    its own BINPERSID (no memo), as a crafted file can."""
    out = [b"\x80\x02]("]
    for _ in range(count):
        out += [_global("torch._utils", "_rebuild_tensor_v2"), b"(",
                b"(", _unicode("storage"), _global("torch", "FloatStorage"), _unicode(key),
                _unicode("cpu"), b"J" + struct.pack("<i", numel), b"tQ",
                b"K\x00", b"J" + struct.pack("<i", numel) + b"\x85", b"K\x01\x85", b"\x89",
                _global("collections", "OrderedDict"), b")R", b"tR"]
    out.append(b"e.")
    return b"".join(out)


def test_deflated_record_inflated_once(good, rundir):
    """400 tensors on one deflated 4 MB record (4 KB compressed): inflated
    once (4 MB), not 400 times (1.6 GB)."""
    numel, count = 1 << 20, 400
    src = good["linear"]
    prefix = record_name(src, "/data.pkl").split("/")[0]
    path = os.path.join(rundir, "amplify.pt")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            if info.filename.endswith("/data.pkl"):
                zout.writestr(info.filename, shared_storage_pickle("0", numel, count))
            elif info.filename.endswith("/data/0"):
                zout.writestr(info.filename, bytes(4 * numel), zipfile.ZIP_DEFLATED)
            else:
                zout.writestr(info.filename, zin.read(info.filename))
    assert os.path.getsize(path) < 64 << 10
    proc, secs = timed(["show", path], 10)
    assert_error(proc, "amplify.pt", "not a module object")
    assert secs < 10, "took %.1f s" % secs
    assert prefix


def run_with_deadline(args, seconds):
    """run_tscript, but a hang is a test failure rather than a stuck suite."""
    try:
        return run_tscript(args, timeout=seconds)
    except Exception as e:  # subprocess.TimeoutExpired
        pytest.fail("tscript %s did not finish in %d s: %s" % (" ".join(args), seconds, e))


def test_fifo_as_model(rundir):
    path = os.path.join(rundir, "model_fifo.pt")
    os.mkfifo(path)
    assert_error(run_with_deadline(["show", path], 30), "model_fifo.pt",
                 "is not a regular file (a FIFO)")


def test_device_as_model():
    assert_error(run_with_deadline(["show", "/dev/zero"], 30), "/dev/zero",
                 "is not a regular file (a character device)")


# ---- CRC ----

def test_crc_of_stored_weights(good, rundir):
    """One weight byte changed in place, the CRC left as it was: refused
    (PyTorch does not check, and would run the damaged weights)."""
    src = good["linear"]
    name = record_name(src, "/data/0")
    with open(src, "rb") as f:
        data = bytearray(f.read())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode())
    start += int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    data[start + 5] ^= 0x40
    path = os.path.join(rundir, "bad_crc.pt")
    with open(path, "wb") as f:
        f.write(data)
    torch.jit.load(path)
    assert_error(run_tscript(["show", path]), "bad_crc.pt", "CRC mismatch in entry '%s'" % name)


# ---- terminal escapes and bounded messages ----

LINEAR_CALL = "torch.linear(x, weight, bias)"
ESC = "\x1b]0;owned\x07\x1b[2J\x9b"


def edit_linear_code(src, dst, change):
    with zipfile.ZipFile(src) as z:
        names = [n for n in z.namelist() if n.endswith(".py") and LINEAR_CALL in z.read(n).decode()]
    assert len(names) == 1
    rewrite_zip(src, dst, lambda n, data: change(data.decode()).encode() if n == names[0] else data)
    return names[0]


def assert_no_raw_controls(text):
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) < 0xa0]
    assert not bad, "raw control characters %r in %r" % (bad, text[-2000:])


def test_escapes_in_show_code(good, rundir):
    """A string constant holding escape sequences: `show --code` prints them
    escaped, and keeps printable UTF-8."""
    path = os.path.join(rundir, "escapes.pt")
    edit_linear_code(good["linear"], path,
                     lambda s: s.replace(LINEAR_CALL, "torch.linear(x, weight, bias) if \"%s café ✓\" "
                                         "!= \"\" else x" % ESC))
    for mode in ["--code", "--graph"]:
        proc = run_tscript(["show", path, mode])
        assert_ok(proc)
        assert_no_raw_controls(proc.stdout)
        assert "owned" in proc.stdout and "café ✓" in proc.stdout, proc.stdout


def test_escapes_in_error_message(good, rundir):
    path = os.path.join(rundir, "escapes_error.pt")
    edit_linear_code(good["linear"], path,
                     lambda s: s.replace(LINEAR_CALL, LINEAR_CALL + " " + ESC + " $"))
    proc = run_tscript(["show", path])
    assert_error(proc, "escapes_error.pt", "]0;owned")
    assert_no_raw_controls(proc.stderr)
    # the archive's path is said once per message line
    first = proc.stderr.splitlines()[0]
    assert first.count("escapes_error.pt") == 1, first


def test_long_source_line_is_cut(good, rundir):
    """A 600 KB line with a type error at its end: the message shows a
    window around the caret, not the line."""
    path = os.path.join(rundir, "long_line.pt")
    edit_linear_code(good["linear"], path,
                     lambda s: s.replace(LINEAR_CALL, "torch.linear(x, weight, bias) if \"%s\" == \"\" "
                                         "else x + bias + (1, 2)" % ("a" * 600000)))
    proc = run_tscript(["show", path])
    assert_error(proc, "long_line.pt")
    assert len(proc.stderr) < 2000, "%d bytes of message" % len(proc.stderr)
    lines = proc.stderr.splitlines()
    caret = [i for i, l in enumerate(lines) if l.strip().startswith("^")]
    assert caret, proc.stderr
    src_line, caret_line = lines[caret[0] - 1], lines[caret[0]]
    assert src_line.startswith("    ...") and src_line.endswith("(1, 2)")
    assert src_line[caret_line.index("^")] == "x", (src_line, caret_line)


class Chain(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x) + 1


class Bottom(torch.nn.Module):
    def forward(self, x):
        return torch.mm(x, x)


def test_traceback_is_capped(rundir):
    m = Bottom()
    for _ in range(40):
        m = Chain(m)
    path = os.path.join(rundir, "deep.pt")
    torch.jit.script(m).save(path)
    proc = run_tscript(["run", path, "randn:2,3"])
    assert_error(proc, "deep.pt", "mm", re.compile(r"\.\.\. 1\d more frames"))
    assert proc.stderr.count("  at ") <= 24, proc.stderr
    assert len(proc.stderr) < 8000
