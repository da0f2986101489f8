"""Every dtype PyTorch saves loads from archives and runs like PyTorch.

For each of float16, bfloat16, float32, float64, int8, int16, int32, int64,
uint8 and bool, a module holds buffers and a parameter of that dtype (plus
buffers of the other dtypes, for type promotion) and returns a tuple of
elementwise arithmetic, comparisons, casts, indexing and shape ops,
reductions and matmul on them. The ops eager PyTorch 1.13 accepts for the
dtype go into the module; it is scripted and traced, saved by Debian's 1.13,
run by tscript with an input of the dtype (.npy; bfloat16 as float32 .npy
plus ':bfloat16'), and each output compared with PyTorch's: same dtype and
shape, integers and bools exactly, floats within a tolerance derived from the
dtype's epsilon (one rounding of a result both compute in float: 1 ulp;
float32 and float64 within the usual harness tolerance). bfloat16 outputs
come back as float32 .npy files (numpy has no bfloat16), exactly.

Ops that PyTorch 1.13 raises on must raise in tscript too, except float16
ops that 1.13 lacks on the CPU but PyTorch 2.x has (relu, clamp, matmul,
exp, ...): tscript follows 2.x there, computing in float32 and rounding once,
and the reference is the float32 result rounded to float16.
"""
import importlib.util
import os

import numpy as np
import pytest
import torch

from harness import assert_error, assert_ok, read_outputs, run_tscript

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8,
          torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool]
NAME = {dt: str(dt).replace("torch.", "") for dt in DTYPES}
EPS = {torch.float16: 2.0 ** -10, torch.bfloat16: 2.0 ** -7}

EXPRS = [
    "x + self.b", "x - self.b", "x * self.b", "x / self.b", "torch.floor_divide(x, self.b)",
    "x + 2", "x * 2.5", "3 - x", "x + 300", "-x", "x.abs()",
    "x == self.b", "x < self.b", "x >= 1", "x != self.p", "torch.where(x > self.b, x, self.b)",
    "x.float()", "x.half()", "x.to(torch.bfloat16)", "x.double()", "x.long()", "x.int()",
    "x.to(torch.bool)", "x.to(torch.uint8)", "x.to(torch.int8)", "x.to(torch.int16)", "x.type_as(self.f32)",
    "x[1]", "x[:, 1:3]", "x[-1, ::2]", "x.reshape(-1)", "x.view(4, 3)", "x.t().contiguous()",
    "x.transpose(0, 1)[2]", "torch.cat([x, self.b], 0)", "torch.stack([x, self.b])",
    "x.unsqueeze(0).expand(2, 3, 4)", "torch.flatten(x)", "x.clone()",
    "x.sum()", "x.sum(1)", "x.sum(0, keepdim=True)", "x.mean()", "x.mean(1)",
    "torch.relu(x)", "x.clamp(0, 3)", "torch.exp(x)", "torch.sigmoid(x)", "torch.tanh(x)",
    "torch.softmax(x, 1)", "x @ self.w.t()", "torch.matmul(x, self.w.t())",
    "torch.nn.functional.linear(x, self.w, self.p)", "torch.bmm(x.unsqueeze(0), self.w.t().unsqueeze(0))",
    # type promotion with the other dtypes: tensors, and 0-dim tensors (lower priority)
    "x + self.i8", "x + self.u8", "x * self.f16", "x + self.bf16", "x + self.bo", "x + self.i64",
    "x * self.f64_0d", "x + self.i64_0d", "x + self.f16_0d", "self.bo.to(x.dtype) * x",
    "self.p * 2 + self.b.sum()",
]

# float16 ops 1.13 raises on and 2.x computes: reference f(float32) -> float16
HALF_NEWER = ["torch.relu(x)", "x.clamp(0, 3)", "torch.exp(x)", "torch.sigmoid(x)", "torch.tanh(x)",
              "torch.softmax(x, 1)", "x @ self.w.t()", "torch.nn.functional.linear(x, self.w, self.p)",
              "torch.bmm(x.unsqueeze(0), self.w.t().unsqueeze(0))"]


def values(dt, shape, gen, nonzero=False):
    v = torch.randn(*shape, generator=gen) * 3
    if dt == torch.bool:
        return v > 0
    if dt == torch.uint8:
        v = v.abs()
    if nonzero and not dt.is_floating_point:
        v = torch.where(v.abs() < 1, torch.full_like(v, 2.0), v)
    return v.to(dt)


