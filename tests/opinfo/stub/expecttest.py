"""A stand-in for PyPI's expecttest, enough for PyTorch 1.13's test helpers to import.

torch.testing._internal.common_utils (which common_methods_invocations, and so
op_db, imports) does `import expecttest`, reads and sets `expecttest.ACCEPT`
and derives its TestCase from `expecttest.TestCase`. The OpInfo suite only
reads op_db's entries and sample inputs and never runs an expect test, so a
unittest.TestCase base and the flag are all it needs; assertExpectedInline
refuses loudly should anything call it. Only tests/opinfo puts this folder on
sys.path.
"""
import unittest

ACCEPT = False


class TestCase(unittest.TestCase):
    def assertExpectedInline(self, actual, expect, skip=0):  # noqa: N802 (expecttest's name)
        raise NotImplementedError("tests/opinfo/stub/expecttest.py is a stand-in: no expect tests")
