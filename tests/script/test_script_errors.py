"""The error corpus: sources PyTorch 1.13 refuses to script, each with the
one message tscript must give.

Each file in tests/script/errors has a `# tscript:` header (scriptcase.py) and
one line
    # expect error: NAME.py:LINE:COL: error: MESSAGE
Two checks per file:
  pytorch:NAME  torch.jit.script really rejects it, at LINE (and at COL when
                PyTorch's message has a caret); never a known failure
  error:NAME    `tscript script NAME.py[:Class] [--args A] -o out.pt`, run in
                tests/script/errors, exits 1 with a `tscript: error: ` line ending
                in that exact text, writes no archive, and does not crash
The messages say PyTorch's reason in tscript's words, plus what to write
instead where there is one obvious fix.
"""
import importlib.util
import os
import re
import sys

import pytest
import torch

import harness
import scriptcase
from harness import assert_no_crash, describe

HERE = os.path.dirname(os.path.abspath(__file__))
ERRORS = os.path.join(HERE, "errors")
KNOWN = scriptcase.known_failures()
EXPECT = re.compile(r"^# expect error: (.*)$", re.M)


def error_cases():
    return [scriptcase.Case(os.path.join(ERRORS, n))
            for n in sorted(os.listdir(ERRORS)) if n.endswith(".py")]


CASES = error_cases()


def expected(case):
    found = EXPECT.findall(case.source)
    assert len(found) == 1, "%s: want one '# expect error:' line" % case.path
    m = re.match(r"([^:]+\.py):(\d+):(\d+): error: .+$", found[0])
    assert m and m.group(1) == os.path.basename(case.path), found[0]
    return found[0], int(m.group(2)), int(m.group(3))


def pytorch_error(case):
    """(line, column or None) of PyTorch's rejection of the case's class."""
    name = "tscript_errors_" + case.name
    spec = importlib.util.spec_from_file_location(name, case.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    model = scriptcase.construct(case, module)
    try:
        torch.jit.script(model)
    except Exception as e:  # noqa: BLE001 (any rejection)
        text = str(e)
    else:
        raise AssertionError("PyTorch scripts %s: it does not belong in the error corpus"
                             % case.path)
    m = re.search(r'File "([^"]*)", line (\d+)', text)
    assert m and os.path.samefile(m.group(1), case.path), text
    here = [ln for ln in text.split("\n") if ln.endswith("<--- HERE")]
    return int(m.group(2)), (here[0].index("~") + 1 if here else None)


def test_error_corpus_size():
    assert len(CASES) >= 15


def test_known_failures_name_error_checks():
    scriptcase.check_known_names(KNOWN, ("error",), ["error:" + c.name for c in CASES])


@pytest.mark.parametrize("name", [pytest.param(c.name, id="pytorch:" + c.name) for c in CASES])
def test_pytorch_rejects(name):
    case = [c for c in CASES if c.name == name][0]
    _, line, col = expected(case)
    got_line, got_col = pytorch_error(case)
    assert got_line == line, "PyTorch reports line %d, the file expects %d" % (got_line, line)
    if got_col is not None:
        assert got_col == col, "PyTorch's caret is at column %d, the file expects %d" % (
            got_col, col)


def error_params():
    out = []
    for c in CASES:
        test = "error:" + c.name
        reason = scriptcase.known_reason(KNOWN, test)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(c.name, id=test, marks=marks))
    return out


@pytest.mark.parametrize("name", error_params())
def test_tscript_error(tmp_path, name):
    case = [c for c in CASES if c.name == name][0]
    message, _, _ = expected(case)
    out = tmp_path / "out.pt"
    target = os.path.basename(case.path) + (":" + case.cls if case.cls else "")
    cwd = os.getcwd()
    os.chdir(ERRORS)
    try:
        proc = harness.run_tscript(["script", target] + case.args_words() + ["-o", str(out)])
    finally:
        os.chdir(cwd)
    assert_no_crash(proc)
    assert proc.returncode == 1, describe(proc)
    # the message exactly, at the end of an error line (which may first name
    # what was being scripted, e.g. `tscript: error: NAME.py:Net: MESSAGE`)
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("tscript: error: ")]
    assert any(ln.endswith(" " + message) for ln in lines), (
        "want an error line ending with\n  %s\n%s" % (message, describe(proc)))
    assert not out.exists(), "an archive was written despite the error"
