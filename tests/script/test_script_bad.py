"""Bad input to scripting from source: broken sources, constructors that fail
or never end, --args that do not parse, missing or mismatched weights, hostile
weight files. Each must be a clean error (exit 1, or 2 for a usage error; a
`tscript: error:` line naming what and where), never a crash, a sanitizer
report or a hang (ctest runs this on the ASan+UBSan build).

Each test is `bad:NAME`; what tscript does not handle yet is listed in
known_failures.txt (strict: a test that starts passing fails until its line
goes). A few are positive controls (bad:weights_ok, bad:weights_checkpoint_key):
the same model and weights done right must work, so the errors are not
passing for a reason unrelated to the input.
"""
import os
import re
import struct
import time
import warnings
import zipfile

import pytest
import torch
import torch.nn as nn

import harness
import scriptcase
from harness import assert_error, assert_no_crash, assert_ok, describe, rewrite_zip, run_tscript

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "bad")
GOOD = os.path.join(BAD, "good_model.py")
KNOWN = scriptcase.known_failures()


def state(cin=3, cout=4):
    """A state_dict of good_model.Net(cin, cout), from PyTorch's nn.Linear."""
    torch.manual_seed(0)
    fc = nn.Linear(cin, cout)
    return {"fc.weight": fc.weight.detach().clone(), "fc.bias": fc.bias.detach().clone(),
            "scale": torch.ones(cout) * 1.5}


def save(obj, tmp_path, name="w.pt"):
    path = str(tmp_path / name)
    torch.save(obj, path)
    return path


def script_good(weights, tmp_path, *extra):
    return run_tscript(["script", GOOD, "--args", "3, 4", "--weights", weights] + list(extra) +
                       ["-o", str(tmp_path / "out.pt")])


def in_bad(args, timeout=harness.TIMEOUT):
    """Run tscript in tests/script/bad, so messages name files as given."""
    cwd = os.getcwd()
    os.chdir(BAD)
    try:
        return run_tscript(args, timeout=timeout)
    finally:
        os.chdir(cwd)


# ---- sources ----

def t_syntax_error(tmp_path):
    assert_error(in_bad(["script", "syntax_error.py", "-o", str(tmp_path / "o.pt")]),
                 "syntax_error.py:9:", "expected ':'")


def t_unknown_module_name(tmp_path):
    assert_error(in_bad(["script", "unknown_module_name.py", "-o", str(tmp_path / "o.pt")]),
                 "unknown_module_name.py:8:", "Lineer")


def t_unknown_import(tmp_path):
    assert_error(in_bad(["script", "unknown_import.py", "-o", str(tmp_path / "o.pt")]),
                 "unknown_import.py:3:", "numpy")


def t_unknown_class(tmp_path):
    assert_error(in_bad(["script", "good_model.py:Missing", "--args", "3, 4", "-o",
                         str(tmp_path / "o.pt")]), "Missing")


def t_two_classes_no_name(tmp_path):
    """Class omitted, two candidates: the error names both."""
    assert_error(in_bad(["script", "two_classes.py", "-o", str(tmp_path / "o.pt")]),
                 "Encoder", "Decoder")


def t_source_missing(tmp_path):
    assert_error(in_bad(["script", "no_such_model.py", "-o", str(tmp_path / "o.pt")]),
                 "no_such_model.py")


def t_binary_garbage(tmp_path):
    assert_error(in_bad(["script", "binary_garbage.py", "-o", str(tmp_path / "o.pt")]),
                 "binary_garbage.py")


def t_deep_nesting(tmp_path):
    """20000 nested parentheses: an error about the nesting, no stack overflow."""
    assert_error(in_bad(["script", "deep_nesting.py", "-o", str(tmp_path / "o.pt")]),
                 "deep_nesting.py:4:")


def t_source_is_device(tmp_path):
    """model.py naming /dev/zero: refused at once (reading it would never end)."""
    src = tmp_path / "zero.py"
    os.symlink("/dev/zero", str(src))
    start = time.monotonic()
    proc = run_tscript(["script", str(src), "-o", str(tmp_path / "o.pt")], timeout=60)
    assert_error(proc, "zero.py", "not a regular file")
    assert time.monotonic() - start < 30


