"""Lazy binding and `tscript check`: archives that use ops tscript lacks.

A missing op must not stop an archive from loading: `show` works, a method
runs as long as it does not reach the op, and fails with the op's name and
place when it does. `tscript check` lists every such op and construct with
its places in the archive's code. The archives are written by Debian's
PyTorch 1.13 with ops tscript does not implement (aten::special_airy_ai, aten::mode,
aten::view_as_complex, aten::to_sparse: tscript has neither complex nor
sparse tensors); if tscript gains one of them, pick another from
torch._C._jit_get_all_schemas() that it lacks.
"""
import os
import re
import zipfile

import pytest
import torch
import torch.nn as nn

from harness import (assert_error, assert_no_crash, assert_ok, check_model, input_words,
                     rewrite_zip, run_tscript, script)


class MissingOps(nn.Module):
    """airy_ai and mode only when flag is set; view_as_complex in a helper method."""

    def forward(self, x: torch.Tensor, flag: bool) -> torch.Tensor:
        if flag:
            y = torch.special.airy_ai(x)
            v, i = torch.mode(x, 0)
            return y.sum() + v.sum() + i.sum()
        return x * 2.0 + 1.0

    @torch.jit.export
    def reverse(self, x: torch.Tensor) -> torch.Tensor:
        return torch.view_as_complex(x)

    @torch.jit.export
    def ordered(self, x: torch.Tensor, n: int) -> torch.Tensor:
        # the missing op's result feeds code whose types depend on it
        k = x.to_sparse()
        if n > 0:
            return x[k[0]]
        return x

    @torch.jit.export
    def device_index(self, x: torch.Tensor) -> int:
        # get_device returns an int; tscript lacks it, so guesses Tensor, and
        # the return that uses it cannot be type-checked until the op exists
        d = x.get_device()
        return d + 1


class Clean(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)

    def forward(self, x):
        return torch.relu(self.lin(x)) * 2.0


