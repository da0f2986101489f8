"""pytest fixtures for the conformance tests.

The binary under test is $TSCRIPT_BIN (ctest sets it; default build/tscript).
Archives are written at test time by real PyTorch (Debian's python3-torch):
`archive(name, build)` calls build() once (under its own seed), saves the
module it returns with torch.jit.save and returns the path. Archives and
PyTorch's references are kept across runs in $TSCRIPT_BUILD/conformance-cache
(see harness.cache_dir; TSCRIPT_NO_CACHE=1 turns it off), so the runs at each
instruction-set level cost mostly tscript's time.
"""
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# The PyPI families (transformers, timm) run only in ctest's
# conformance.pypi_models entry, with .venv-models' python, which sets
# TSCRIPT_PYPI_MODELS=1; Debian's python has neither package.
collect_ignore = [] if os.environ.get("TSCRIPT_PYPI_MODELS") == "1" else ["test_corpus_pypi.py"]


@pytest.fixture(scope="session", autouse=True)
def tscript_bin():
    path = harness.tscript_bin()
    if not os.access(path, os.X_OK):
        pytest.fail("tscript binary not found at %s: build it (make build) or set TSCRIPT_BIN"
                    % path, pytrace=False)
    return path


@pytest.fixture(scope="session")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("archives")
    made = {}

    def save(name, build, path):
        # The build's own seed, and the caller's random state untouched: the
        # inputs a test draws next are the same whether the archive was
        # built now or found in the cache.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(sum(name.encode()))
            build().save(str(path))

    def make(name, build):
        if name not in made:
            path = harness.cached_archive(name, lambda p: save(name, build, p))
            if path is None:
                path = str(root / (name + ".pt"))
                save(name, build, path)
            made[name] = path
        return made[name]

    return make


@pytest.fixture
def rundir(tmp_path):
    """A fresh directory for one test's inputs and outputs."""
    return str(tmp_path)


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same torch seed, so its inputs (and any
    printed digits) are the same on every run."""
    torch.manual_seed(1234)