def t_source_is_directory(tmp_path):
    src = tmp_path / "pkg.py"
    src.mkdir()
    assert_error(run_tscript(["script", str(src), "-o", str(tmp_path / "o.pt")]), "pkg.py", "directory")


def t_ctor_undefined_name(tmp_path):
    assert_error(in_bad(["script", "ctor_undefined_name.py", "--args", "3", "-o",
                         str(tmp_path / "o.pt")]), "ctor_undefined_name.py:8:34", "NameError", "hidden")


# ---- constructors ----

def t_ctor_raises(tmp_path):
    assert_error(in_bad(["script", "ctor_raises.py", "--args", "3", "-o",
                         str(tmp_path / "o.pt")]), "width must be even, got 3", "ctor_raises.py:9")


def t_ctor_loops_forever(tmp_path):
    start = time.monotonic()
    proc = in_bad(["script", "ctor_loops_forever.py", "--timeout", "1", "-o",
                   str(tmp_path / "o.pt")], timeout=60)
    assert_error(proc, "timed out", "ctor_loops_forever.py:")
    assert time.monotonic() - start < 30, "the 1 s limit took %.1f s" % (time.monotonic() - start)


def t_ctor_recursion(tmp_path):
    assert_error(in_bad(["script", "ctor_recursion.py", "-o", str(tmp_path / "o.pt")]),
                 re.compile(r"recursion|too deep"), "ctor_recursion.py:6")


def t_ctor_huge_tensor(tmp_path):
    """nn.Linear(2^31, 2^31) wants 16 EiB: refused, no crash."""
    assert_error(in_bad(["script", "ctor_huge_tensor.py", "-o", str(tmp_path / "o.pt")]),
                 "ctor_huge_tensor.py")


# ---- --args ----

def t_args_do_not_parse(tmp_path):
    proc = in_bad(["script", "good_model.py", "--args", "3, , 4", "-o", str(tmp_path / "o.pt")])
    assert_no_crash(proc)
    assert proc.returncode in (1, 2), describe(proc)
    assert "--args" in proc.stderr, describe(proc)


def t_args_wrong_count(tmp_path):
    assert_error(in_bad(["script", "good_model.py", "--args", "3, 4, 5", "-o",
                         str(tmp_path / "o.pt")]), re.compile(r"positional argument"))


def t_args_unknown_keyword(tmp_path):
    assert_error(in_bad(["script", "good_model.py", "--args", "3, cout=4, depth=2", "-o",
                         str(tmp_path / "o.pt")]), "depth")


def t_script_without_output(tmp_path):
    assert_error(in_bad(["script", "good_model.py", "--args", "3, 4"]), code=2)


# ---- weights ----

def t_weights_ok(tmp_path):
    """Positive control: the right weights work and PyTorch runs the archive."""
    assert_ok(script_good(save(state(), tmp_path), tmp_path))
    m = torch.jit.load(str(tmp_path / "out.pt"))
    x = torch.randn(2, 3)
    want = (x @ state()["fc.weight"].t() + state()["fc.bias"]) * 1.5
    torch.testing.assert_close(m(x), want)


def t_weights_missing_file(tmp_path):
    assert_error(script_good(str(tmp_path / "absent.pt"), tmp_path), "absent.pt")


def t_weights_missing_key(tmp_path):
    sd = state()
    del sd["fc.bias"]
    assert_error(script_good(save(sd, tmp_path), tmp_path), "missing", "fc.bias")


def t_weights_unexpected_key(tmp_path):
    sd = state()
    sd["extra.weight"] = torch.zeros(2)
    assert_error(script_good(save(sd, tmp_path), tmp_path), "unexpected", "extra.weight")


def t_weights_wrong_shape(tmp_path):
    sd = state()
    sd["fc.weight"] = torch.zeros(3, 4)
    assert_error(script_good(save(sd, tmp_path), tmp_path), "fc.weight",
                 re.compile(r"\[3, 4\]|\(3, 4\)"), re.compile(r"\[4, 3\]|\(4, 3\)"))


