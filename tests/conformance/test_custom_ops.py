"""Custom ops (ts_register_op) end to end: archives that call torchvision's
C++ ops (torch.ops.torchvision.nms / roi_align, through torchvision.ops),
scripted and traced by PyTorch 1.13, run in tscript with the example kernels
of examples/torchvision_ops.c loaded as a plugin (`--ops-lib`), and give
PyTorch's outputs. Without the plugin the call fails with the unknown-op
message; `tscript ops --ops-lib` lists the plugin's schemas exactly as
PyTorch prints torchvision's; plugin misuse has clean errors.
"""
import os
from typing import List

import pytest
import torch
import torch.nn as nn
import torchvision  # registers torchvision::nms and roi_align in PyTorch (for the references)

import harness
from harness import check_model, ops_lib, run_tscript, assert_error, assert_ok


class TVOps(nn.Module):
    """nms, batched_nms and both forms of roi_align's boxes (a [K, 5] tensor
    of batch index and box, and a list of [L, 4] tensors, one per image)."""

    def forward(self, boxes, scores, idxs, feat, rois):
        keep = torchvision.ops.nms(boxes, scores, 0.5)
        bkeep = torchvision.ops.batched_nms(boxes, scores, idxs, 0.3)
        pooled = torchvision.ops.roi_align(feat, rois, (3, 3), 0.5, 2, True)
        per_image: List[torch.Tensor] = [rois[:2, 1:], rois[2:, 1:]]
        pooled2 = torchvision.ops.roi_align(feat, per_image, [2, 4], 0.25, -1, False)
        return keep, bkeep, pooled, pooled2


def inputs():
    g = torch.Generator().manual_seed(7)
    xy = torch.rand(40, 2, generator=g) * 20
    wh = torch.rand(40, 2, generator=g) * 15 + 4
    boxes = torch.cat([xy, xy + wh], 1)
    scores = torch.rand(40, generator=g)
    idxs = torch.randint(0, 3, (40,), generator=g)
    feat = torch.randn(2, 4, 24, 20, generator=g)
    rois = torch.tensor([[0, 1.0, 2.0, 30.0, 22.0], [0, 12.5, 3.25, 19.0, 40.0],
                         [1, -4.0, -2.0, 16.0, 9.5], [1, 20.0, 30.0, 44.0, 47.0]])
    return [boxes, scores, idxs, feat, rois]


def make(how):
    def build():
        m = TVOps().eval()
        return torch.jit.script(m) if how == "script" else torch.jit.trace(m, inputs())
    return build


@pytest.mark.parametrize("how", ["script", "trace"])
def test_torchvision_ops_with_plugin(archive, rundir, how):
    path = archive("custom_ops_torchvision_" + how, make(how))
    expected, _ = check_model(path, inputs(), rundir, extra=["--ops-lib", ops_lib()])
    keep, bkeep = expected[0], expected[1]
    # the comparison means something: nms dropped boxes, and not all of them
    assert 1 < len(keep) < 40 and 1 < len(bkeep) < 40 and len(bkeep) != len(keep)


def test_without_plugin_the_op_is_unknown(archive, rundir):
    path = archive("custom_ops_torchvision_script", make("script"))
    words = harness.input_words(inputs(), rundir)
    proc = run_tscript(["run", path] + words)
    assert_error(proc, "unknown builtin op 'torchvision::nms' (ops.torchvision.nms): tscript does not "
                       "implement it", "ts_register_op", "TorchScript traceback")


def test_ops_lists_the_plugin_schemas_as_pytorch_prints_them():
    proc = run_tscript(["ops", "torchvision::", "--ops-lib", ops_lib()])
    assert_ok(proc)
    want = [str(s) for n in ("nms", "roi_align")
            for s in torch._C._jit_get_schemas_for_operator("torchvision::" + n)]
    assert proc.stdout.splitlines() == want
    builtin = int(run_tscript(["ops", "--count"]).stdout)
    proc = run_tscript(["ops", "--count", "--ops-lib", ops_lib()])
    assert int(proc.stdout) == builtin + 2
    assert run_tscript(["ops", "torchvision::"]).stdout == ""


def test_plugin_errors(tmp_path, archive):
    proc = run_tscript(["ops", "--ops-lib", str(tmp_path / "nothere.so")])
    assert_error(proc, "--ops-lib: cannot load", "nothere.so")
    proc = run_tscript(["ops", "--ops-lib", ops_lib(), "--ops-lib", ops_lib()])
    assert_error(proc, "torchvision::nms is already registered (process-wide)")
    proc = run_tscript(["ops", "--ops-lib"])
    assert_error(proc, "'--ops-lib' needs a value", code=2)
    path = archive("custom_ops_torchvision_script", make("script"))
    proc = run_tscript(["check", path, "--ops-lib", str(tmp_path / "nothere.so")])
    assert_error(proc, "--ops-lib: cannot load")


def test_check_sees_the_plugin_ops(archive):
    path = archive("custom_ops_torchvision_script", make("script"))
    proc = run_tscript(["check", path])
    assert proc.returncode == 1, harness.describe(proc)
    assert "missing op torchvision::nms" in proc.stdout and "missing op torchvision::roi_align" in proc.stdout
    # with the plugin only what tscript itself lacks is left (batched_nms's
    # torch.unique(dim=...) branch, never taken here)
    proc = run_tscript(["check", path, "--ops-lib", ops_lib()])
    assert "torchvision::" not in proc.stdout and "missing op aten::unique_dim" in proc.stdout