def make_buffers(dt, seed):
    gen = torch.Generator().manual_seed(seed)
    return {
        "b": values(dt, (3, 4), gen, nonzero=True), "p": values(dt, (5,), gen),
        "w": values(dt, (5, 4), gen), "f32": torch.randn(3, 4, generator=gen),
        "i8": values(torch.int8, (3, 4), gen), "u8": values(torch.uint8, (3, 4), gen),
        "f16": values(torch.float16, (3, 4), gen), "bf16": values(torch.bfloat16, (3, 4), gen),
        "bo": values(torch.bool, (3, 4), gen), "i64": values(torch.int64, (3, 4), gen),
        "f64_0d": torch.tensor(1.25, dtype=torch.float64), "i64_0d": torch.tensor(7),
        "f16_0d": torch.tensor(0.5, dtype=torch.float16),
    }


def module_source(exprs):
    body = ",\n            ".join(exprs)
    return ("import torch\n\n\n"
            "class M(torch.nn.Module):\n"
            "    def __init__(self, bufs):\n"
            "        super().__init__()\n"
            "        for k, v in bufs.items():\n"
            "            if k == 'p' and v.is_floating_point():\n"
            "                self.p = torch.nn.Parameter(v, requires_grad=False)\n"
            "            else:\n"
            "                self.register_buffer(k, v)\n\n"
            "    def forward(self, x):\n"
            "        return (\n            %s,\n        )\n" % body)


def load_module_class(directory, name, exprs):
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as f:
        f.write(module_source(exprs))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.M


def eager_ok(dt, expr, bufs, x):
    cls = type("E", (), {})
    self = cls()
    for k, v in bufs.items():
        setattr(self, k, v)
    try:
        eval(expr, {"torch": torch, "self": self, "x": x})
        return True
    except Exception:
        return False


def input_word(x, directory):
    path = os.path.join(directory, "x.npy")
    if x.dtype == torch.bfloat16:
        np.save(path, x.float().numpy())  # every bfloat16 is exactly a float32
        return path + ":bfloat16"
    np.save(path, x.numpy())
    return path


def assert_close_dtype(got, expected, what, terms=None):
    """got: the array tscript wrote; expected: PyTorch's tensor. terms: for a
    product of matrices, sum_k |a_ik b_kj| (and the bias), the magnitude its
    accumulation error scales with."""
    dt = expected.dtype
    e = (expected.float() if dt == torch.bfloat16 else expected).numpy()
    assert got.shape == e.shape, "%s: shape %s, PyTorch %s" % (what, got.shape, e.shape)
    assert got.dtype == e.dtype, "%s: dtype %s, PyTorch %s" % (what, got.dtype, e.dtype)
    if dt in EPS and terms is not None:
        # tscript accumulates in float32 and rounds once (PyTorch 2.x, and
        # 1.13 above 400 multiply-adds); 1.13's small bmm accumulates in the
        # half type, rounding each of the K products and sums: within
        # (2K + 1) eps of the terms' magnitude
        err = np.abs(got.astype(np.float64) - e.astype(np.float64))
        bound = (2 * terms[1] + 1) * EPS[dt] * terms[0] + EPS[dt] * np.abs(e.astype(np.float64))
        assert (err <= bound + 1e-12).all(), "%s: error %s exceeds %s" % (what, err, bound)
    elif dt in EPS:
        # both round a float32 result once: at most 1 ulp apart
        np.testing.assert_allclose(got.astype(np.float64), e.astype(np.float64), rtol=EPS[dt],
                                   atol=EPS[dt], equal_nan=True, err_msg=what)
    elif dt.is_floating_point:
        np.testing.assert_allclose(got, e, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, e, err_msg=what)


def product_terms(expr, x, bufs):
    """(magnitude of the terms, K) of a matrix-product expression, else None."""
    if not any(s in expr for s in ("@", "matmul", "linear", "bmm")):
        return None
    mag = x.double().abs() @ bufs["w"].double().abs().t()
    if "linear" in expr:
        mag = mag + bufs["p"].double().abs()
    if "bmm" in expr:
        mag = mag.unsqueeze(0)
    return mag.numpy(), x.shape[-1]


def run_and_compare(path, x, expected, exprs, directory, bufs):
    out = os.path.join(directory, "out")
    proc = run_tscript(["run", path, input_word(x, directory), "-o", out])
    assert_ok(proc)
    got = read_outputs(out)
    assert len(got) == len(expected)
    for g, e, expr in zip(got, expected, exprs):
        assert_close_dtype(g, e, "%s (%s)" % (expr, e.dtype), product_terms(expr, x, bufs))


@pytest.mark.parametrize("how", ["script", "trace"])
@pytest.mark.parametrize("dt", DTYPES, ids=[NAME[d] for d in DTYPES])
def test_dtype_ops(tmp_path, dt, how):
    bufs = make_buffers(dt, seed=DTYPES.index(dt))
    x = values(dt, (3, 4), torch.Generator().manual_seed(100 + DTYPES.index(dt)))
    exprs = [e for e in EXPRS if eager_ok(dt, e, bufs, x)]
    assert len(exprs) >= 40, (dt, len(exprs))
    cls = load_module_class(str(tmp_path), "dtype_ops_%s_%s" % (NAME[dt], how), exprs)
    m = cls(bufs).eval()
    with torch.no_grad():
        expected = list(m(x))
        sm = torch.jit.script(m) if how == "script" else torch.jit.trace(m, (x,))
    path = str(tmp_path / "m.pt")
    sm.save(path)
    # the saved archive gives PyTorch's eager result
    assert all(torch.equal(a, b) or (a.is_floating_point() and torch.allclose(a, b, equal_nan=True))
               for a, b in zip(torch.jit.load(path)(x), expected))
    run_and_compare(path, x, expected, exprs, str(tmp_path), bufs)


