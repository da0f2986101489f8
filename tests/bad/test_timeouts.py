"""Model code that never ends must not hang tscript.

Code runs at load (a class's __setstate__) and at call time. The archives
here are written by PyTorch with bounded loops, then rewritten so the loops
never end (`while True`, in forward and in __setstate__): `run --timeout`
stops with a clean error naming the limit and the place, `show` and `check`
run no model code at all, so they finish without any limit.
"""
import os
import re
import time
import zipfile
from typing import Tuple

import pytest
import torch
import torch.nn as nn

from harness import (assert_error, assert_ok, input_words, rewrite_zip, run_tscript,
                     script)

# Under ASan a second of spinning is still a second; the process must end
# within this many seconds of a one-second limit.
SLACK = 20


class Looping(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.ones(3)
        self.n = 3

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, int, bool]:
        return (self.w, self.n, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, int, bool]) -> None:
        w = state[0]
        k = 0
        while k < 3:
            w = w + 1.0
            k += 1
        self.w = w
        self.n = state[1]
        self.training = state[2]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        i = 0
        while i < self.n:
            x = x + self.w
            i += 1
        return x


@pytest.fixture(scope="module")
def looping(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("loops") / "looping.pt")
    script(Looping()).save(path)
    return path


def forever(src, dst, where):
    """Copy src to dst with the loop of `where` ('forward' or '__setstate__')
    made endless: its loop condition becomes True."""
    def edit(name, data):
        if not (name.endswith(".py") and "/code/" in name):
            return data
        text = data.decode()
        start = text.index("def %s(" % where)
        end = text.find("\n  def ", start + 1)
        end = len(text) if end < 0 else end
        body = text[start:end]
        new = re.sub(r"(_\d+) = torch\.lt\([^)]*\)", r"\1 = True", body)
        new = re.sub(r"(_\d+), (\w+), (\w+) = torch\.lt\([^)]*\),", r"\1, \2, \3 = True,", new)
        assert new != body and "torch.lt" not in new, body
        return (text[:start] + new + text[end:]).encode()
    rewrite_zip(src, dst, edit)
    with zipfile.ZipFile(dst) as z:
        assert any(b"= True" in z.read(n) for n in z.namelist() if n.endswith(".py"))


def timed(args):
    t0 = time.monotonic()
    proc = run_tscript(args, timeout=120)
    return proc, time.monotonic() - t0


def test_endless_forward(looping, rundir):
    path = os.path.join(rundir, "endless_forward.pt")
    forever(looping, path, "forward")
    x = input_words([torch.randn(3)], rundir)
    proc, dt = timed(["run", path, "--timeout", "1"] + x)
    assert_error(proc, "timed out", "1000 ms", "TorchScript traceback",
                 re.compile(r"endless_forward\.pt:code/\S+:\d+:\d+ in __torch__\.\S*Looping\.forward"))
    assert 1.0 <= dt < 1.0 + SLACK, dt
    for mode in ("--tree", "--code", "--graph"):
        assert_ok(run_tscript(["show", path, mode], timeout=60))
    assert_ok(run_tscript(["check", path], timeout=60))


def test_endless_setstate(looping, rundir):
    path = os.path.join(rundir, "endless_setstate.pt")
    forever(looping, path, "__setstate__")
    x = input_words([torch.randn(3)], rundir)
    proc, dt = timed(["run", path, "--timeout", "1"] + x)
    assert_error(proc, "endless_setstate.pt", "__setstate__ failed", "timed out",
                 re.compile(r"in __torch__\.\S*Looping\.__setstate__"))
    assert 1.0 <= dt < 1.0 + SLACK, dt
    # show never runs __setstate__, with or without a limit
    proc, dt = timed(["show", path])
    assert_ok(proc)
    assert "original_name=Looping" in proc.stdout
    assert_ok(run_tscript(["show", path, "--graph", "--timeout", "1"], timeout=60))
    assert_ok(run_tscript(["check", path], timeout=60))


def test_timeout_does_not_stop_quick_code(looping, rundir):
    x = input_words([torch.randn(3)], rundir)
    assert_ok(run_tscript(["run", looping, "--timeout", "30"] + x))
    assert_ok(run_tscript(["run", looping, "--timeout", "0"] + x))


@pytest.mark.parametrize("cmd", ["run", "show", "check"])
@pytest.mark.parametrize("value", ["-1", "abc", "1e99", "nan", ""])
def test_bad_timeout_values(looping, cmd, value):
    assert_error(run_tscript([cmd, looping, "--timeout", value]), "--timeout", code=2)


@pytest.mark.parametrize("cmd", ["run", "show", "check"])
def test_timeout_needs_a_value(looping, cmd):
    assert_error(run_tscript([cmd, looping, "--timeout"]), "--timeout", code=2)
