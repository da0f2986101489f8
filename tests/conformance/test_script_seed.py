"""Scripting from source: the seed tutorial's models (tests/script/seed/, the
listings' classes as written) built by tscript from model.py with --args and
a state_dict PyTorch saved, run with `tscript run`, against PyTorch 1.13
constructing the same class, loading the same state_dict and calling it;
`show --tree` against print(torch.jit.script(m)); and bad input (unknown
classes, syntax errors, constructor exceptions, mismatched weights, an
__init__ that never ends), each a clean error.
"""
import importlib.util
import os
import re
import textwrap

import numpy as np
import pytest
import torch

import harness

SEED = os.path.join(harness.REPO, "tests", "script", "seed")

CASES = [
    # file, class, args, inputs (built from a seeded generator)
    ("simple_linear.py", "SimpleLinear", "10, 2", lambda g: [torch.randn(3, 10, generator=g)]),
    ("conditional.py", "ConditionalModel", "5, 3", lambda g: [torch.randn(1, 5, generator=g), torch.tensor(True)]),
    ("conditional.py", "ConditionalModel", "5, 3", lambda g: [torch.randn(1, 5, generator=g), torch.tensor(False)]),
    ("scripted_conditional.py", "ScriptedConditionalModel", "5,3", lambda g: [torch.randn(1, 5, generator=g), False]),
    ("looping.py", "LoopingModel", "10, 20, 5, 3", lambda g: [torch.randn(1, 10, generator=g)]),
    ("scripted_looping.py", "ScriptedLoopingModel", "10, 20, 5, 5", lambda g: [torch.randn(2, 10, generator=g)]),
]


def load_class(path, name):
    """The class from the file, with a @torch.jit.script on an nn.Module class
    (which PyTorch rejects) taken off, so PyTorch can build the reference."""
    src = open(path).read().replace("@torch.jit.script\n", "")
    mod = type(importlib)("seedmodel")
    exec(compile(src, path, "exec"), mod.__dict__)
    return getattr(mod, name)


def build(path, name, args):
    cls = load_class(path, name)
    torch.manual_seed(1234)
    return eval("cls(%s)" % args, {"cls": cls})


@pytest.mark.parametrize("fname,cls,args,make_inputs", CASES)
def test_seed_run_with_weights(tmp_path, fname, cls, args, make_inputs):
    path = os.path.join(SEED, fname)
    m = build(path, cls, args)
    weights = tmp_path / "w.pt"
    torch.save(m.state_dict(), weights)
    inputs = make_inputs(torch.Generator().manual_seed(7))
    with torch.no_grad():
        want = m(*inputs)
    words = harness.input_words(inputs, str(tmp_path))
    out = tmp_path / "out"
    proc = harness.run_tscript(["run", "%s:%s" % (path, cls), "--args", args, "--weights", weights,
                                "-o", out] + words)
    harness.assert_ok(proc)
    got = harness.read_outputs(str(out))
    harness.assert_same_arrays(got, harness.flatten(want))
    if fname.startswith("scripted_"):
        assert "warning: @torch.jit.script on the nn.Module class" in proc.stderr
        assert proc.stderr.count("warning:") == 1


@pytest.mark.parametrize("fname,cls,args", [(c[0], c[1], c[2]) for c in CASES[:1] + CASES[4:5]])
def test_seed_tree(tmp_path, fname, cls, args):
    path = os.path.join(SEED, fname)
    m = build(path, cls, args)
    weights = tmp_path / "w.pt"
    torch.save(m.state_dict(), weights)
    want = str(torch.jit.script(m))
    proc = harness.run_tscript(["show", path, "--args", args, "--weights", weights, "--tree"])
    harness.assert_ok(proc)
    assert proc.stdout.strip() == want.strip()


def test_class_can_be_omitted(tmp_path):
    path = os.path.join(SEED, "simple_linear.py")
    m = build(path, "SimpleLinear", "10, 2")
    torch.save(m.state_dict(), tmp_path / "w.pt")
    proc = harness.run_tscript(["run", path, "--args", "10, 2", "--weights", tmp_path / "w.pt",
                                "randn:2,10"])
    harness.assert_ok(proc)
    assert proc.stdout.startswith("tensor([[")


def test_keyword_args_and_defaults(tmp_path):
    src = tmp_path / "kw.py"
    src.write_text(textwrap.dedent("""\
        import torch
        import torch.nn as nn
        import math

        HIDDEN = 4

        def widths(n, base):
            return [base * (i + 1) for i in range(n)]

        class Stack(nn.Module):
            def __init__(self, inp, *sizes, depth=2, scale: float = 0.5, name=f"s{HIDDEN}"):
                super().__init__()
                ws = widths(depth, HIDDEN) + list(sizes)
                layers = []
                prev = inp
                for w in ws:
                    layers.append(nn.Linear(prev, w))
                    prev = w
                self.layers = nn.ModuleList(layers)
                self.head = nn.Sequential(nn.Linear(prev, 3), nn.ReLU())
                self.scale = scale * math.sqrt(4.0)
                self.register_buffer("offset", torch.ones(3))
                self.tag = f"{name}:{len(ws)}"

            def forward(self, x):
                for layer in self.layers:
                    x = torch.relu(layer(x))
                return self.head(x) * self.scale + self.offset
        """))
    ns = {}
    exec(compile(src.read_text(), str(src), "exec"), ns)
    torch.manual_seed(3)
    m = ns["Stack"](5, 6, depth=3)
    torch.save(m.state_dict(), tmp_path / "w.pt")
    x = torch.randn(2, 5, generator=torch.Generator().manual_seed(1))
    want = m(x).detach()
    words = harness.input_words([x], str(tmp_path))
    proc = harness.run_tscript(["run", src, "--args", "5, 6, depth=3", "--weights", tmp_path / "w.pt",
                                "-o", tmp_path / "out"] + words)
    harness.assert_ok(proc)
    harness.assert_same_arrays(harness.read_outputs(str(tmp_path / "out")), harness.flatten(want))


