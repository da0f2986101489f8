"""`tscript ops` lists every registered schema exactly as PyTorch 1.13 prints
it (or, for the few ops only PyTorch 2.x archives call, as the newest PyTorch
does; the optimiser's own tscript:: ops aside), once each; TEXT filters and
--count counts; a bad option is a usage error."""
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conformance"))
import harness  # noqa: E402

# Ops that PyTorch 1.13 lacks or spells differently, with the schema of the
# PyTorch 2.x release that archives calling them come from
# (docs/architecture.md, "what PyTorch 2.x's archives add").
NEWER = {
    "prim::tolist(Tensor self, int dim, int elem_type) -> t",
    "aten::all.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor",
    "aten::any.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor",
    "aten::scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
    "float dropout_p=0., bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor",
    "aten::rms_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, float? eps=None) -> Tensor",
}


def ops(*args):
    return harness.run_tscript(["ops"] + list(args))


def test_every_schema_is_pytorchs():
    proc = ops()
    harness.assert_ok(proc)
    listed = proc.stdout.splitlines()
    assert len(listed) > 700, len(listed)
    assert len(set(listed)) == len(listed), "a schema is listed twice"
    torch_schemas = {str(s) for s in torch._C._jit_get_all_schemas()}
    # tscript:: ops are the optimiser's own (src/ops/opt.def: fused kernels that
    # only an optimised program calls and that are never written to an archive)
    foreign = [s for s in listed if s not in torch_schemas and s not in NEWER and not s.startswith("tscript::")]
    assert not foreign, "schemas PyTorch 1.13 does not print this way:\n" + "\n".join(foreign)


def test_filter_and_count():
    every = ops().stdout.splitlines()
    count = ops("--count")
    harness.assert_ok(count)
    assert int(count.stdout) == len(every)
    sub = ops("aten::scatter_add").stdout.splitlines()
    assert sub == [s for s in every if "aten::scatter_add" in s] and sub
    assert int(ops("aten::scatter_add", "--count").stdout) == len(sub)
    assert ops("no-such-op-text").stdout == ""


def test_bad_option_is_a_usage_error():
    proc = ops("--bogus")
    harness.assert_error(proc, "--bogus", code=2)
