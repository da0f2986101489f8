"""The tscript command line: printing, `show`, `-o` files, input words, usage.

Printed results must equal repr() of what PyTorch returns (under
torch.no_grad()); `show` must equal str(torch.jit.load(path)); .npy files must
be byte-identical to numpy.save's. Models' outputs must not be degenerate
(harness.refuse_degenerate); the identity model's may be: its tests are about
formatting the given input (zeros, empty arrays, one value).
"""
import io
import math
import os
import re
import subprocess
from typing import Dict, List, Optional, Tuple

import numpy as np
import pytest
import torch
import torch.nn as nn

import harness
from harness import (ConditionalModel, describe, LoopingModel, SimpleLinear, assert_error, assert_ok,
                     assert_same_arrays, check_model, flatten, input_words, read_outputs,
                     references, refuse_degenerate, run_tscript, script, torch_reference,
                     trace)


class TupleModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        y = self.linear(x)
        return y, torch.relu(y)


class Identity(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Mixed(nn.Module):
    def forward(self, x: torch.Tensor, n: int, s: float, flag: bool,
                opt: Optional[torch.Tensor]
                ) -> Tuple[torch.Tensor, List[int], Dict[str, float], bool, bool]:
        return x, [n, n], {"s": s}, flag, opt is None


def simple_linear(archive):
    return archive("cli_simple_linear",
                   lambda: trace(SimpleLinear(10, 2), torch.randn(1, 10)))


# ---- printing ----

def test_print_tensor_like_pytorch(archive, rundir):
    path = simple_linear(archive)
    x = torch.randn(1, 10)
    expected = torch_reference(path, [x])
    refuse_degenerate(flatten(expected))
    proc = run_tscript(["run", path] + input_words([x], rundir))
    assert_ok(proc)
    assert proc.stdout == repr(expected) + "\n"


def test_print_tuple_like_pytorch(archive, rundir):
    path = archive("cli_tuple", lambda: script(TupleModel()))
    x = torch.randn(2, 4)
    expected = torch_reference(path, [x])
    assert isinstance(expected, tuple)
    refuse_degenerate(flatten(expected))
    proc = run_tscript(["run", path] + input_words([x], rundir))
    assert_ok(proc)
    assert proc.stdout == repr(expected) + "\n"


def test_print_mixed_like_pytorch(archive, rundir):
    path = archive("cli_mixed", lambda: script(Mixed()))
    inputs = [torch.arange(3, dtype=torch.float32), -3, 2.5, True, None]
    proc = run_tscript(["run", path] + input_words(inputs, rundir))
    assert_ok(proc)
    assert proc.stdout == repr(torch_reference(path, inputs)) + "\n"


# ---- -o DIR ----

def test_outputs_tuple_in_order(archive, rundir):
    path = archive("cli_tuple", lambda: script(TupleModel()))
    check_model(path, [torch.randn(5, 4)], rundir)


def test_outputs_nested_depth_first(archive, rundir):
    """Tuple items in order, list items in order, dict values, Python numbers
    as 0-dim arrays (int64, float64, bool); None is skipped."""
    path = archive("cli_mixed", lambda: script(Mixed()))
    inputs = [torch.arange(6, dtype=torch.float32).reshape(2, 3), 7, -0.25, False, None]
    expected = flatten(torch_reference(path, inputs))
    assert [a.shape for a in expected] == [(2, 3), (), (), (), (), ()]
    check_model(path, inputs, rundir)


def test_outputs_create_nested_dir(archive, rundir):
    path = simple_linear(archive)
    out = os.path.join(rundir, "a", "b", "c")
    proc = run_tscript(["run", path, "randn:1,10", "-o", out])
    assert_ok(proc)
    assert os.listdir(out) == ["out0.npy"]


NPY_CASES = {
    "float32": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5,
    "float64": np.linspace(-1, 1, 5),
    "float16": np.array([1.5, -2.0, 65504.0], dtype=np.float16),
    "int64": np.array([[-(2 ** 40), 0, 2 ** 40]], dtype=np.int64),
    "int32": np.array([1, -2, 3], dtype=np.int32),
    "int16": np.array([-300, 300], dtype=np.int16),
    "int8": np.array([-128, 127], dtype=np.int8),
    "uint8": np.array([0, 255], dtype=np.uint8),
    "bool": np.array([[True, False], [False, True]]),
    "scalar": np.array(3.25, dtype=np.float32),
    "empty": np.zeros((0, 4), dtype=np.float32),
    "fortran": np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
    "bigendian": np.arange(4, dtype=">i4"),
}


@pytest.mark.parametrize("case", sorted(NPY_CASES))
def test_npy_round_trip(archive, rundir, case):
    """A .npy input passed through `return x` comes back equal, and the file
    tscript writes is byte for byte what numpy.save writes."""
    path = archive("cli_identity", lambda: script(Identity()))
    arr = NPY_CASES[case]
    src = os.path.join(rundir, "x.npy")
    np.save(src, arr)
    out = os.path.join(rundir, "out")
    proc = run_tscript(["run", path, src, "-o", out])
    assert_ok(proc)
    [got] = read_outputs(out)
    want = np.array(arr, order="C").astype(arr.dtype.newbyteorder("<"))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    buf = io.BytesIO()
    np.save(buf, want)
    with open(os.path.join(out, "out0.npy"), "rb") as f:
        assert f.read() == buf.getvalue()


@pytest.mark.parametrize("case", ["float32", "float64", "float16", "int64", "int32",
                                  "uint8", "bool", "scalar", "empty"])
def test_print_dtypes_like_pytorch(archive, rundir, case):
    path = archive("cli_identity", lambda: script(Identity()))
    x = torch.from_numpy(NPY_CASES[case].copy())
    proc = run_tscript(["run", path] + input_words([x], rundir))
    assert_ok(proc)
    assert proc.stdout == repr(torch_reference(path, [x])) + "\n"


# ---- input words ----

def randn_reference(*shapes, seed=0):
    """What randn: inputs are (docs/cli.md): torch.manual_seed(seed), then one
    torch.randn(shape) per input, in order."""
    torch.manual_seed(seed)
    out = [torch.randn(*shape).numpy() for shape in shapes]
    return out[0] if len(out) == 1 else out


def test_randn_input_is_torch_randn(archive, rundir):
    path = archive("cli_identity", lambda: script(Identity()))
    out = os.path.join(rundir, "out")
    proc = run_tscript(["run", path, "randn:3,5", "-o", out])
    assert_ok(proc)
    [got] = read_outputs(out)
    assert got.dtype == np.float32 and got.shape == (3, 5)
    np.testing.assert_array_equal(got, randn_reference((3, 5)))  # the scalar path: bit for bit


class TwoInputsAndRand(torch.nn.Module):
    def forward(self, x, y):
        return x, y, torch.rand(4)


def test_randn_inputs_are_successive_randn_calls(archive, rundir):
    """Several randn: inputs are successive torch.randn calls after one
    manual_seed(--seed), and the model's own random ops continue the sequence."""
    path = archive("cli_two_inputs_rand", lambda: script(TwoInputsAndRand()))
    out = os.path.join(rundir, "out")
    proc = run_tscript(["run", path, "randn:2,3", "randn:40", "--seed", "5", "-o", out])
    assert_ok(proc)
    got = read_outputs(out)
    torch.manual_seed(5)
    want = [torch.randn(2, 3).numpy(), torch.randn(40).numpy(), torch.rand(4).numpy()]
    for g, w in zip(got, want):  # integer, uniform and float32 normal draws: bit for bit
        assert np.ptp(w) > 0.1  # non-degenerate
        np.testing.assert_array_equal(g, w)


def test_randn_seeded(archive, rundir):
    path = simple_linear(archive)
    runs = [run_tscript(["run", path, "randn:1,10"] + extra)
            for extra in ([], [], ["--seed", "1"])]
    for p in runs:
        assert_ok(p)
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stdout != runs[2].stdout


def test_randn_feeds_the_model(archive, rundir):
    path = simple_linear(archive)
    x = torch.from_numpy(randn_reference((1, 10)))  # < 16 elements: the scalar path, bit for bit
    proc = run_tscript(["run", path, "randn:1,10", "-o", rundir])
    assert_ok(proc)
    _, expected, expected64 = references(path, [x])
    assert_same_arrays(read_outputs(rundir), expected, expected64)


def test_negative_numbers_are_inputs_not_options(archive, rundir):
    path = archive("cli_mixed", lambda: script(Mixed()))
    x = torch.ones(1)
    proc = run_tscript(["run", path] + input_words([x], rundir) + ["-5", "-1e-3", "True", "None"])
    assert_ok(proc)
    assert proc.stdout == repr(torch_reference(path, [x, -5, -1e-3, True, None])) + "\n"


def test_bool_inputs_pick_branches(archive, rundir):
    path = archive("cli_conditional", lambda: script(ConditionalModel(5, 3)))
    x = torch.randn(1, 5)
    for flag in (True, False):
        expected = torch_reference(path, [x, flag])
        refuse_degenerate(flatten(expected))
        proc = run_tscript(["run", path] + input_words([x, flag], rundir))
        assert_ok(proc)
        assert proc.stdout == repr(expected) + "\n"


# ---- show ----

SHOW_MODELS = {
    "simple_linear_traced": lambda: trace(SimpleLinear(10, 2), torch.randn(1, 10)),
    "conditional_scripted": lambda: script(ConditionalModel(5, 3)),
    "looping_scripted": lambda: script(LoopingModel(10, 20, 5, 3)),
    "looping_traced": lambda: trace(LoopingModel(10, 20, 5, 3), torch.randn(1, 10)),
    "sequential_scripted": lambda: script(nn.Sequential(nn.Linear(4, 8), nn.ReLU(),
                                                        nn.Sequential(nn.Linear(8, 2),
                                                                      nn.Tanh()))),
    "tuple_scripted": lambda: script(TupleModel()),
}


@pytest.mark.parametrize("name", sorted(SHOW_MODELS))
@pytest.mark.parametrize("flag", [[], ["--tree"]])
def test_show_tree_is_print_module(archive, name, flag):
    path = archive("show_" + name, SHOW_MODELS[name])
    proc = run_tscript(["show", path] + flag)
    assert_ok(proc)
    assert proc.stdout == str(torch.jit.load(path)) + "\n"


@pytest.mark.parametrize("name", sorted(SHOW_MODELS))
def test_show_code(archive, name):
    path = archive("show_" + name, SHOW_MODELS[name])
    proc = run_tscript(["show", path, "--code"])
    assert_ok(proc)
    assert "def forward(self" in proc.stdout
    # Every class's code: the leaf Linear modules call torch.linear.
    assert "torch.linear(" in proc.stdout
    if name == "conditional_scripted":
        assert "if condition:" in proc.stdout
    if name == "looping_scripted":
        assert "for " in proc.stdout or "while " in proc.stdout


@pytest.mark.parametrize("name", sorted(SHOW_MODELS))
def test_show_graph(archive, name):
    path = archive("show_" + name, SHOW_MODELS[name])
    proc = run_tscript(["show", path, "--graph"])
    assert_ok(proc)
    assert re.search(r"^graph\(%self", proc.stdout, re.M), proc.stdout[:500]
    assert "aten::linear" in proc.stdout
    assert re.search(r"\n  return \(%\S+\)\n", proc.stdout)
    if name == "conditional_scripted":
        assert "prim::If" in proc.stdout and "block0()" in proc.stdout
    if name == "looping_scripted":
        assert "prim::Loop" in proc.stdout


# ---- usage ----

def test_version():
    proc = run_tscript(["--version"])
    assert_ok(proc)
    assert re.fullmatch(r"tscript \d+\.\d+\.\d+\nkernels: (portable|avx2|avx512) "
                        r"\(this CPU runs (portable|avx2|avx512)\)\n", proc.stdout)


@pytest.mark.parametrize("argv", [["--help"], ["help"], ["run", "--help"], ["show", "--help"]])
def test_help(argv):
    proc = run_tscript(argv)
    assert_ok(proc)
    assert "usage: tscript run" in proc.stdout and "tscript show" in proc.stdout


@pytest.mark.parametrize("argv, needle", [
    ([], "missing a command"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["run"], "missing MODEL.pt"),
    (["show"], "missing MODEL.pt"),
    (["run", "m.pt", "--bogus"], "unknown option '--bogus'"),
    (["run", "m.pt", "-o"], "'-o' needs a value"),
    (["run", "m.pt", "--seed", "x"], "--seed"),
    (["show", "m.pt", "--code", "--graph"], "only one of"),
    (["show", "m.pt", "extra"], "unexpected argument 'extra'"),
    (["show", "m.pt", "--frob"], "unknown option '--frob'"),
    (["run", "m.pt", "--isa", "sse4"], "--isa needs portable, avx2, avx512 or auto, not 'sse4'"),
    # one parser, every command (cli/options.c): each names itself and the word
    (["check", "m.pt", "--seed", "1"], "check: unknown option '--seed'"),
    (["show", "m.pt", "-3"], "show: unknown option '-3'"),
    (["script", "m.py", "--seed", "-1", "-o", "o.pt"], "script: --seed needs a non-negative integer, not '-1'"),
    (["script", "m.py", "--weights"], "script: option '--weights' needs a value"),
    (["script", "m.pt", "-o", "o.pt"], "script: needs a model.py[:Class]"),
    (["save", "m.pt", "-o", "a.pt", "-o", "b.pt"], "save: give -o only once"),
    (["save", "m.pt", "-o", ""], "save: -o needs a file name"),
    (["show", "m.pt", "--timeout", "-1"], "show: --timeout needs a number of seconds >= 0, not '-1'"),
    (["run", "m.pt", "--threads", "5000"], "run: --threads needs an integer 0..4096, not '5000'"),
    (["run", "m.pt", "--weights", "w.pt"], "run: --args, --weights and --weights-key are for a model.py"),
    (["show", "m.pt", "--tree", "--reprint"], "show: --reprint goes with --code"),
])
def test_usage_errors(argv, needle):
    proc = run_tscript(argv)
    assert_error(proc, needle, "usage: tscript", code=2)


def test_inputs_after_double_dash(archive, rundir):
    """For run, '--' ends the options: '--help' after it is an input word (and
    a bad one), not the help text."""
    path = simple_linear(archive)
    proc = run_tscript(["run", path, "--", "--help"])
    assert proc.returncode == 1 and "usage:" not in proc.stdout, describe(proc)
    assert "--help" in proc.stderr, describe(proc)


def test_isa_cap(archive, rundir):
    """--isa and TSCRIPT_ISA cap the kernels' level; the lower wins; results
    agree within rounding at every level (the corpus checks them closely)."""
    proc = run_tscript(["--version"])
    cpu = re.search(r"this CPU runs (\w+)", proc.stdout).group(1)
    env = dict(harness.sanitizer_env(), TSCRIPT_ISA="portable")
    proc = subprocess.run([harness.tscript_bin(), "--version"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "kernels: portable (this CPU runs %s)" % cpu in proc.stdout
    env["TSCRIPT_ISA"] = "mmx"
    proc = subprocess.run([harness.tscript_bin(), "--version"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "TSCRIPT_ISA must be portable, avx2, avx512 or auto, not 'mmx'" in proc.stderr
    path = archive("cli_conditional", lambda: script(ConditionalModel(5, 3)))
    x = input_words([torch.randn(1, 5)], rundir)
    outs = [run_tscript(["run", path] + x + ["True", "--isa", level]) for level in ("portable", "avx512")]
    for proc in outs:
        assert_ok(proc)
    assert outs[0].stdout.startswith("tensor(")


def test_wrong_number_of_inputs_says_what_forward_expects(archive, rundir):
    path = archive("cli_conditional", lambda: script(ConditionalModel(5, 3)))
    x = input_words([torch.randn(1, 5)], rundir)
    assert_error(run_tscript(["run", path] + x), "forward() expects 2 inputs, got 1")
    assert_error(run_tscript(["run", path] + x + ["True", "1"]),
                 "forward() expects 2 inputs, got 3")


def test_unknown_method(archive):
    path = simple_linear(archive)
    assert_error(run_tscript(["run", path, "--method", "nope"]), "no method 'nope'")
