"""Mixed tracing and scripting, and torch.jit.trace's nested inputs and
outputs, against PyTorch 1.13.

Each script runs under `tscript exec --seed S` and under real PyTorch with
the same seed (test_exec.py's runners) in folders of their own, and their
stdout must agree (test_exec.assert_same_stdout: the code PyTorch prints,
the outputs, rounded). Then the archives each side saved are loaded by
PyTorch side by side: the same code for every method, the same outputs on
inputs of other shapes and signs (so the scripted control flow that the
trace kept is exercised: a loop whose count is the batch size, a branch on
the values).

What PyTorch does and these scripts check:
  - a @torch.jit.script function called from traced code stays a
    prim::CallFunction, and a torch.jit.script(Sub()) submodule a
    prim::CallMethod to its scripted forward (mixed_script_in_trace);
  - a traced module held by a scripted one is called as a method, and the
    scripted loop around it survives (mixed_trace_in_script); both at once:
    a trace that keeps a scripted function's call, held by a scripted module
    (mixed_both_ways);
  - tuple, list and dict inputs, nested tuple/list outputs, strict=True
    refusing a dict output and warning about a list, strict=False accepting
    the dict (nested).
"""
import re

import pytest
import torch

import harness
from test_exec import assert_same_stdout, run_exec, run_torch

SCRIPTS = {
    "mixed_script_in_trace": r'''
import torch
import torch.nn as nn


@torch.jit.script
def clip(x: torch.Tensor, limit: float) -> torch.Tensor:
    if bool(x.abs().max() > limit):
        return x.clamp(-limit, limit)
    return x


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        for i in range(x.size(0)):
            x = x + self.fc(x) * 0.1
        return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.gate = torch.jit.script(Gate())

    def forward(self, x):
        return self.gate(clip(self.fc(x), 0.5))


net = Net().eval()
x = torch.randn(3, 4)
traced = torch.jit.trace(net, (x,))
print(traced.code)
print(traced.gate.code)
for shape in [(3, 4), (5, 4), (1, 4)]:
    z = torch.randn(*shape) * 0.1
    print(shape, torch.allclose(traced(z), net(z)), traced(z))
torch.jit.save(traced, "saved.pt")
back = torch.jit.load("saved.pt")
z = torch.randn(6, 4)
print(back(z))
print(torch.allclose(back(z), net(z)))
''',
    "mixed_trace_in_script": r'''
import torch
import torch.nn as nn


class Body(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        if x.sum() > 0:
            return torch.relu(self.fc(x))
        return self.fc(x)


class Outer(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body
        self.out = nn.Linear(4, 2)

    def forward(self, x, n: int):
        for _ in range(n):
            x = self.body(x)
        return self.out(x)


x = torch.ones(3, 4)
body = torch.jit.trace(Body().eval(), (x,))
outer = torch.jit.script(Outer(body).eval())
print(outer.code)
print(outer.body.code)
z = torch.randn(3, 4)
print(outer(z, 2))
torch.jit.save(outer, "saved.pt")
back = torch.jit.load("saved.pt")
print(back(z, 3))
print(back.body.code)
''',
    "mixed_both_ways": r'''
import torch
import torch.nn as nn


@torch.jit.script
def clip(x: torch.Tensor, limit: float) -> torch.Tensor:
    if bool(x.abs().max() > limit):
        return x.clamp(-limit, limit)
    return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return clip(self.fc(x), 0.5)


class Outer(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x, n: int):
        for _ in range(n):
            x = self.inner(x)
        return x * 2


x = torch.randn(3, 4)
traced = torch.jit.trace(Net().eval(), (x,))
outer = torch.jit.script(Outer(traced))
print(outer.code)
print(outer.inner.code)
# detached: tscript's autograd names call a Scalar mul MulBackward0, PyTorch MulBackward1
print(outer(x, 2).detach())
torch.jit.save(outer, "saved.pt")
back = torch.jit.load("saved.pt")
print(back(torch.randn(5, 4) * 4, 3).detach())
''',
    "nested": r'''
import torch
import torch.nn as nn
from typing import Dict, List, Tuple


class Nest(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, pair: Tuple[torch.Tensor, torch.Tensor], xs: List[torch.Tensor], d: Dict[str, torch.Tensor]):
        a, b = pair
        h = self.fc(a + b)
        s = xs[0] * xs[1]
        return (h, (s, d["k"] - 1.0)), [h.sum(1), s.mean(0)]


class DictOut(nn.Module):
    def forward(self, x, y):
        return {"sum": x + y, "prod": x * y}


class ListIn(nn.Module):
    def forward(self, xs: List[torch.Tensor]):
        return torch.cat(xs, 0).tanh()


m = Nest().eval()
ex = ((torch.randn(2, 4), torch.randn(2, 4)), [torch.randn(3), torch.randn(3)], {"k": torch.randn(2, 2)})
t = torch.jit.trace(m, ex)
print(t.code)
print(t(*ex))
new = ((torch.randn(5, 4), torch.randn(5, 4)), [torch.randn(3), torch.randn(3)], {"k": torch.randn(1, 2)})
print(t(*new))
torch.jit.save(t, "saved.pt")
back = torch.jit.load("saved.pt")
print(back(*new)[1])
try:
    torch.jit.trace(DictOut(), (torch.randn(2), torch.randn(2)))
except Exception as e:
    print("strict:", type(e).__name__, "dict at the output" in str(e))
d = torch.jit.trace(DictOut(), (torch.randn(2), torch.randn(2)), strict=False)
print(d.code)
print(d(torch.ones(2), torch.full((2,), 3.0)))
li = torch.jit.trace(ListIn(), ([torch.randn(2, 3), torch.randn(1, 3)],))
print(li.code)
print(li([torch.ones(1, 3), torch.zeros(2, 3)]))
''',
}

