"""The code/ dialect beyond the seed models: scripted modules whose printed
code uses loops with carried values, while loops, Optional refinement with
unchecked_cast, list and dict attributes, tuples of mixed outputs, string
formatting in raised errors, free functions from torch.nn.functional, and
the archive-version upgrader of torch.div. Each is written by real PyTorch
and compared with torch.jit.load(path)(*inputs).
"""
from enum import Enum
from typing import Dict, List, Optional, Tuple

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from harness import assert_error, check_model, input_words, rewrite_zip, run_tscript, script


class ControlFlow(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(3))
        self.scales: List[float] = [0.5, 2.0]
        self.names: Dict[str, int] = {"a": 1, "b": 2}

    def forward(self, x: torch.Tensor, n: int = 3,
                bias: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, int]:
        y = x
        for i in range(n):
            if i % 2 == 0:
                y = y + self.w
            else:
                y = y * 2.0
        k = 0
        while n > 0:
            n -= 1
            y = y.relu()
            k += 1
        if bias is not None:
            y = y - bias
        for s in self.scales:
            y = y * s
        total = 0
        for key, v in self.names.items():
            total += v
        if x.dim() != 1:
            raise ValueError("expected 1D input (got {}D input)".format(x.dim()))
        return y, total + k


def control_flow(archive):
    return archive("lang_control_flow", lambda: script(ControlFlow()))


# An input that keeps elements of both signs through the loops, so the relus
# leave a non-constant output (a random one can end all negative: zeros).
X = torch.tensor([1.5, -0.5, 2.0])


@pytest.mark.parametrize("n", [0, 1, 4])
def test_loops_and_optional_none(archive, rundir, n):
    check_model(control_flow(archive), [X, n, None], rundir)


def test_optional_tensor_given(archive, rundir):
    check_model(control_flow(archive), [X, 2, torch.randn(3)], rundir)


def test_default_arguments(archive, rundir):
    """forward(x) alone: n=3 and bias=None come from the signature's defaults."""
    check_model(control_flow(archive), [X], rundir)


def test_raise_with_formatted_message(archive, rundir):
    path = control_flow(archive)
    words = input_words([torch.randn(2, 3)], rundir)
    proc = run_tscript(["run", path] + words)
    assert_error(proc, "builtins.ValueError: expected 1D input (got 2D input)",
                 "TorchScript traceback")


class Functional(nn.Module):
    def forward(self, x: torch.Tensor, scale: float) -> torch.Tensor:
        return F.relu(x) * scale - torch.tanh(x) / 2


def test_free_functions_and_scalars(archive, rundir):
    path = archive("lang_functional", lambda: script(Functional()))
    check_model(path, [torch.randn(2, 4), 1.5], rundir)


class Divide(nn.Module):
    def forward(self, x: torch.Tensor, y: torch.Tensor):
        return torch.div(x, 2), torch.div(x, y), torch.div(x.float(), 2)


@pytest.mark.parametrize("version", [b"3\n", b"4\n"])
def test_div_upgrader_follows_archive_version(archive, rundir, version):
    """Archives of format version 3 meant truncating division for integer
    tensors; version 4 and later mean true division. PyTorch applies an
    upgrader when it loads version 3; so does tscript."""
    src = archive("lang_divide", lambda: script(Divide()))
    path = rundir + "/divide_v%s.pt" % version.decode().strip()
    rewrite_zip(src, path, lambda name, data: version if name.endswith("version") else data)
    x = torch.tensor([5, 7, -7, 0])
    y = torch.tensor([2, -2, 2, 3])
    check_model(path, [x, y], rundir + "/run")


class Containers(nn.Module):
    def forward(self, x: torch.Tensor) -> Tuple[List[torch.Tensor], Dict[str, torch.Tensor], int, float]:
        parts: List[torch.Tensor] = []
        for i in range(3):
            parts.append(x * float(i + 1))
        d = {"sum": parts[0] + parts[1], "last": parts[-1]}
        return parts, d, len(parts), 2.5


def test_container_outputs_flatten_in_order(archive, rundir):
    """Lists, dict values in insertion order, and Python numbers as 0-dim arrays."""
    path = archive("lang_containers", lambda: script(Containers()))
    check_model(path, [torch.randn(2, 2)], rundir)


class Printer(nn.Module):
    def forward(self, x: int, y: float) -> int:
        print("value", x, y, 2.5, [1, 2], (3, "a"), None, True, {"k": 1.0})
        return x + 1


def test_print_goes_to_stdout_like_pytorch(archive, rundir):
    """TorchScript's print() writes its arguments as PyTorch's interpreter
    formats them; tscript's CLI shows them before the result."""
    import subprocess
    import sys
    path = archive("lang_print", lambda: script(Printer()))
    code = "import torch; torch.jit.load(%r)(4, 0.1)" % path
    ref = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    proc = run_tscript(["run", path, "4", "0.1"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == ref.stdout.splitlines()[0]
    assert proc.stdout.splitlines()[1] == "5"


class Color(Enum):
    RED = 1
    GREEN = 2


class EnumModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = Color.GREEN

    def forward(self, x: torch.Tensor, k: int) -> Tuple[torch.Tensor, int, bool]:
        c = Color.RED if k == 0 else self.c
        if c == Color.RED:
            y = x + 1.0
        else:
            y = x * 2.0
        return y, c.value, self.c == Color.GREEN and c.name == "GREEN"


@pytest.mark.parametrize("k", [0, 1])
def test_enum_attribute_members_and_comparison(archive, rundir, k):
    """An enum attribute in data.pkl (GLOBAL __torch__.Color + value), enum
    members in code, .value/.name and == between enum values."""
    path = archive("lang_enum", lambda: script(EnumModule()))
    check_model(path, [torch.randn(3), k], rundir)


class Devices(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros([2, 3], dtype=torch.float64, device=torch.device("cpu")) + x.to(torch.device("cpu"))


def test_device_literals(archive, rundir):
    path = archive("lang_devices", lambda: script(Devices()))
    check_model(path, [torch.randn(2, 3)], rundir)


class WithState(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.randn(3)
        self.n = 5
        self.flag = True

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, int, bool]:
        return (self.w, self.n, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, int, bool]) -> None:
        self.w = state[0] * 2.0
        self.n = state[1] + 1
        self.training = state[2]
        self.flag = False

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, bool]:
        return x * self.w + self.n, self.flag


def test_setstate_runs_at_load(archive, rundir):
    """data.pkl holds __getstate__'s tuple; loading runs __setstate__ on it."""
    path = archive("lang_setstate", lambda: script(WithState()))
    check_model(path, [torch.randn(3)], rundir)
