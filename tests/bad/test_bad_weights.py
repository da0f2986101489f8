"""Hostile and damaged torch.save files: `tscript show weights.pt` must fail
with exit 1, a message naming the file and what is wrong, no crash, no leak,
and never run code from the pickle.

Good files are written at test time by Debian's PyTorch 1.13, then damaged.
"""
import os
import sys

import pytest
import torch
import torch.nn as nn

from harness import assert_error, assert_no_crash, assert_ok, record_name, rewrite_zip, run_tscript


@pytest.fixture
def weights(tmp_path):
    torch.manual_seed(0)
    path = str(tmp_path / "good.pt")
    torch.save(nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).state_dict(), path)
    assert_ok(run_tscript(["show", path]))
    return path


def edit_data_pkl(src, dst, change):
    def edit(name, data):
        return change(data) if name.endswith("/data.pkl") else data
    rewrite_zip(src, dst, edit)


def test_code_global_is_refused(weights, tmp_path):
    """os.system in place of the tensor rebuilder: refused, nothing runs."""
    marker = tmp_path / "ran"
    dst = str(tmp_path / "evil.pt")
    payload = b"cos\nsystem\n(X" + len(b"touch " + bytes(marker)).to_bytes(4, "little") + \
        b"touch " + bytes(marker) + b"tR"
    edit_data_pkl(weights, dst, lambda d: d.replace(b"\x80\x02", b"\x80\x02" + payload + b"0", 1))
    assert_error(run_tscript(["show", dst]), "evil.pt", "global os.system is not allowed")
    assert not marker.exists()


def test_pickled_module_object(tmp_path):
    path = str(tmp_path / "whole_model.pt")
    torch.save(nn.Linear(2, 2), path)
    assert_error(run_tscript(["show", path]), "whole_model.pt",
                 "torch.nn.modules.linear.Linear is not allowed", "state_dict()")


@pytest.mark.parametrize("key", [b"99", b"../0", b"0/../1"])
def test_bad_storage_key(weights, tmp_path, key):
    dst = str(tmp_path / "badkey.pt")
    old = b"X\x01\x00\x00\x000"
    edit_data_pkl(weights, dst, lambda d: d.replace(
        old, b"X" + len(key).to_bytes(4, "little") + key, 1))
    assert_error(run_tscript(["show", dst]), "badkey.pt", "record")


def test_storage_record_too_short(weights, tmp_path):
    dst = str(tmp_path / "short.pt")
    rewrite_zip(weights, dst, lambda n, d: d[:5] if n.endswith("/data/0") else d)
    assert_error(run_tscript(["show", dst]), "short.pt", "bytes")


def test_bad_storage_location(weights, tmp_path):
    dst = str(tmp_path / "badloc.pt")
    edit_data_pkl(weights, dst, lambda d: d.replace(b"X\x03\x00\x00\x00cpu", b"X\x03\x00\x00\x00\x1b[m", 1))
    assert_error(run_tscript(["show", dst]), "badloc.pt", "bad storage location")


def test_big_endian(weights, tmp_path):
    dst = str(tmp_path / "big.pt")
    rewrite_zip(weights, dst, lambda n, d: b"big" if n.endswith("/byteorder") else d)
    with open(weights, "rb") as f:
        has_byteorder = b"byteorder" in f.read()
    if has_byteorder:
        assert_error(run_tscript(["show", dst]), "big.pt", "big-endian")


@pytest.mark.parametrize("frac", [0.1, 0.5, 0.9, 0.99])
def test_truncated(weights, tmp_path, frac):
    with open(weights, "rb") as f:
        data = f.read()
    dst = str(tmp_path / "cut.pt")
    with open(dst, "wb") as f:
        f.write(data[:int(len(data) * frac)])
    assert_error(run_tscript(["show", dst]), "cut.pt")


@pytest.mark.parametrize("cut", [3, 40, 100, -2])
def test_truncated_pickle(weights, tmp_path, cut):
    dst = str(tmp_path / "cutpkl.pt")
    edit_data_pkl(weights, dst, lambda d: d[:cut])
    assert_error(run_tscript(["show", dst]), "cutpkl.pt")


def test_legacy_format(tmp_path):
    path = str(tmp_path / "legacy.pt")
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    assert_error(run_tscript(["show", path]), "legacy.pt", "legacy torch.save format",
                 "re-save")


def test_self_referencing_list(tmp_path):
    """Python's pickler memoises a list before filling it; a list holding
    itself must be refused, not build a cycle (LSan would see the leak)."""
    path = str(tmp_path / "cycle.pt")
    loop = [torch.ones(1)]
    loop.append(loop)
    torch.save(loop, path)
    assert_error(run_tscript(["show", path]), "cycle.pt", "memoised or shared")


def test_deep_nesting(tmp_path):
    path = str(tmp_path / "deep.pt")
    v = [torch.ones(1)]
    for _ in range(700):
        v = [v]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(20000)
    try:
        torch.save(v, path)
    finally:
        sys.setrecursionlimit(old)
    assert_error(run_tscript(["show", path]), "deep.pt", "nested more than")


def test_hostile_names_are_escaped(tmp_path):
    path = str(tmp_path / "names.pt")
    torch.save({"\x1b[31mred": torch.ones(1), "x" * 5000: torch.zeros(1)}, path)
    proc = run_tscript(["show", path])
    assert_ok(proc)
    assert "\x1b" not in proc.stdout and "\\x1b[31mred" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) < 400


def test_random_pickle_bytes_no_crash(weights, tmp_path):
    import random
    rng = random.Random(5)
    for i in range(30):
        dst = str(tmp_path / ("fuzz%d.pt" % i))

        def damage(d):
            b = bytearray(d)
            for _ in range(3):
                b[rng.randrange(len(b))] = rng.randrange(256)
            return bytes(b)
        edit_data_pkl(weights, dst, damage)
        assert_no_crash(run_tscript(["show", dst]))
