"""Language tests for scripting from source (tests/script/lang/*.py): each file
is one model whose header says how to run it and what must come out:

    # args: 3, depth=2        the constructor's arguments (--args), optional
    # inputs: 2 None          the inputs of `tscript run`, optional
    # expect: (2, 'a')        stdout, exactly (repr of the result)
    # expect error: TEXT      a clean error (exit 1) whose stderr contains TEXT
    # expect warning: TEXT    stderr contains TEXT, once

The expectations are what Python and PyTorch 1.13 give for the same model
(checked against PyTorch where PyTorch accepts the file: test_reference).
"""
import glob
import os
import shlex
import importlib.util
import sys

import pytest
import torch

import harness

LANG = os.path.join(harness.REPO, "tests", "script", "lang")
FILES = sorted(glob.glob(os.path.join(LANG, "*.py")))


def header(path):
    h = {}
    for line in open(path):
        if not line.startswith("# "):
            break
        for key in ("args", "inputs", "expect", "expect error", "expect warning"):
            if line.startswith("# %s: " % key):
                h[key] = line[len("# %s: " % key):].rstrip("\n")
    return h


@pytest.mark.parametrize("path", FILES, ids=[os.path.basename(f) for f in FILES])
def test_lang(path):
    h = header(path)
    cmd = ["run", path]
    if "args" in h:
        cmd += ["--args", h["args"]]
    cmd += shlex.split(h.get("inputs", ""))
    proc = harness.run_tscript(cmd)
    if "expect error" in h:
        harness.assert_error(proc, h["expect error"])
        return
    harness.assert_ok(proc)
    assert proc.stdout.rstrip("\n") == h["expect"], harness.describe(proc)
    if "expect warning" in h:
        assert proc.stderr.count(h["expect warning"]) == 1, harness.describe(proc)
    else:
        assert "warning" not in proc.stderr, harness.describe(proc)


def _value(word):
    return None if word == "None" else int(word)


@pytest.mark.parametrize("path", [f for f in FILES if "expect" in header(f) and "expect warning" not in header(f)],
                         ids=lambda f: os.path.basename(f))
def test_reference(path):
    """The expectation is PyTorch's: torch.jit.script of the same model, same call."""
    h = header(path)
    name = "lang_" + os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    cls = [v for v in vars(mod).values() if isinstance(v, type) and issubclass(v, torch.nn.Module)
           and v.__module__ == name][-1]
    m = eval("cls(%s)" % h.get("args", ""), dict(vars(mod), cls=cls)).eval()
    s = torch.jit.script(m)
    out = s(*[_value(w) for w in h.get("inputs", "").split()])
    assert repr(out) == h["expect"]
