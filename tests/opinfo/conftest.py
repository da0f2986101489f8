"""pytest setup for the OpInfo suite (tests/opinfo): ctest runs this folder as
its own entry (opinfo); the `conformance` entry, which collects all of tests/,
leaves it out, so it never runs twice."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "conformance"))
import harness  # noqa: E402


def pytest_ignore_collect(collection_path, config):
    """Collect tests/opinfo only when the command line names it (or a file in it)."""
    return harness.collect_only_when_named(HERE, collection_path, config)
