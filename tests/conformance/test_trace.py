"""`tscript trace` against torch.jit.trace of the same source and weights.

The models live in one model.py written per test (the seed tutorial's
SimpleLinear and LoopingModel, and small models for the tracer's rules);
PyTorch imports the same file as module `model`, so both traces have the
same class names. Checks: the code of every traced method equals the code of
PyTorch's trace (after both are saved and loaded by PyTorch; mangle numbers,
which depend on the process's history, are normalised), PyTorch's load of
tscript's archive gives the trace's outputs, TracerWarnings come with the
source location, non-tensor inputs and outputs, list/dict outputs under
strict, wrong shapes, --check divergences and models that never return are
clean errors.
"""
import importlib.util
import os
import re
import sys

import numpy as np
import pytest
import torch

from harness import assert_error, assert_ok, assert_same_arrays, flatten, run_tscript
from harness import tscript_bin as harness_bin
from realistic import realistic

SOURCE = '''
from typing import Dict, List, Tuple
import torch
import torch.nn as nn
import torch.nn.functional as F


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


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x) * 2
        return self.fc(x) - 1


class Shapes(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        y = self.bn(self.conv(x))
        n = x.size(0)
        c = y.shape[1]
        z = y.view(n, -1) * 0.5
        return z + c, F.relu(z).flatten(1)


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 3)
        self.b = nn.Linear(4, 3)

    def forward(self, x, y):
        h = self.a(x)
        return h, (self.b(y), h + self.b(x))


class ListOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x) -> List[torch.Tensor]:
        return [self.fc(x), torch.tanh(x)]


class DictOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x) -> Dict[str, torch.Tensor]:
        return {"y": self.fc(x), "t": torch.tanh(x)}


class NumberOut(nn.Module):
    def forward(self, x):
        return 3


class TupleWithInt(nn.Module):
    def forward(self, x):
        return x * 2, (x.sum(), 3)


class NoneOut(nn.Module):
    def forward(self, x):
        y = x + 1
        return None


@torch.jit.script
def spin(x: torch.Tensor) -> torch.Tensor:
    while bool(x.sum() > -1.0e30):
        x = x + 1.0
    return x


@torch.jit.script
def halve_until(x: torch.Tensor, limit: float) -> torch.Tensor:
    while bool(x.abs().max() > limit):
        x = x / 2
    return x


class Halves(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 10)

    def forward(self, x):
        return halve_until(self.fc(x), 1.0)


class SpinsInScript(nn.Module):
    def forward(self, x):
        return spin(x * 2)


class Forever(nn.Module):
    def forward(self, x):
        while x.sum() > -1.0e30:
            x = x + 1.0
        return x
'''

MANGLE = re.compile(r"___torch_mangle_\d+")