def t_weights_all_three(tmp_path):
    """Missing, unexpected and wrongly shaped keys at once: all listed."""
    sd = state()
    del sd["scale"]
    sd["fc.bias"] = torch.zeros(7)
    sd["head.weight"] = torch.zeros(1)
    assert_error(script_good(save(sd, tmp_path), tmp_path), "scale", "fc.bias", "head.weight")


def t_weights_checkpoint_key(tmp_path):
    """Positive control: a checkpoint dict with --weights-key."""
    path = save({"epoch": 3, "model": state()}, tmp_path)
    assert_ok(script_good(path, tmp_path, "--weights-key", "model"))


def t_weights_checkpoint_wrong_key(tmp_path):
    path = save({"epoch": 3, "model": state()}, tmp_path)
    assert_error(script_good(path, tmp_path, "--weights-key", "state_dict"), "state_dict")


def t_weights_checkpoint_without_key(tmp_path):
    """A checkpoint given as if it were the state_dict: the error names its keys."""
    path = save({"epoch": 3, "model": state()}, tmp_path)
    assert_error(script_good(path, tmp_path), "model")


def t_weights_not_a_dict(tmp_path):
    assert_error(script_good(save(torch.zeros(3), tmp_path), tmp_path), "w.pt")


def t_weights_wrong_dtype_value(tmp_path):
    sd = state()
    sd["fc.weight"] = "not a tensor"
    assert_error(script_good(save(sd, tmp_path), tmp_path), "fc.weight")


def t_weights_text_file(tmp_path):
    path = str(tmp_path / "w.pt")
    with open(path, "w") as f:
        f.write("this is not a torch.save file\n")
    assert_error(script_good(path, tmp_path), "w.pt")


def t_weights_code_global(tmp_path):
    """A pickle calling os.system: refused, nothing runs."""
    good = save(state(), tmp_path, "good.pt")
    marker = tmp_path / "ran"
    cmd = b"touch " + bytes(marker)
    payload = b"cos\nsystem\n(X" + len(cmd).to_bytes(4, "little") + cmd + b"tR"
    dst = str(tmp_path / "evil.pt")
    rewrite_zip(good, dst, lambda n, d: d.replace(b"\x80\x02", b"\x80\x02" + payload + b"0", 1)
                if n.endswith("/data.pkl") else d)
    assert_error(script_good(dst, tmp_path), "evil.pt", "not allowed")
    assert not marker.exists()


