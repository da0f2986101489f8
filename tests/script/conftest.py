"""pytest setup for the scripting corpus (tests/script): the conformance
harness on the path, the tscript binary, and one cache root per session.

ctest runs this folder as its own entry (script_corpus); the `conformance`
entry, which collects all of tests/, leaves it out, so it never runs twice.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "conformance"))
import harness  # noqa: E402
import scriptcase  # noqa: E402


def pytest_ignore_collect(collection_path, config):
    """Collect tests/script only when the command line names it (or a file in it)."""
    return harness.collect_only_when_named(HERE, collection_path, config)


@pytest.fixture(scope="session", autouse=True)
def tscript_bin():
    path = harness.tscript_bin()
    if not os.access(path, os.X_OK):
        pytest.fail("tscript binary not found at %s: build it (make build) or set TSCRIPT_BIN"
                    % path, pytrace=False)
    return path


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    """Where PyTorch's artefacts of the corpus live (see scriptcase.build)."""
    return scriptcase.cache_root(str(tmp_path_factory.mktemp("script-refs")))


def pytest_collection_finish(session):
    """Tell the corpus test which checks this session runs, in order, so it
    can start their tscript commands ahead (test_script_corpus.prefetch)."""
    mod = sys.modules.get("test_script_corpus")
    if mod is None:
        return
    for item in session.items:
        spec = getattr(item, "callspec", None)
        if item.originalname == "test_script" and spec is not None:
            mod._selected.append((spec.params["kind"], spec.params["name"]))