@pytest.fixture
def model_py(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location("model", str(path))
    mod = importlib.util.module_from_spec(spec)
    sys.modules["model"] = mod
    spec.loader.exec_module(mod)
    yield path, mod
    sys.modules.pop("model", None)


def save_npy(tmp_path, name, t):
    p = tmp_path / name
    np.save(str(p), t.numpy())
    return str(p)


def weights_of(tmp_path, model):
    p = tmp_path / "w.pt"
    torch.save(model.state_dict(), str(p))
    return str(p)


def codes(module):
    """{path: code} of every module with a forward, mangle numbers normalised;
    a method's extra traced calls (forward1, ...) by their own code."""
    out = {}
    for path, sub in module.named_modules():
        try:
            out[path] = MANGLE.sub("___torch_mangle_N", sub.code)
        except (RuntimeError, AttributeError):
            pass
        for name in ("forward1", "forward2", "forward3"):
            if hasattr(sub, name):
                out[path + ":" + name] = getattr(sub, name).code
    return out


def inlined_kinds(module):
    g = module.forward.graph.copy()
    torch._C._jit_pass_inline(g)
    return [n.kind() for n in g.nodes()]


def pytorch_trace(tmp_path, model, *inputs):
    traced = torch.jit.trace(model, inputs)
    p = str(tmp_path / "pytorch.pt")
    torch.jit.save(traced, p)
    return torch.jit.load(p)


def tscript_trace(path, cls, args, weights, words, out, *extra):
    cmd = ["trace", "%s:%s" % (path, cls)] + (["--args", args] if args else [])
    cmd += (["--weights", weights] if weights else []) + list(words) + ["-o", out] + list(extra)
    return run_tscript(cmd)


def same_outputs(got, want):
    g, w = flatten(got), flatten(want)
    assert_same_arrays(g, w, [a.astype(np.float64) for a in w])


@pytest.mark.parametrize("cls,args,shape", [
    ("SimpleLinear", "10, 2", (3, 10)),
    ("LoopingModel", "10, 20, 5, 3", (2, 10)),
    ("Shapes", "", (2, 3, 5, 5)),
])
def test_trace_matches_pytorch(tmp_path, model_py, cls, args, shape):
    path, mod = model_py
    torch.manual_seed(0)
    model = realistic(eval("mod.%s(%s)" % (cls, args)), lambda: [torch.randn(*shape)])  # noqa: S307
    x = torch.randn(*shape)
    want = pytorch_trace(tmp_path, model, x)
    out = str(tmp_path / "tscript.pt")
    proc = tscript_trace(path, cls, args, weights_of(tmp_path, model), [save_npy(tmp_path, "x.npy", x)], out)
    assert_ok(proc)
    got = torch.jit.load(out)
    assert str(got) == str(want)
    assert codes(got) == codes(want)
    with torch.no_grad():
        same_outputs(got(x), want(x))


def test_looping_unrolled_three_times(tmp_path, model_py):
    """The seed's point: the trace records the loop's body once per iteration."""
    path, mod = model_py
    torch.manual_seed(1)
    model = mod.LoopingModel(10, 20, 5, 3).eval()
    out = str(tmp_path / "t.pt")
    x = torch.randn(1, 10)
    assert_ok(tscript_trace(path, "LoopingModel", "10, 20, 5, 3", weights_of(tmp_path, model),
                            [save_npy(tmp_path, "x.npy", x)], out))
    m = torch.jit.load(out)
    assert "prim::Loop" not in str(m.graph)
    calls = [n for n in m.graph.nodes() if n.kind() == "prim::CallMethod"]
    assert [n.s("name") for n in calls] == ["forward", "forward", "forward1", "forward2", "forward"]
    # a 5-loop model traced with 3 loops still computes 3: the trace fixed the count
    with torch.no_grad():
        same_outputs(m(x), model(x))


def test_nested_outputs(tmp_path, model_py):
    path, mod = model_py
    torch.manual_seed(2)
    model = mod.Nested().eval()
    x, y = torch.randn(2, 4), torch.randn(2, 4)
    want = pytorch_trace(tmp_path, model, x, y)
    out = str(tmp_path / "t.pt")
    assert_ok(tscript_trace(path, "Nested", "", weights_of(tmp_path, model),
                            [save_npy(tmp_path, "x.npy", x), save_npy(tmp_path, "y.npy", y)], out))
    got = torch.jit.load(out)
    assert codes(got) == codes(want)
    with torch.no_grad():
        r = got(x, y)
        assert isinstance(r, tuple) and isinstance(r[1], tuple)
        same_outputs(r, want(x, y))


def test_tracer_warning_has_location(tmp_path, model_py):
    path, mod = model_py
    x = torch.ones(2, 6)
    proc = tscript_trace(path, "Branchy", "", None, [save_npy(tmp_path, "x.npy", x)], str(tmp_path / "t.pt"))
    assert_ok(proc)
    line = SOURCE.splitlines().index("        if x.sum() > 0:") + 1
    warn = [ln for ln in proc.stderr.splitlines() if "TracerWarning" in ln]
    assert len(warn) == 1, proc.stderr
    assert "model.py:%d:" % line in warn[0] and "Python boolean" in warn[0], warn[0]


def test_check_reports_divergence(tmp_path, model_py):
    path, _ = model_py
    pos = save_npy(tmp_path, "pos.npy", torch.ones(2, 6))
    neg = save_npy(tmp_path, "neg.npy", -torch.ones(2, 6))
    out = str(tmp_path / "t.pt")
    assert_ok(tscript_trace(path, "Branchy", "", None, [pos], out, "--check"))
    os.remove(out)
    proc = tscript_trace(path, "Branchy", "", None, [pos], out, "--check-input", neg)
    assert_error(proc, "graphs differed across invocations", "script it instead")
    assert not os.path.exists(out)


def test_non_tensor_input_refused(tmp_path, model_py):
    path, _ = model_py
    x = save_npy(tmp_path, "x.npy", torch.randn(1, 5))
    proc = tscript_trace(path, "ConditionalModel", "5, 3", None, [x, "True"], str(tmp_path / "t.pt"))
    assert_error(proc, "condition", "bool", "cannot be traced", "tscript script")


def test_list_and_dict_outputs(tmp_path, model_py):
    path, mod = model_py
    x = torch.randn(2, 4)
    xw = save_npy(tmp_path, "x.npy", x)
    # a list of tensors is a TensorList: PyTorch's strict trace accepts it
    torch.manual_seed(3)
    model = mod.ListOut().eval()
    out = str(tmp_path / "l.pt")
    assert_ok(tscript_trace(path, "ListOut", "", weights_of(tmp_path, model), [xw], out))
    with torch.no_grad():
        same_outputs(torch.jit.load(out)(x), model(x))
    # a dict needs strict=False, as in PyTorch
    model = mod.DictOut().eval()
    w = weights_of(tmp_path, model)
    proc = tscript_trace(path, "DictOut", "", w, [xw], str(tmp_path / "d.pt"))
    assert_error(proc, "Encountering a dict at the output of the tracer", "--no-strict")
    with pytest.raises(Exception, match="dict at the output"):
        torch.jit.trace(model, (x,))
    assert_ok(tscript_trace(path, "DictOut", "", w, [xw], str(tmp_path / "d.pt"), "--no-strict"))
    with torch.no_grad():
        got = torch.jit.load(str(tmp_path / "d.pt"))(x)
        want = model(x)
        assert list(got) == list(want)
        same_outputs(list(got.values()), list(want.values()))


def test_bad_inputs_and_outputs(tmp_path, model_py):
    path, _ = model_py
    out = str(tmp_path / "t.pt")
    wrong = save_npy(tmp_path, "w.npy", torch.randn(2, 7))
    assert_error(tscript_trace(path, "SimpleLinear", "10, 2", None, [wrong], out))
    assert_error(tscript_trace(path, "SimpleLinear", "10, 2", None, [], out), "takes 1 input")
    x = save_npy(tmp_path, "x.npy", torch.randn(2, 10))
    assert_error(tscript_trace(path, "NumberOut", "", None, [x], out), "the output is an int", "tensors")
    proc = tscript_trace(path, "Forever", "", None, [x], out, "--timeout", "1")
    assert_error(proc, "time")
    assert not os.path.exists(out)


def test_bad_input_types_and_outputs(tmp_path, model_py):
    """Inputs of the wrong type for the model, outputs that are not tensors
    (named by their place in the output), a scripted function that never
    returns inside a trace (the deadline applies there too): clean errors
    naming what and where, exit 1, no file written; PyTorch refuses the same
    models."""
    path, mod = model_py
    out = str(tmp_path / "t.pt")
    ints = str(tmp_path / "i.npy")
    np.save(ints, np.arange(20, dtype=np.int64).reshape(2, 10))
    proc = tscript_trace(path, "SimpleLinear", "10, 2", None, [ints], out)
    assert_error(proc, "dtype", "int64", "float32", "model.py:")
    with pytest.raises(RuntimeError):
        torch.jit.trace(mod.SimpleLinear(10, 2), (torch.from_numpy(np.load(ints)),))
    assert_error(tscript_trace(path, "SimpleLinear", "10, 2", None, ["3"], out), "input 1 (x)", "'int'",
                 "cannot be traced")
    x = torch.randn(2, 10)
    xw = save_npy(tmp_path, "x.npy", x)
    assert_error(tscript_trace(path, "TupleWithInt", "", None, [xw], out), "the output[1][1] is an int")
    with pytest.raises(RuntimeError, match="Only tensors"):
        torch.jit.trace(mod.TupleWithInt(), (x,))
    assert_error(tscript_trace(path, "NoneOut", "", None, [xw], out), "the output is a NoneType")
    with pytest.raises(RuntimeError):
        torch.jit.trace(mod.NoneOut(), (x,))
    proc = tscript_trace(path, "SpinsInScript", "", None, [xw], out, "--timeout", "1")
    assert_error(proc, "time limit", "in __torch__.model.spin")
    assert not os.path.exists(out)
    # an archive traced with a non-tensor input
    scripted = str(tmp_path / "s.pt")
    torch.jit.save(torch.jit.script(mod.SimpleLinear(10, 2)), scripted)
    assert_error(run_tscript(["trace", scripted, "True", "-o", out]), "'bool'", "cannot be traced")
    assert not os.path.exists(out)


def test_scripted_calls_stay_calls(tmp_path, model_py):
    """`tscript trace model.py`: a @torch.jit.script function called from the
    traced forward stays a prim::CallFunction, as in PyTorch's trace, so its
    while loop still runs as often as each input needs."""
    path, mod = model_py
    torch.manual_seed(5)
    model = mod.Halves().eval()
    x = torch.randn(2, 10)
    out = str(tmp_path / "t.pt")
    assert_ok(tscript_trace(path, "Halves", "", weights_of(tmp_path, model), [save_npy(tmp_path, "x.npy", x)], out))
    m = torch.jit.load(out)
    want = pytorch_trace(tmp_path, model, x)
    # PyTorch's name of the function depends on how often this process imported model.py
    # (___torch_mangle_N after the first): compare the graphs, inlined
    assert inlined_kinds(m) == inlined_kinds(want)
    assert "prim::Loop" in inlined_kinds(m)
    assert "__torch__.model.halve_until(" in m.code
    assert [n.kind() for n in m.graph.nodes() if n.kind().startswith(("prim::Call", "aten::"))] == [
        "prim::CallMethod", "prim::CallFunction"]
    with torch.no_grad():
        for scale in (1.0, 100.0, 1e4):
            z = torch.randn(3, 10) * scale
            same_outputs(m(z), model(z))


def test_trace_scripted_archive(tmp_path, model_py):
    """`tscript trace MODEL.pt`: a scripted archive specialised to one path."""
    _, mod = model_py
    torch.manual_seed(4)
    model = mod.LoopingModel(10, 20, 5, 3).eval()
    scripted = str(tmp_path / "s.pt")
    torch.jit.save(torch.jit.script(model), scripted)
    x = torch.randn(3, 10)
    out = str(tmp_path / "t.pt")
    assert_ok(run_tscript(["trace", scripted, save_npy(tmp_path, "x.npy", x), "-o", out, "--check"]))
    m = torch.jit.load(out)
    assert "prim::Loop" not in str(m.graph)
    with torch.no_grad():
        same_outputs(m(x), model(x))


def test_c_example_loads_in_pytorch(tmp_path):
    """examples/trace.c: a model built and traced with the ts_trace_* C calls,
    saved; PyTorch loads the file and gives what tscript gave (the trace's own
    run and tscript's reload of the file), and its graph is the recorded ops
    with the loaded module kept as a call of submodule `head`."""
    import subprocess
    exe = os.path.join(os.environ.get("TSCRIPT_BUILD") or os.path.dirname(harness_bin()), "trace_example")
    assert os.path.exists(exe), "build the trace_example target (CMakeLists.txt)"
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = str(tmp_path / "c_traced.pt")
    proc = subprocess.run([exe, out, os.path.join(repo, "examples", "simple_linear.pt")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = {}
    for line in proc.stdout.splitlines():
        words = line.split()
        if words and words[0] != "saved":
            rows[words[0]] = np.array([float(w) for w in words[1:]], dtype=np.float32)
    # the input is torch.randn(2, 10) after torch.manual_seed(0), bit for bit
    torch.manual_seed(0)
    x = torch.randn(2, 10)
    assert np.array_equal(rows["x"], x.numpy().ravel())
    m = torch.jit.load(out)
    kinds = [n.kind() for n in m.graph.nodes()]
    assert [k for k in kinds if k.startswith("aten::") or k == "prim::CallMethod"] == [
        "aten::linear", "aten::relu", "prim::CallMethod", "aten::softmax"], kinds
    assert [n.s("name") for n in m.graph.nodes() if n.kind() == "prim::CallMethod"] == ["forward"]
    assert sorted(dict(m.named_children())) == ["fc", "head"]
    assert sorted(k for k, _ in m.named_parameters()) == ["fc.bias", "fc.weight", "head.linear.bias",
                                                          "head.linear.weight"]
    with torch.no_grad():
        y, p = m(x)
    want = flatten((y, p))
    for prefix in ("traced", "reloaded"):
        got = [rows[prefix + ".y"].reshape(2, 2), rows[prefix + ".p"].reshape(2, 2)]
        assert_same_arrays(got, want, [a.astype(np.float64) for a in want])