def t_weights_truncated(tmp_path):
    good = save(state(), tmp_path, "good.pt")
    with open(good, "rb") as f:
        data = f.read()
    dst = str(tmp_path / "cut.pt")
    with open(dst, "wb") as f:
        f.write(data[:len(data) // 2])
    assert_error(script_good(dst, tmp_path), "cut.pt")


def t_weights_storage_too_short(tmp_path):
    good = save(state(), tmp_path, "good.pt")
    dst = str(tmp_path / "short.pt")
    rewrite_zip(good, dst, lambda n, d: d[:4] if re.search(r"/data/\d+$", n) else d)
    assert_error(script_good(dst, tmp_path), "short.pt")


def t_weights_float64_converted(tmp_path):
    """Positive control: float64 values for a float32 parameter are converted, as
    load_state_dict's copy_ converts them."""
    sd = state()
    sd["fc.weight"] = sd["fc.weight"].double()
    assert_ok(script_good(save(sd, tmp_path), tmp_path))
    m = torch.jit.load(str(tmp_path / "out.pt"))
    assert m.fc.weight.dtype == torch.float32
    assert torch.equal(m.fc.weight, sd["fc.weight"].float())


def t_weights_key_not_a_dict(tmp_path):
    path = save({"epoch": 3, "model": state()}, tmp_path)
    assert_error(script_good(path, tmp_path, "--weights-key", "epoch"), "'epoch'", "not a state_dict")


def t_weights_directory(tmp_path):
    (tmp_path / "wdir.pt").mkdir()
    assert_error(script_good(str(tmp_path / "wdir.pt"), tmp_path), "wdir.pt", "directory")


def t_weights_fifo(tmp_path):
    """A FIFO as weights: refused without reading (which would block)."""
    fifo = str(tmp_path / "pipe.pt")
    os.mkfifo(fifo)
    start = time.monotonic()
    assert_error(script_good(fifo, tmp_path), "pipe.pt", "not a regular file")
    assert time.monotonic() - start < 30


def t_weights_crc_mismatch(tmp_path):
    """One flipped byte in a tensor record: the zip reader's CRC check refuses it."""
    good = save(state(), tmp_path, "good.pt")
    data = bytearray(open(good, "rb").read())
    name = harness.record_name(good, "/data/0")
    with zipfile.ZipFile(good) as z:
        off = z.getinfo(name).header_offset
    n, extra = struct.unpack("<HH", bytes(data[off + 26:off + 30]))
    data[off + 30 + n + extra] ^= 0xFF
    dst = str(tmp_path / "flipped.pt")
    open(dst, "wb").write(bytes(data))
    assert_error(script_good(dst, tmp_path), "flipped.pt", "CRC")


def t_weights_duplicate_record(tmp_path):
    good = save(state(), tmp_path, "good.pt")
    dst = str(tmp_path / "dup.pt")
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(dst, "w") as out:
        infos = z.infolist()
        for i in infos:
            out.writestr(i.filename, z.read(i.filename))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: the point
            out.writestr(infos[0].filename, z.read(infos[0].filename))
    assert_error(script_good(dst, tmp_path), "dup.pt", "both named")


def t_weights_deep_pickle(tmp_path):
    """200000 nested EMPTY_LIST opcodes: an error about the pickle, no stack overflow."""
    good = save(state(), tmp_path, "good.pt")
    dst = str(tmp_path / "deep.pt")
    rewrite_zip(good, dst, lambda n, d: b"\x80\x02" + b"]" * 200000 + b"." if n.endswith("/data.pkl") else d)
    assert_error(script_good(dst, tmp_path), "deep.pt", "data.pkl")


def t_weights_huge_shape(tmp_path):
    """Sizes of 2^62 elements over a 4-element storage: refused, nothing allocated."""
    good = save(state(), tmp_path, "good.pt")
    dst = str(tmp_path / "huge.pt")
    huge = b"\x8a\x08" + (1 << 62).to_bytes(8, "little") + b"\x85"  # LONG1 2**62, TUPLE1
    rewrite_zip(good, dst, lambda n, d: d.replace(b"K\x04\x85", huge) if n.endswith("/data.pkl") else d)
    assert_error(script_good(dst, tmp_path), "huge.pt", "outside its storage")


# ---- run with bad inputs ----

def t_run_missing_input(tmp_path):
    assert_error(in_bad(["run", "good_model.py", "--args", "3, 4"]), "x")


def t_run_wrong_input_shape(tmp_path):
    assert_error(in_bad(["run", "good_model.py", "--args", "3, 4", "randn:2,5"]),
                 re.compile(r"shape|size|mat1|features"))


def t_run_forward_loops_forever(tmp_path):
    start = time.monotonic()
    proc = in_bad(["run", "forward_loops_forever.py", "randn:2", "--timeout", "1"], timeout=60)
    assert_error(proc, "timed out", "forward_loops_forever.py:9:9")
    assert time.monotonic() - start < 30, "the 1 s limit took %.1f s" % (time.monotonic() - start)


TESTS = {name[2:]: f for name, f in sorted(globals().items()) if name.startswith("t_")}


def test_known_failures_name_bad_tests():
    scriptcase.check_known_names(KNOWN, ("bad",), ["bad:" + n for n in TESTS])


def bad_params():
    out = []
    for name in TESTS:
        reason = scriptcase.known_reason(KNOWN, "bad:" + name)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(name, id="bad:" + name, marks=marks))
    return out


@pytest.mark.parametrize("name", bad_params())
def test_bad(tmp_path, name):
    TESTS[name](tmp_path)
