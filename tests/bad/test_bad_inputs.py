"""Bad input must give a clear error, never a crash or a leak.

Each case damages a good archive (written by real PyTorch at test time) or
passes a bad input, then checks that tscript exits with status 1, prints
"tscript: error: ..." naming the file or the place, and that no sanitizer
spoke (the CI runs these against the ASan+UBSan build, where a leak or an
out-of-bounds read turns into a report on stderr and a distinct exit code).
Where the damage is deterministic, the test also checks that PyTorch itself
rejects the file, so each case really is bad input.
"""
import os
import random
import re
import zipfile

import numpy as np
import pytest
import torch

from harness import (assert_error, assert_no_crash, assert_ok, input_words, record_name,
                     rewrite_zip, run_tscript)


def torch_rejects(path):
    with pytest.raises(Exception):
        torch.jit.load(path)


def x10(rundir, shape=(1, 10), dtype=torch.float32):
    return input_words([torch.randn(*shape).to(dtype)], rundir, prefix="x")


# ---- the archive file itself ----

TRUNCATE_AT = [0, 1, 4, 29, 100, "third", "half", "-100", "-22", "-1"]


@pytest.mark.parametrize("where", TRUNCATE_AT, ids=str)
def test_truncated_archive(good, rundir, where):
    with open(good["linear"], "rb") as f:
        data = f.read()
    n = {"third": len(data) // 3, "half": len(data) // 2}.get(where)
    if n is None:
        n = int(where) if int(where) >= 0 else len(data) + int(where)
    path = os.path.join(rundir, "truncated_at_%d.pt" % n)
    with open(path, "wb") as f:
        f.write(data[:n])
    torch_rejects(path)
    assert_error(run_tscript(["run", path] + x10(rundir)), "truncated_at_%d.pt" % n)


@pytest.mark.parametrize("content", [
    b"this is not a zip archive\n" * 20,
    bytes(random.Random(1).randrange(256) for _ in range(3000)),
    b"PK\x03\x04" + b"\x00" * 100,
    b"PK\x05\x06" + b"\xff" * 18,
], ids=["text", "random", "zip-header-only", "bogus-end-record"])
def test_not_a_zip(rundir, content):
    path = os.path.join(rundir, "not_a_zip.pt")
    with open(path, "wb") as f:
        f.write(content)
    torch_rejects(path)
    assert_error(run_tscript(["run", path, "randn:1,10"]), "not_a_zip.pt")


def test_npy_file_as_model(rundir):
    path = os.path.join(rundir, "weights.npy")
    np.save(path, np.zeros(3, np.float32))
    assert_error(run_tscript(["show", path]), "weights.npy")


def test_missing_model_file(rundir):
    path = os.path.join(rundir, "no_such_model.pt")
    assert_error(run_tscript(["run", path, "randn:1,10"]), "no_such_model.pt")
    assert_error(run_tscript(["show", path]), "no_such_model.pt")


def test_directory_as_model(rundir):
    path = os.path.join(rundir, "a_directory.pt")
    os.mkdir(path)
    assert_error(run_tscript(["show", path]), "a_directory.pt")


def test_zip_without_data_pkl(good, rundir):
    path = os.path.join(rundir, "no_data_pkl.pt")
    rewrite_zip(good["linear"], path,
                lambda name, data: None if name.endswith("/data.pkl") else data)
    torch_rejects(path)
    assert_error(run_tscript(["run", path] + x10(rundir)), "data.pkl")


def test_zip_without_a_tensor_record(good, rundir):
    path = os.path.join(rundir, "no_tensor.pt")
    rewrite_zip(good["linear"], path,
                lambda name, data: None if name.endswith("/data/0") else data)
    torch_rejects(path)
    assert_error(run_tscript(["run", path] + x10(rundir)), "data/0")


def test_rewritten_archive_still_loads(good, rundir):
    """Control: rewriting with nothing changed gives an archive both PyTorch and
    tscript run, so the failures above come from the damage alone."""
    path = os.path.join(rundir, "copy.pt")
    rewrite_zip(good["linear"], path, lambda name, data: data)
    torch.jit.load(path)
    assert_ok(run_tscript(["run", path, "randn:1,10"]))


# ---- a corrupted pickle ----

def edit_pickle(src, dst, change):
    rewrite_zip(src, dst, lambda name, data: change(data) if name.endswith("/data.pkl")
                else data)


@pytest.mark.parametrize("how", ["truncated", "bad-opcode", "no-stop", "bad-proto"])
def test_corrupted_pickle(good, rundir, how):
    change = {
        "truncated": lambda d: d[:len(d) // 2],
        "bad-opcode": lambda d: d[:2] + b"\xff" + d[3:],
        "no-stop": lambda d: d[:-1],
        "bad-proto": lambda d: b"\x80\x09" + d[2:],
    }[how]
    path = os.path.join(rundir, "bad_pickle.pt")
    edit_pickle(good["linear"], path, change)
    torch_rejects(path)
    assert_error(run_tscript(["run", path] + x10(rundir)), "data.pkl")


def test_pickle_bytes_flipped_in_place(good, rundir):
    """Bytes flipped inside the stored data.pkl without fixing the zip's CRC."""
    with open(good["linear"], "rb") as f:
        data = bytearray(f.read())
    with zipfile.ZipFile(good["linear"]) as z:
        info = z.getinfo(record_name(good["linear"], "/data.pkl"))
    start = info.header_offset + 30 + len(info.filename.encode())
    start += int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    assert data[start] == 0x80  # the PROTO opcode
    data[start] ^= 0xFF
    data[start + 10] ^= 0x55
    path = os.path.join(rundir, "flipped.pt")
    with open(path, "wb") as f:
        f.write(data)
    torch_rejects(path)
    assert_error(run_tscript(["run", path] + x10(rundir)), "data.pkl")


@pytest.mark.parametrize("seed", range(24))
def test_pickle_fuzz_no_crash(good, rundir, seed):
    """Random byte changes in data.pkl (with a valid CRC): tscript may accept
    a harmless change, but it must not crash, leak or read out of bounds,
    and a failure must be a clean error."""
    rng = random.Random(seed)
    src = good["conditional"] if seed % 2 else good["linear"]

    def change(d):
        d = bytearray(d)
        for _ in range(rng.randint(1, 4)):
            d[rng.randrange(len(d))] = rng.randrange(256)
        return bytes(d)

    path = os.path.join(rundir, "fuzz_%d.pt" % seed)
    edit_pickle(src, path, change)
    proc = run_tscript(["show", path])
    assert_no_crash(proc)
    assert proc.returncode in (0, 1), proc.stderr
    if proc.returncode:
        assert "tscript: error:" in proc.stderr


@pytest.mark.parametrize("seed", range(12))
def test_archive_fuzz_no_crash(good, rundir, seed):
    """Random byte changes anywhere in the archive file: no crash, no leak."""
    rng = random.Random(1000 + seed)
    with open(good["conditional"], "rb") as f:
        data = bytearray(f.read())
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path = os.path.join(rundir, "fuzz_archive_%d.pt" % seed)
    with open(path, "wb") as f:
        f.write(data)
    proc = run_tscript(["run", path, "randn:1,5", "True"])
    assert_no_crash(proc)
    assert proc.returncode in (0, 1), proc.stderr
    if proc.returncode:
        assert "tscript: error:" in proc.stderr


# ---- the code inside the archive ----

LINEAR_CALL = "torch.linear(x, weight, bias)"


def code_record(path, needle):
    """The name of the one code/*.py record of archive path containing needle."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if "/code/" in n and n.endswith(".py")
                 and needle in z.read(n).decode()]
    assert len(names) == 1, (needle, names)
    return names[0]


def open_record(path, name):
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode()


def edit_code(src, dst, needle, change):
    """Copy archive src to dst with change(text) applied to the code file
    that contains needle; return that record's name."""
    name = code_record(src, needle)
    rewrite_zip(src, dst, lambda n, data: change(data.decode()).encode() if n == name
                else data)
    assert open_record(dst, name) != open_record(src, name)
    return name


def line_of(text, needle):
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


@pytest.mark.parametrize("how", ["unclosed-paren", "bad-token", "bad-indent"])
def test_code_syntax_error(good, rundir, how):
    src = good["linear"]
    change = {
        "unclosed-paren": lambda s: s.replace(LINEAR_CALL, "torch.linear(x, weight, bias"),
        "bad-token": lambda s: s.replace(LINEAR_CALL, LINEAR_CALL + " $ 1"),
        "bad-indent": lambda s: s.replace("    return " + LINEAR_CALL,
                                          "      return " + LINEAR_CALL),
    }[how]
    path = os.path.join(rundir, "syntax_error.pt")
    name = edit_code(src, path, LINEAR_CALL, change)
    # code/__torch__/torch/nn/modules/linear.py, or linear/___torch_mangle_N.py
    # when the class was compiled before in the same process
    assert "/code/__torch__/torch/nn/modules/linear" in name
    torch_rejects(path)
    base = os.path.basename(name)
    needles = [base]
    if how == "bad-token":
        line = line_of(open_record(path, name), LINEAR_CALL)
        needles.append(re.compile(r"%s:%d:\d+" % (re.escape(base), line)))
    assert_error(run_tscript(["run", path] + x10(rundir)), *needles)


def test_unknown_op(good, rundir):
    src = good["linear"]
    path = os.path.join(rundir, "unknown_op.pt")
    edit_code(src, path, LINEAR_CALL, lambda s: s.replace(LINEAR_CALL, "torch.frobnicate(x)"))
    torch_rejects(path)
    assert_error(run_tscript(["run", path] + x10(rundir)), "frobnicate")


def test_unknown_op_in_untaken_branch(good, rundir):
    """An unknown op fails only when it would run (lazy binding): the branch
    not taken runs, the other fails with the op's name and place."""
    src = good["conditional"]
    path = os.path.join(rundir, "unknown_op_branch.pt")
    name = edit_code(src, path, "(linear2).forward(x, )",
                     lambda s: s.replace("(linear2).forward(x, )", "torch.frobnicate(x)"))
    torch_rejects(path)
    x = input_words([torch.randn(1, 5)], rundir)
    assert_ok(run_tscript(["run", path] + x + ["True"]))
    line = line_of(open_record(path, name), "frobnicate")
    where = re.compile(r"%s:%d:\d+: error: unknown builtin op 'aten::frobnicate'"
                       % (re.escape(os.path.basename(name)), line))
    assert_error(run_tscript(["run", path] + x + ["False"]), where, "TorchScript traceback")
    assert_ok(run_tscript(["show", path]))
    proc = run_tscript(["check", path])
    assert_no_crash(proc)
    assert proc.returncode == 1, proc.stdout
    assert "missing op aten::frobnicate (torch.frobnicate), 1 place" in proc.stdout


def test_unknown_method_in_code(good, rundir):
    src = good["linear"]
    path = os.path.join(rundir, "unknown_method.pt")
    edit_code(src, path, "(linear).forward(x, )",
              lambda s: s.replace("(linear).forward(x, )", "(linear).frobnicate(x, )"))
    torch_rejects(path)
    assert_error(run_tscript(["run", path] + x10(rundir)), "frobnicate")


# ---- inputs ----

def test_missing_input(good):
    assert_error(run_tscript(["run", good["linear"]]), "forward() expects 1 input, got 0")
    assert_error(run_tscript(["run", good["conditional"], "randn:1,5"]),
                 "forward() expects 2 inputs, got 1")


def test_bool_where_tensor_expected(good):
    proc = run_tscript(["run", good["linear"], "True"])
    assert_error(proc, re.compile(r"[Tt]ensor"), re.compile(r"bool"))


def test_tensor_where_bool_expected(good, rundir):
    x = input_words([torch.randn(1, 5), torch.randn(1, 5)], rundir)
    assert_error(run_tscript(["run", good["conditional"]] + x), re.compile(r"bool"))


def test_int_where_tensor_expected(good):
    assert_error(run_tscript(["run", good["linear"], "3"]), re.compile(r"[Tt]ensor"),
                 re.compile(r"int"))


def test_wrong_shape(good, rundir):
    """7 features into Linear(10, 2): the message names the place (linear) and
    both sizes."""
    with torch.no_grad(), pytest.raises(RuntimeError):
        torch.jit.load(good["linear"])(torch.randn(1, 7))
    proc = run_tscript(["run", good["linear"]] + x10(rundir, (1, 7)))
    assert_error(proc, re.compile(r"(?i)linear"), re.compile(r"(?<!\d)7(?!\d)"),
                 re.compile(r"(?<!\d)10(?!\d)"))


def test_wrong_shape_in_branch(good, rundir):
    x = input_words([torch.randn(2, 4)], rundir)
    proc = run_tscript(["run", good["conditional"]] + x + ["False"])
    assert_error(proc, re.compile(r"(?i)linear"), re.compile(r"(?<!\d)4(?!\d)"),
                 re.compile(r"(?<!\d)5(?!\d)"))


def test_wrong_dtype(good, rundir):
    with torch.no_grad(), pytest.raises(RuntimeError):
        torch.jit.load(good["linear"])(torch.ones(1, 10, dtype=torch.int64))
    proc = run_tscript(["run", good["linear"]] + x10(rundir, dtype=torch.int64))
    assert_error(proc, re.compile(r"(?i)dtype|scalar type|Long|int64"))


def test_scalar_tensor_input(good, rundir):
    proc = run_tscript(["run", good["linear"]] + input_words([torch.tensor(1.0)], rundir))
    with torch.no_grad(), pytest.raises(RuntimeError):
        torch.jit.load(good["linear"])(torch.tensor(1.0))
    assert_error(proc, re.compile(r"(?i)linear"))


# ---- .npy inputs ----

def test_npy_bad_magic(good, rundir):
    path = os.path.join(rundir, "x.npy")
    with open(path, "wb") as f:
        f.write(b"not numpy at all")
    assert_error(run_tscript(["run", good["linear"], path]),
                 "x.npy: not a .npy file (bad magic)")


def test_npy_truncated(good, rundir):
    path = os.path.join(rundir, "x.npy")
    np.save(path, np.zeros((1, 10), np.float32))
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-28])
    assert_error(run_tscript(["run", good["linear"], path]),
                 "x.npy: truncated: header says 40 bytes of data, file has 12")