def code_of(path, needle="def forward"):
    """The name and text of the one code/*.py record of archive path with needle."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if "/code/" in n and n.endswith(".py")
                 and needle in z.read(n).decode()]
        assert len(names) == 1, names
        return names[0], z.read(names[0]).decode()


def place(path, needle, token):
    """'code/...py:LINE:COL' of the first `token` on the line with needle."""
    name, text = code_of(path, needle)
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return "%s:%d:%d" % (name.split("/", 1)[1], i, line.index(token) + 1)
    raise AssertionError(needle)


@pytest.fixture
def missing(archive):
    return archive("check_missing_ops", lambda: script(MissingOps()))


def test_loads_and_shows(missing):
    for mode in ("--tree", "--code", "--graph"):
        assert_ok(run_tscript(["show", missing, mode]))
    graph = run_tscript(["show", missing, "--graph"]).stdout
    # unresolved calls print by their op name, with their inputs and places
    assert re.search(r"%\w+ : Tensor = aten::special_airy_ai\(%x\) # .*code/__torch__/.*py:\d+:\d+",
                     graph), graph
    assert "aten::mode(" in graph and "aten::view_as_complex(" in graph
    code = run_tscript(["show", missing, "--code"]).stdout
    assert "torch.special_airy_ai(x)" in code


def test_runs_when_the_op_is_not_reached(missing, rundir):
    check_model(missing, [torch.randn(5), False], rundir)


def test_fails_where_the_op_is_reached(missing, rundir):
    x = input_words([torch.randn(5)], rundir)
    where = place(missing, "torch.special_airy_ai", "torch.special_airy_ai")
    proc = run_tscript(["run", missing] + x + ["True"])
    assert_error(proc, where + ": error: unknown builtin op 'aten::special_airy_ai' (torch.special_airy_ai): "
                 "tscript does not implement it", "TorchScript traceback",
                 "MissingOps.forward")
    proc = run_tscript(["run", missing, "--method", "reverse"] + x)
    assert_error(proc, "unknown builtin op 'aten::view_as_complex' (torch.view_as_complex)",
                 place(missing, "torch.view_as_complex", "torch.view_as_complex"))


def test_dependent_code_fails_with_the_op(missing, rundir):
    """x[k[0]] indexes with a tensor; the op before it fails first, either way."""
    x = input_words([torch.randn(5)], rundir)
    for n in ("0", "3"):
        assert_error(run_tscript(["run", missing, "--method", "ordered"] + x + [n]),
                     "unknown builtin op 'aten::to_sparse'")


def test_check_lists_missing_ops(missing):
    proc = run_tscript(["check", missing])
    assert_no_crash(proc)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.startswith(missing + ": ")
    for op, needle in [("special_airy_ai", "torch.special_airy_ai"), ("mode", "torch.mode"),
                       ("view_as_complex", "torch.view_as_complex")]:
        head = "missing op aten::%s (torch.%s), 1 place:\n" % (op, op)
        assert head in out, out
        loc = place(missing, needle, needle)
        block = out.split(head, 1)[1].splitlines()[0]
        assert block.endswith(loc) and block.startswith("  " + missing + ":"), (block, loc)
    # x.to_sparse() is a method call: its place is the call
    assert "missing op aten::to_sparse (torch.to_sparse), 1 place:" in out, out
    # what fails only because of a missing op's guessed type comes last, as a
    # consequence, not as a problem of its own
    note = ("then, using a missing op's result: return value: expected a value of type int "
            "but found Tensor, 1 place:\n  %s:%s\n" % (missing, place(missing, "return torch.add(d, 1)",
                                                                        "return")))
    assert out.endswith(note), out
    n = int(re.match(re.escape(missing) + r": (\d+) things tscript cannot run:\n", out).group(1))
    assert n == out.count("missing op ") + out.count("cannot compile: "), out


def test_guessed_type_fails_with_the_op(missing, rundir):
    x = input_words([torch.randn(5)], rundir)
    assert_error(run_tscript(["run", missing, "--method", "device_index"] + x),
                 "unknown builtin op 'aten::get_device'")


def test_check_clean_archive(archive):
    path = archive("check_clean", lambda: script(Clean()))
    proc = run_tscript(["check", path])
    assert_ok(proc)
    assert re.fullmatch(re.escape(path) + r": OK: \d+ methods?, (\d+ functions?, )?\d+ op calls?: "
                        r"tscript can run all of them\n", proc.stdout), proc.stdout


def test_check_usage_and_unreadable(archive, rundir):
    assert_error(run_tscript(["check"]), "check: missing MODEL.pt", code=2)
    assert_error(run_tscript(["check", "a.pt", "b.pt"]), "unexpected argument", code=2)
    assert_error(run_tscript(["check", "a.pt", "--frob"]), "unknown option", code=2)
    path = os.path.join(rundir, "not_an_archive.pt")
    with open(path, "wb") as f:
        f.write(b"not a zip" * 10)
    assert_error(run_tscript(["check", path]), "not_an_archive.pt")


def rewrite_code(src, dst, old, new):
    name, text = code_of(src)
    assert old in text, text
    rewrite_zip(src, dst, lambda n, data: text.replace(old, new, 1).encode() if n == name
                else data)


def test_unsupported_construct_in_a_branch(archive, rundir):
    """A statement tscript cannot compile fails only when it runs, with the
    compiler's message and place; check lists it."""
    src = archive("check_clean_cond", lambda: script(MissingOps()))
    path = os.path.join(rundir, "starred.pt")
    rewrite_code(src, path, "_0 = torch.add(torch.mul(x, 2.), 1.)",
                 "_0 = torch.add(torch.mul(*[x, 2.]), 1.)")
    x = input_words([torch.randn(5)], rundir)
    assert_ok(run_tscript(["show", path, "--graph"]))
    assert "prim::Unsupported[message=\"starred arguments are not supported\"]" in \
        run_tscript(["show", path, "--graph"]).stdout
    assert_error(run_tscript(["run", path] + x + ["False"]),
                 "error: starred arguments are not supported", "TorchScript traceback")
    proc = run_tscript(["check", path])
    assert proc.returncode == 1
    assert "cannot compile: starred arguments are not supported, 1 place:" in proc.stdout


