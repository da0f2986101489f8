"""The demo's promises: every `build/tscript run ...` command recorded in
examples/expected.txt (what PyTorch printed for it, written by
examples/make_examples.py) prints the same tensor from tscript.

Both sides print four decimals, so each printed value is within 5e-5 of the
exact result; the float32 arithmetic of these small models adds well under
1e-6. Two correct prints of one value therefore differ by at most 1e-4 (plus
the last-digit rounding): a bound of 1.5e-4 on outputs of magnitude 0.1 to 1
catches any wrong weight, branch or loop count.
"""
import os
import re
import shlex

import pytest

from harness import assert_ok, run_tscript

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NUMBER = re.compile(r"-?\d+\.\d*(?:e[-+]?\d+)?")


def expected_runs():
    text = open(os.path.join(ROOT, "examples", "expected.txt")).read()
    runs = []
    for block in text.split("\n$ ")[1:]:
        cmd, _, out = block.partition("\n")
        runs.append((cmd.strip(), out.strip()))
    return runs


def numbers(text):
    return [float(x) for x in NUMBER.findall(text)]


@pytest.mark.parametrize("cmd,want", expected_runs(), ids=[c for c, _ in expected_runs()])
def test_demo_command_prints_pytorchs_result(cmd, want):
    words = shlex.split(cmd)
    assert words[:2] == ["build/tscript", "run"], cmd
    args = [os.path.join(ROOT, w) if os.path.exists(os.path.join(ROOT, w)) else w for w in words[1:]]
    proc = run_tscript(args)
    assert_ok(proc)
    got, exp = numbers(proc.stdout), numbers(want)
    assert len(exp) >= 2 and max(abs(v) for v in exp) >= 0.1, "degenerate expectation: " + want
    assert len(got) == len(exp), (proc.stdout, want)
    assert max(abs(a - b) for a, b in zip(got, exp)) <= 1.5e-4, (proc.stdout, want)