def test_bad_weights(tmp_path):
    path = os.path.join(SEED, "conditional.py")
    m = build(path, "ConditionalModel", "5, 3")
    sd = m.state_dict()
    sd["extra.weight"] = torch.zeros(1)
    del sd["linear2.bias"]
    sd["linear1.weight"] = torch.zeros(4, 5)
    torch.save(sd, tmp_path / "w.pt")
    proc = harness.run_tscript(["run", path, "--args", "5, 3", "--weights", tmp_path / "w.pt",
                                "randn:1,5", "randn:1"])
    harness.assert_error(proc, 'missing key(s) in state_dict: "linear2.bias"',
                         'unexpected key(s) in state_dict: "extra.weight"',
                         "size mismatch for linear1.weight: copying a param with shape [4, 5] from "
                         "checkpoint, the shape in current model is [3, 5]")


def test_checkpoint_key(tmp_path):
    path = os.path.join(SEED, "simple_linear.py")
    m = build(path, "SimpleLinear", "10, 2")
    torch.save({"epoch": 3, "model": m.state_dict()}, tmp_path / "ck.pt")
    x = torch.randn(1, 10, generator=torch.Generator().manual_seed(2))
    words = harness.input_words([x], str(tmp_path))
    proc = harness.run_tscript(["run", path, "--args", "10, 2", "--weights", tmp_path / "ck.pt",
                                "--weights-key", "model", "-o", tmp_path / "o"] + words)
    harness.assert_ok(proc)
    harness.assert_same_arrays(harness.read_outputs(str(tmp_path / "o")), harness.flatten(m(x).detach()))
    proc = harness.run_tscript(["run", path, "--args", "10, 2", "--weights", tmp_path / "ck.pt"] + words)
    harness.assert_error(proc, "unexpected key(s) in state_dict: \"epoch\", \"model\"")


def write(tmp_path, text):
    p = tmp_path / "bad.py"
    p.write_text(textwrap.dedent(text))
    return p


def test_bad_sources(tmp_path):
    p = write(tmp_path, """\
        import torch.nn as nn
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.x = undefined_name
        """)
    harness.assert_error(harness.run_tscript(["show", p]), "bad.py:5:18: error: NameError: name 'undefined_name' is not defined")
    p = write(tmp_path, "import torch\nclass M(:\n")
    harness.assert_error(harness.run_tscript(["show", p]), "bad.py:2:8: error: '(' was never closed")
    p = write(tmp_path, """\
        import torch.nn as nn
        class M(nn.Module):
            def __init__(self, n):
                super().__init__()
                if n < 0:
                    raise ValueError(f"n must be >= 0, got {n}")
        """)
    harness.assert_error(harness.run_tscript(["show", p, "--args", "-2"]), "ValueError: n must be >= 0, got -2")
    harness.assert_error(harness.run_tscript(["show", p]), "missing required argument 'n'")
    harness.assert_error(harness.run_tscript(["show", "%s:Nope" % p]), "defines no class 'Nope'")
    p = write(tmp_path, """\
        import torch.nn as nn
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                while True:
                    pass
        """)
    harness.assert_error(harness.run_tscript(["show", p, "--timeout", "0.5"]), "timed out")
    p = write(tmp_path, """\
        import torch.nn as nn
        class M(nn.Module):
            def __init__(self):
                self.l = nn.Linear(2, 2)
        """)
    harness.assert_error(harness.run_tscript(["show", p]), "before Module.__init__() call")


@pytest.mark.parametrize("fname,cls,args,make_inputs", [c for c in CASES if "conditional" not in c[0]])
@pytest.mark.parametrize("seed", [0, 31337])
def test_seed_run_with_manual_seed(tmp_path, fname, cls, args, make_inputs, seed):
    """--seed S: the parameters PyTorch makes after torch.manual_seed(S) and
    constructing; the inputs are randn: words drawn after a second
    torch.manual_seed(S), as `run --seed` does for archives."""
    path = os.path.join(SEED, fname)
    model_cls = load_class(path, cls)
    torch.manual_seed(seed)
    m = eval("cls(%s)" % args, {"cls": model_cls})
    shape = list(make_inputs(torch.Generator())[0].shape)
    torch.manual_seed(seed)
    x = torch.randn(*shape)
    with torch.no_grad():
        want = m(x)
    proc = harness.run_tscript(["run", "%s:%s" % (path, cls), "--args", args, "--seed", seed, "-o",
                                tmp_path / "o", "randn:" + ",".join(map(str, shape))])
    harness.assert_ok(proc)
    harness.assert_same_arrays(harness.read_outputs(str(tmp_path / "o")), harness.flatten(want))