# Inputs for comparing the two saved archives in PyTorch: (args...) per call.
PROBES = {
    "mixed_script_in_trace": lambda: [(torch.randn(n, 4) * s,) for n in (1, 3, 7) for s in (0.05, 3.0)],
    "mixed_trace_in_script": lambda: [(torch.randn(3, 4) * s, k) for s in (1.0, -1.0) for k in (0, 1, 4)],
    "mixed_both_ways": lambda: [(torch.randn(n, 4) * s, k) for n in (1, 3) for s in (0.1, 5.0) for k in (0, 2)],
    "nested": lambda: [((torch.randn(n, 4), torch.randn(n, 4)), [torch.randn(3), torch.randn(3)],
                        {"k": torch.randn(2, 2)}) for n in (1, 4)],
}

# What tscript writes on stderr: PyTorch's TracerWarnings (with tscript's
# source location), each once.
STDERR = {
    "mixed_script_in_trace": [],
    "mixed_trace_in_script": ["Converting a tensor to a Python boolean"],
    "nested": ["Encountering a list at the output of the tracer"],
    "mixed_both_ways": [],
}


def codes(m):
    out = {}
    for path, sub in m.named_modules():
        try:
            out[path] = re.sub(r"___torch_mangle_\d+", "___torch_mangle_N", sub.code)
        except (RuntimeError, AttributeError):
            pass
    return out


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_mixed_and_nested(name, tmp_path):
    mine, theirs = tmp_path / "tscript", tmp_path / "pytorch"
    mine.mkdir()
    theirs.mkdir()
    for d in (mine, theirs):
        (d / (name + ".py")).write_text(SCRIPTS[name])
    got = run_exec(str(mine / (name + ".py")), 3)
    harness.assert_ok(got)
    want = run_torch(str(theirs / (name + ".py")), 3)
    assert want.returncode == 0, want.stderr
    assert_same_stdout(got.stdout, want.stdout, name)
    lines = [ln for ln in got.stderr.splitlines() if ln.strip()]
    assert len(lines) == len(STDERR[name]), got.stderr
    for ln, needle in zip(lines, STDERR[name]):
        assert "TracerWarning" in ln and needle in ln, ln
    # each side's archive, loaded by PyTorch
    a, b = torch.jit.load(str(mine / "saved.pt")), torch.jit.load(str(theirs / "saved.pt"))
    assert codes(a) == codes(b)
    torch.manual_seed(0)
    with torch.no_grad():
        for args in PROBES[name]():
            ra, rb = a(*args), b(*args)
            fa, fb = harness.flatten(ra), harness.flatten(rb)
            harness.assert_same_arrays(fa, fb, [x.astype("float64") for x in fb])
