"""pytest fixtures for the bad-input tests: the same harness as the
conformance tests (tests/conformance/harness.py), and two good archives
written by real PyTorch that the tests then damage."""
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "conformance"))
import harness  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def tscript_bin():
    path = harness.tscript_bin()
    if not os.access(path, os.X_OK):
        pytest.fail("tscript binary not found at %s: build it (make build) or set TSCRIPT_BIN"
                    % path, pytrace=False)
    return path


@pytest.fixture(scope="session")
def good(tmp_path_factory):
    """Paths of good archives: 'linear' (traced SimpleLinear(10, 2)) and
    'conditional' (scripted ConditionalModel(5, 3))."""
    root = tmp_path_factory.mktemp("good")
    torch.manual_seed(0)
    paths = {
        "linear": str(root / "linear.pt"),
        "conditional": str(root / "conditional.pt"),
    }
    harness.trace(harness.SimpleLinear(10, 2), torch.randn(1, 10)).save(paths["linear"])
    harness.script(harness.ConditionalModel(5, 3)).save(paths["conditional"])
    return paths


@pytest.fixture
def rundir(tmp_path):
    return str(tmp_path)


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same torch seed, so its inputs (and any
    printed digits) are the same on every run."""
    torch.manual_seed(1234)
