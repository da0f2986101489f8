"""pytest setup for the OpInfo suite (tests/opinfo): ctest runs this folder as
its own entry (opinfo); the `conformance` entry, which collects all of tests/,
leaves it out, so it never runs twice."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_ignore_collect(collection_path, config):
    """Collect tests/opinfo only when the command line names it (or a file in it)."""
    here = os.path.realpath(HERE)
    path = os.path.realpath(str(collection_path))
    if os.path.commonpath([path, here]) != here:
        return None
    for arg in config.args:
        target = os.path.realpath(os.path.join(str(config.invocation_params.dir),
                                               arg.split("::")[0]))
        if os.path.commonpath([target, here]) == here:
            return None
    return True
