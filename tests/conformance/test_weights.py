"""torch.save files: `tscript show weights.pt` lists every tensor (dotted name,
dtype, shape) and the scalars beside them, as torch.load sees the file.

Files are written at test time by Debian's PyTorch 1.13 (state_dicts of real
modules, parameters, every dtype, nested containers, a single tensor; the root
folder named after the file or 'archive' when saved through a file object),
and the committed ones under tests/data/weights/ come from torch 2.15; each
is read back with torch.load here as the reference. Values are checked
exactly by tests/unit/test_weights.c.
"""
import collections
import io
import os
import re

import pytest
import torch
import torch.nn as nn

from harness import REPO, assert_ok, run_tscript

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8,
          torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool]
DTYPE_NAMES = {dt: str(dt).replace("torch.", "") for dt in DTYPES}


def expected_lines(obj, name=""):
    """(name, kind, detail) for each leaf, depth-first, as `show` prints them."""
    if isinstance(obj, torch.Tensor):
        return [(name or "(root)", DTYPE_NAMES[obj.dtype], str(list(obj.shape)))]
    if isinstance(obj, dict):
        if not obj:
            return [(name or "(root)", "dict", "(empty)")]
        return [l for k, v in obj.items() for l in expected_lines(v, "%s.%s" % (name, k) if name else str(k))]
    if isinstance(obj, (list, tuple)):
        if not obj:
            return [(name or "(root)", type(obj).__name__, "(empty)")]
        return [l for i, v in enumerate(obj)
                for l in expected_lines(v, "%s.%d" % (name, i) if name else str(i))]
    if obj is None:
        return [(name, "None", "")]
    if isinstance(obj, bool):
        return [(name, "bool", repr(obj))]
    if isinstance(obj, int):
        return [(name, "int", repr(obj))]
    if isinstance(obj, float):
        return [(name, "float", repr(obj))]
    if isinstance(obj, str):
        return [(name, "str", repr(obj))]
    raise TypeError(obj)


def parse_show(stdout):
    lines = stdout.rstrip("\n").split("\n")
    total = lines.pop()
    got = []
    for line in lines:
        m = re.fullmatch(r"(\S+)\s+(\S+)\s*(.*)", line)
        assert m, line
        got.append((m.group(1), m.group(2), m.group(3).strip()))
    return got, total


def check_show(path, obj=None):
    if obj is None:
        obj = torch.load(path)
    proc = run_tscript(["show", path])
    assert_ok(proc)
    got, total = parse_show(proc.stdout)
    assert got == expected_lines(obj)
    tensors = []
    numel = 0

    def count(o):
        nonlocal numel
        if isinstance(o, torch.Tensor):
            tensors.append(o)
            numel += o.numel()
        elif isinstance(o, dict):
            for v in o.values():
                count(v)
        elif isinstance(o, (list, tuple)):
            for v in o:
                count(v)
    count(obj)
    assert total.startswith("total: %d tensor%s, %d parameters" % (
        len(tensors), "" if len(tensors) == 1 else "s", numel)), total
    return proc


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.blocks = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4))
        self.register_buffer("scale", torch.tensor(0.5, dtype=torch.float64))


@pytest.fixture
def wdir(tmp_path):
    return tmp_path


def test_state_dict(wdir):
    torch.manual_seed(0)
    sd = Net().state_dict()
    assert isinstance(sd, collections.OrderedDict) and hasattr(sd, "_metadata")
    path = str(wdir / "net_weights.pt")
    torch.save(sd, path)
    proc = check_show(path)
    assert proc.stdout.startswith("scale ")  # own buffers first, then children
    assert "bn.num_batches_tracked  int64     []" in proc.stdout
    assert proc.stderr == ""


def test_state_dict_through_file_object(wdir):
    """Saved through a file object, the root folder is 'archive/'."""
    torch.manual_seed(1)
    buf = io.BytesIO()
    torch.save(nn.LSTM(4, 3, num_layers=2).state_dict(), buf)
    path = str(wdir / "lstm.pt")
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    check_show(path)


def test_parameters_and_every_dtype(wdir):
    torch.manual_seed(2)
    obj = collections.OrderedDict((n, p) for n, p in Net().named_parameters())
    for dt in DTYPES:
        obj[DTYPE_NAMES[dt]] = (torch.randn(2, 3) * 50).to(dt)
    obj["scalar"] = torch.tensor(3, dtype=torch.int8)
    obj["empty"] = torch.zeros(0, 4)
    obj["strided"] = torch.randn(4, 6)[::2, 1::3]
    path = str(wdir / "params.pt")
    torch.save(obj, path)
    check_show(path)


def test_nested_containers(wdir):
    t = torch.arange(10, dtype=torch.int32)
    obj = {"model": Net().state_dict(),
           "optimizer": {"state": {0: {"step": 3, "exp_avg": torch.zeros(2)}},
                         "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                           "name": "adam", "amsgrad": False, "foreach": None}]},
           "views": [t, t[2:5], t.view(2, 5)],
           "epoch": 7, "big": -2 ** 62, "small": -129, "tuple": (1.5, "x"), "nothing": [], }
    path = str(wdir / "checkpoint.pt")
    torch.save(obj, path)
    check_show(path)


def test_single_tensor(wdir):
    path = str(wdir / "one.pt")
    torch.save(torch.randn(3, 4, dtype=torch.float64), path)
    proc = check_show(path)
    assert proc.stdout.startswith("(root)  float64   [3, 4]\n")


@pytest.mark.parametrize("name", ["state_dict", "dtypes", "nested", "tensor"])
def test_committed_torch2_files(name):
    check_show(os.path.join(REPO, "tests", "data", "weights", name + ".pt"))


def test_show_modes_on_weights(wdir):
    path = str(wdir / "w.pt")
    torch.save({"a": torch.ones(1)}, path)
    proc = run_tscript(["show", path, "--graph"])
    assert proc.returncode == 2 and "torch.save file" in proc.stderr
    assert_ok(run_tscript(["show", path, "--tree"]))


def test_run_on_weights_file_says_what_it_is(wdir):
    path = str(wdir / "w.pt")
    torch.save({"a": torch.ones(1)}, path)
    proc = run_tscript(["run", path, "randn:1"])
    assert proc.returncode == 1
    assert "w.pt: this is a torch.save file (weights), not a TorchScript archive" in proc.stderr
