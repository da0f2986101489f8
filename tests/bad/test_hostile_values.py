"""Hostile values made by the code inside an archive: structures deep, shared
or cyclic enough to break a naive runtime (issue 5, part 4). Each case writes
an archive whose code/__torch__.py is ours, runs it, and checks that tscript
either answers or fails cleanly - no stack overflow, no leak, no sanitizer
report, no hang (every run has a timeout well below the CI's).
"""
import os
import re
import subprocess
import zipfile

import pytest
import torch

from harness import assert_error, assert_no_crash, assert_ok, run_tscript

# Far below the harness's 120 s: a case that hangs fails here, not in CI's timeout.
HANG_TIMEOUT = 60


class Top(torch.nn.Module):
    def forward(self, n: int) -> int:
        return n


MODULE_HEADER = """class M(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
"""


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("hostile") / "template.pt")
    torch.jit.script(Top()).save(path)
    return path


def archive_with_code(template, path, code):
    """The scripted template archive with its code replaced by one file,
    code/__torch__.py = MODULE_HEADER + code (methods of M, then other
    classes), and data.pkl's top object renamed to __torch__.M."""
    with zipfile.ZipFile(template) as z:
        names = z.namelist()
        prefix = names[0].split("/")[0] + "/"
        records = [(n, z.read(n)) for n in names if "/code/" not in n]
    with zipfile.ZipFile(path, "w") as out:
        for name, data in records:
            if name.endswith("/data.pkl"):
                data = re.sub(rb"c__torch__[.\w]*\nTop\n", b"c__torch__\nM\n", data)
            out.writestr(name, data)
        out.writestr(prefix + "code/__torch__.py", MODULE_HEADER + code)
    return path


def run_bounded(args):
    try:
        return run_tscript(args, timeout=HANG_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("tscript %s did not finish in %d s" % (" ".join(map(str, args)), HANG_TIMEOUT))


# ---- defect 1: freeing a long chain must not recurse ----

NODE_CLASS = """class Node:
  v : int
  next : Optional[__torch__.Node]
  items : List[__torch__.Node]
  named : Dict[str, __torch__.Node]
  def __init__(self: __torch__.Node,
    v: int) -> NoneType:
    self.v = v
    self.next = None
    self.items = annotate(List[__torch__.Node], [])
    self.named = annotate(Dict[str, __torch__.Node], {})
    return None
"""


def new_node(var, value):
    return ("    %s = __torch__.Node.__new__(__torch__.Node)\n"
            "    _%s = (%s).__init__(%s, )\n" % (var, var, var, value))


CHAIN = """  def forward(self: __torch__.M,
    n: int) -> int:
""" + new_node("head", "0") + """    for i in range(n):
""" + "\n".join("  " + l for l in new_node("x", "i").splitlines()) + """
      k = torch.remainder(i, 3)
      if torch.eq(k, 0):
        x.next = head
      else:
        if torch.eq(k, 1):
          _2 = torch.append(x.items, head)
        else:
          _3 = torch._set_item(x.named, "a", head)
      head = x
    return n
""" + NODE_CLASS


def test_long_chain_is_freed_without_recursion(template, rundir):
    """200000 objects, each holding the next through an attribute, a list or a
    dict: freeing the head used to recurse once per link and overflow the C
    stack."""
    path = archive_with_code(template, os.path.join(rundir, "chain.pt"), CHAIN)
    proc = run_bounded(["run", path, "200000"])
    assert_ok(proc)
    assert proc.stdout.strip() == "200000"
