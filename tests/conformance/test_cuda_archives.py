"""Archives saved from CUDA tensors load and run on the CPU.

There is no GPU here, so the CUDA archives are made the way a GPU save differs
from a CPU one: the storages' location in the persistent ids of data.pkl and
constants.pkl becomes 'cuda:0' (or 'cuda'), and device constants in traced
code become torch.device("cuda:0") (tracing on a GPU bakes x.device in).
tscript loads such tensors on the CPU, treats the cuda device in code as the
CPU, and notes it on stderr; the reference is PyTorch running the original
CPU archive, which computes the same thing.
"""
import re

import pytest
import torch
import torch.nn as nn

from harness import (assert_ok, assert_same_arrays, flatten, rewrite_zip, run_model,
                     run_tscript, torch_reference)


def to_cuda_location(data, location):
    """Every persistent id's 'cpu' location in a pickle becomes location."""
    old = b"X\x03\x00\x00\x00cpu"
    new = b"X" + len(location).to_bytes(4, "little") + location.encode()
    assert old in data
    return data.replace(old, new)


def cudify(src, dst, location="cuda:0", code=True):
    def edit(name, data):
        if code and name.endswith("test_cuda_archives.py"):
            assert b'torch.device("cpu")' in data
        if name.endswith("/data.pkl") or (name.endswith("/constants.pkl") and b"cpu" in data):
            return to_cuda_location(data, location)
        if code and name.endswith(".py"):
            return data.replace(b'torch.device("cpu")', b'torch.device("%s")' % location.encode())
        return data
    rewrite_zip(src, dst, edit)


class MakesTensors(nn.Module):
    """Traced, its code creates tensors on x.device and moves a constant there."""
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.register_buffer("offset", torch.randn(3))

    def forward(self, x):
        z = torch.ones(x.shape[0], 3, device=x.device) * 0.5
        return self.lin(x) + self.offset + z + torch.tensor([1.0, 2.0, 3.0]).to(x.device)


class MovesDevices(nn.Module):
    """Scripted: .cuda() / .cpu() / is_cuda / .to(device) in code."""
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)

    def forward(self, x):
        if x.is_cuda:
            x = x * 2.0
        y = self.lin(x.cpu())
        return y.to(torch.device("cpu")) + 1.0


@pytest.mark.parametrize("location", ["cuda:0", "cuda:1", "cuda"])
def test_traced_cuda_archive(tmp_path, location):
    torch.manual_seed(3)
    x = torch.randn(2, 4)
    src = str(tmp_path / "cpu.pt")
    torch.jit.trace(MakesTensors().eval(), x).save(src)
    dst = str(tmp_path / "gpu.pt")
    cudify(src, dst, location)
    expected = torch_reference(src, [x])
    proc, got = run_model(dst, [x], str(tmp_path / "run"))
    assert_same_arrays(got, flatten(expected))
    note = "tscript: note: %s: tensors saved on %s are loaded on the cpu" % (dst, location)
    assert note in proc.stderr
    show = run_tscript(["show", dst])
    assert_ok(show)
    assert note in show.stderr
    assert "note" not in run_tscript(["show", src]).stderr


def test_scripted_cuda_calls(tmp_path):
    torch.manual_seed(4)
    x = torch.randn(3, 4)
    src = str(tmp_path / "cpu.pt")
    torch.jit.script(MovesDevices().eval()).save(src)
    dst = str(tmp_path / "gpu.pt")

    def edit(name, data):
        if name.endswith("/data.pkl"):
            return to_cuda_location(data, "cuda:0")
        if name.endswith("test_cuda_archives.py"):
            assert b"torch.cpu(x0)" in data and b'torch.device("cpu")' in data
            return data.replace(b"torch.cpu(x0)", b"torch.cuda(x0)").replace(
                b'torch.device("cpu")', b'torch.device("cuda:0")')
        return data
    rewrite_zip(src, dst, edit)
    expected = torch_reference(src, [x])
    proc, got = run_model(dst, [x], str(tmp_path / "run"))
    assert_same_arrays(got, flatten(expected))
    assert "saved on cuda:0" in proc.stderr


def test_cuda_weights_file(tmp_path):
    src = str(tmp_path / "w.pt")
    torch.save({"w": torch.ones(2, 3), "b": torch.zeros(3, dtype=torch.float16)}, src)
    dst = str(tmp_path / "w_cuda.pt")
    rewrite_zip(src, dst, lambda n, d: to_cuda_location(d, "cuda:0") if n.endswith("/data.pkl") else d)
    proc = run_tscript(["show", dst])
    assert_ok(proc)
    assert re.search(r"^w\s+float32\s+\[2, 3\]$", proc.stdout, re.M)
    assert "tensors saved on cuda:0 are loaded on the cpu" in proc.stderr


def test_other_devices_in_code_fail_clearly(tmp_path):
    torch.manual_seed(5)
    x = torch.randn(2, 4)
    src = str(tmp_path / "cpu.pt")
    torch.jit.trace(MakesTensors().eval(), x).save(src)
    dst = str(tmp_path / "meta.pt")
    rewrite_zip(src, dst, lambda n, d: d.replace(b'torch.device("cpu")', b'torch.device("meta")')
                if n.endswith(".py") else d)
    proc = run_tscript(["run", dst, "randn:2,4"])
    assert proc.returncode == 1
    assert "only the cpu device is supported" in proc.stderr