@pytest.mark.parametrize("header", [
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 10), ",
    b"{'descr': '<f4', 'shape': (1, 10), }",
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (1, -10), }",
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }",
    b"{'descr': '<c8', 'fortran_order': False, 'shape': (1, 10), }",
    b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 10), }",
], ids=["unterminated", "no-order", "negative", "huge", "complex", "structured"])
def test_npy_bad_header(good, rundir, header):
    path = os.path.join(rundir, "x.npy")
    header += b" " * ((-(10 + len(header) + 1)) % 64) + b"\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header +
                b"\x00" * 40)
    assert_error(run_tscript(["run", good["linear"], path]), "x.npy")


def test_npy_missing(good, rundir):
    path = os.path.join(rundir, "absent.npy")
    assert_error(run_tscript(["run", good["linear"], path]), "absent.npy")


def test_unreadable_input_word(good):
    assert_error(run_tscript(["run", good["linear"], "banana"]), "'banana'")


@pytest.mark.parametrize("word", ["randn:", "randn:2,", "randn:a", "randn:-1,2",
                                  "randn:99999999999,99999999999"])
def test_bad_randn(good, word):
    assert_error(run_tscript(["run", good["linear"], word]), word)


def test_output_dir_is_a_file(good, rundir):
    path = os.path.join(rundir, "file")
    with open(path, "w") as f:
        f.write("x")
    assert_error(run_tscript(["run", good["linear"], "randn:1,10", "-o", path]), "file")