def test_float16_ops_that_pytorch2_has(tmp_path):
    dt = torch.float16
    bufs = make_buffers(dt, seed=11)
    x = values(dt, (3, 4), torch.Generator().manual_seed(12))
    assert not any(eager_ok(dt, e, bufs, x) for e in HALF_NEWER), "1.13 gained these ops?"
    cls = load_module_class(str(tmp_path), "half_newer", HALF_NEWER)
    path = str(tmp_path / "m.pt")
    torch.jit.script(cls(bufs).eval()).save(path)
    ref = cls({k: (v.float() if v.dtype == dt else v) for k, v in bufs.items()}).eval()
    with torch.no_grad():
        expected = [t.half() for t in ref(x.float())]
    run_and_compare(path, x, expected, HALF_NEWER, str(tmp_path), bufs)


RAISING = [(torch.bool, "x.abs()"), (torch.bool, "torch.relu(x)"), (torch.bool, "-x"),
           (torch.bool, "x - self.b"), (torch.int64, "x.mean()"), (torch.int32, "x.mean(1)"),
           (torch.uint8, "torch.softmax(x, 1)"), (torch.bool, "x @ self.w.t()")]


@pytest.mark.parametrize("dt,expr", RAISING, ids=["%s:%s" % (NAME[d], e) for d, e in RAISING])
def test_raises_where_pytorch_raises(tmp_path, dt, expr):
    bufs = make_buffers(dt, seed=21)
    x = values(dt, (3, 4), torch.Generator().manual_seed(22))
    assert not eager_ok(dt, expr, bufs, x)
    cls = load_module_class(str(tmp_path), "raises", [expr])
    path = str(tmp_path / "m.pt")
    torch.jit.script(cls(bufs).eval()).save(path)
    with pytest.raises(Exception):
        torch.jit.load(path)(x)
    assert_error(run_tscript(["run", path, input_word(x, str(tmp_path))]), "m.pt")


@pytest.mark.parametrize("dt", DTYPES, ids=[NAME[d] for d in DTYPES])
def test_npy_round_trip(tmp_path, dt):
    """A tensor of each dtype goes in and comes back out unchanged (bfloat16
    as float32, exactly)."""
    class Id(torch.nn.Module):
        def forward(self, x):
            return x, x.dtype
    path = str(tmp_path / "id.pt")
    torch.jit.script(Id()).save(path)
    x = values(dt, (2, 3), torch.Generator().manual_seed(5))
    proc = run_tscript(["run", path, input_word(x, str(tmp_path)), "-o", str(tmp_path / "out")])
    assert_ok(proc)
    got = read_outputs(str(tmp_path / "out"))
    want = (x.float() if dt == torch.bfloat16 else x).numpy()
    assert got[0].dtype == want.dtype
    np.testing.assert_array_equal(got[0], want)
    assert int(got[1]) == {torch.float16: 5, torch.bfloat16: 15, torch.float32: 6, torch.float64: 7,
                           torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.int64: 4,
                           torch.uint8: 0, torch.bool: 11}[dt]


def test_dtype_suffix_converts(tmp_path):
    class Id(torch.nn.Module):
        def forward(self, x):
            return x
    path = str(tmp_path / "id.pt")
    torch.jit.script(Id()).save(path)
    x = np.array([1.0, 1.00390625, 3.3, -2.5, 70000.0], np.float32)
    np.save(str(tmp_path / "x.npy"), x)
    for name, dt in [("float16", torch.float16), ("bfloat16", torch.bfloat16),
                     ("int8", torch.int8), ("uint8", torch.uint8), ("bool", torch.bool)]:
        out = str(tmp_path / ("out_" + name))
        proc = run_tscript(["run", path, str(tmp_path / "x.npy") + ":" + name, "-o", out])
        assert_ok(proc)
        want = torch.from_numpy(x).to(dt)
        assert proc.stdout.strip() == repr(want)
        want = (want.float() if dt == torch.bfloat16 else want).numpy()
        np.testing.assert_array_equal(read_outputs(out)[0], want)
    assert_ok(run_tscript(["run", path, "randn:2,3:float64"]))
    proc = run_tscript(["run", path, "3:float16"])
    assert_error(proc, "only a tensor input can take a :dtype suffix")