def test_method_that_cannot_compile(archive, rundir):
    """A method whose body fails as a whole (no return on a path) fails when
    called; the other methods run."""
    src = archive("check_clean_cond", lambda: script(MissingOps()))
    path = os.path.join(rundir, "noreturn.pt")
    rewrite_code(src, path, "  return _0\n", "  pass\n")  # the first: forward's
    x = input_words([torch.randn(5)], rundir)
    assert_error(run_tscript(["run", path] + x + ["False"]),
                 "forward does not return a value on every path")
    assert_ok(run_tscript(["show", path]))
    out = run_tscript(["check", path]).stdout
    assert re.search(r"^cannot compile: __torch__\.\S*MissingOps\.forward does not return a value "
                     r"on every path, 1 place:$", out, re.M), out


class UsesFunction(nn.Module):
    def forward(self, x: torch.Tensor, flag: bool) -> torch.Tensor:
        if flag:
            return nn.functional.relu(x) + 1.0
        return x - 1.0


def test_function_whose_declaration_fails(archive, rundir):
    """A free function whose signature tscript cannot read: its callers fail
    when they reach the call, everything else loads, shows and runs."""
    src = archive("check_uses_function", lambda: script(UsesFunction()))
    name, text = code_of(src, "def relu(")
    assert "inplace: bool=False" in text, text
    path = os.path.join(rundir, "bad_signature.pt")
    rewrite_zip(src, path, lambda n, data: text.replace(
        "inplace: bool=False", "inplace: [x for x in y]=False").encode() if n == name else data)
    x = input_words([torch.randn(5)], rundir)
    assert_ok(run_tscript(["run", path] + x + ["False"]))
    assert_error(run_tscript(["run", path] + x + ["True"]), "expected a type annotation")
    for mode in ("--tree", "--code", "--graph"):
        assert_ok(run_tscript(["show", path, mode]))
    proc = run_tscript(["check", path])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "cannot compile: expected a type annotation, 1 place:" in proc.stdout, proc.stdout


@torch.jit.script
class Pair(object):
    def __init__(self, a: torch.Tensor, b: torch.Tensor):
        self.a = a
        self.b = b


class UsesClass(nn.Module):
    def forward(self, x: torch.Tensor, flag: bool) -> torch.Tensor:
        if flag:
            p = Pair(x, x + 1.0)
            return p.a + p.b
        q = Pair(x, x)
        return q.a - 1.0

    @torch.jit.export
    def other(self, x: torch.Tensor) -> torch.Tensor:
        return Pair(x, x).b * 2.0


def test_class_whose_declaration_fails(archive, rundir):
    """A class (not in the pickle, used only by code) whose declaration fails
    half way: every use of it fails the same way, never sees half a class."""
    src = archive("check_uses_class", lambda: script(UsesClass()))
    name, text = code_of(src, "class Pair")
    old = "  b : Tensor\n"
    assert old in text, text
    path = os.path.join(rundir, "bad_class.pt")
    rewrite_zip(src, path, lambda n, data: text.replace(
        old, "  b : [x for x in y]\n").encode() if n == name else data)
    x = input_words([torch.randn(5)], rundir)
    assert_error(run_tscript(["run", path] + x + ["True"]), "expected a type annotation")
    assert_error(run_tscript(["run", path] + x + ["False"]), "expected a type annotation")
    assert_error(run_tscript(["run", path, "--method", "other"] + x), "expected a type annotation")
    for mode in ("--tree", "--code", "--graph"):
        assert_ok(run_tscript(["show", path, mode]))
    proc = run_tscript(["check", path])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # all three uses fail at the one place the class is wrong
    line = path + ":" + name.split("/", 1)[1] + ":%d:" % (text.splitlines().index("  b : Tensor") + 1)
    assert ("cannot compile: expected a type annotation, 1 place:\n  " + line) in proc.stdout, \
        proc.stdout
