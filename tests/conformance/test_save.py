"""`tscript save`: archives tscript writes are archives PyTorch loads.

For every model of the corpus (test_corpus.CORPUS, the archives its tests
save, from the same cache) and every golden archive (tests/golden/torch-*):

  PyTorch's archive --tscript save--> ours.pt, then
  - torch.jit.load(ours.pt) has the same code, the same state_dict (bit for
    bit: dtypes, shapes, strides, values), the same training flags, and
    forward gives bit-identical outputs to the original's (same code, same
    weights, same PyTorch: nothing may differ). For a golden archive of a
    newer PyTorch, this is checked when 1.13 loads the original at all;
  - `tscript run` on ours.pt writes exactly the arrays `tscript run` writes
    for the original (when tscript runs it: see the known-failures lists);
  - saving ours.pt again, and saving the original a second time, give the
    same bytes (determinism; the file name is kept, since the archive's
    prefix is the file's stem).

Plus: the records are 64-byte aligned and pass zipfile's CRC check, and bad
input (a hostile archive, an unwritable output) fails cleanly, leaving no
file behind.
"""
import os
import struct
import sys
import zipfile

from enum import Enum
from typing import Dict, List, NamedTuple, Optional, Tuple

import numpy as np
import pytest
import torch
import torch.nn as nn
from torch import Tensor

import harness
import test_corpus as corpus

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(os.path.dirname(HERE), "golden")
sys.path.insert(0, GOLDEN)
import test_golden as golden  # noqa: E402


def save(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    proc = harness.run_tscript(["save", src, "-o", dst])
    harness.assert_ok(proc)
    assert proc.stdout == "" and proc.stderr == "", harness.describe(proc)
    return dst


def read(path):
    with open(path, "rb") as f:
        return f.read()


def check_layout(path):
    """Every record stored, its data 64-byte aligned; CRCs right (zipfile)."""
    data = read(path)
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        prefix = os.path.splitext(os.path.basename(path))[0]
        names = z.namelist()
        assert all(n.startswith(prefix + "/") for n in names), names
        assert "%s/data.pkl" % prefix in names and "%s/constants.pkl" % prefix in names
        assert not any(n.endswith(".debug_pkl") for n in names)
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            off = info.header_offset
            assert data[off:off + 4] == b"PK\x03\x04"
            nlen, xlen = struct.unpack("<HH", data[off + 26:off + 30])
            assert (off + 30 + nlen + xlen) % 64 == 0, info.filename


def records(path, folder):
    """The sizes of the records of path under PREFIX/folder, by number."""
    with zipfile.ZipFile(path) as z:
        out = {}
        for info in z.infolist():
            rel = info.filename.split("/", 1)[1]
            if rel.startswith(folder) and rel[len(folder):].isdigit():
                out[int(rel[len(folder):])] = info.file_size
        return out


def torch_inputs(values):
    return [torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v for v in values]


def run_torch(m, inputs):
    with torch.no_grad():
        return harness.flatten(m(*inputs))


def assert_same_bits(got, want, what):
    assert len(got) == len(want), what
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, (what, i, g.dtype, w.dtype, g.shape, w.shape)
        assert g.tobytes() == w.tobytes(), "%s: output %d differs" % (what, i)


def code_of(m):
    # every method's code (a scripted nn.LSTM has no forward, so no m.code)
    return [(n, m._c._get_method(n).code) for n in sorted(m._c._method_names())]


def assert_same_module(ours, orig):
    assert code_of(ours) == code_of(orig)
    a, b = ours.state_dict(), orig.state_dict()
    assert list(a) == list(b)
    for k in a:
        x, y = a[k], b[k]
        assert x.dtype == y.dtype and x.shape == y.shape and x.stride() == y.stride(), k
        assert x.storage_offset() == y.storage_offset(), k
        assert torch.equal(x, y) or (x.is_floating_point() and torch.equal(x.isnan(), y.isnan())), k
    assert training_flags(ours) == training_flags(orig)
    assert [(n, p.requires_grad) for n, p in ours.named_parameters()] == [
        (n, p.requires_grad) for n, p in orig.named_parameters()]
    assert sharing(a) == sharing(b)


def sharing(state):
    """Which state_dict entries share a storage (views stay views)."""
    groups = {}
    for k, t in state.items():
        groups.setdefault(t.storage().data_ptr() if t.numel() else ("empty", k), []).append(k)
    return sorted(groups.values())


def training_flags(m):
    # a frozen module (torch.jit.freeze) has no `training` attribute
    return [(n, getattr(s, "training", None)) for n, s in m.named_modules()]


def check_round_trip(orig_path, workdir, torch_in, cli_words, runs_in_tscript, torch_loads=True, extra=()):
    name = os.path.basename(orig_path)
    ours = save(orig_path, os.path.join(workdir, "a", name))
    check_layout(ours)
    # one data/N record per storage, as PyTorch numbers them: shared storages stay shared
    assert records(ours, "data/") == records(orig_path, "data/")
    assert records(ours, "constants/") == records(orig_path, "constants/")
    # determinism: a second save of the original, and a save of our own file
    assert read(save(orig_path, os.path.join(workdir, "b", name))) == read(ours)
    assert read(save(ours, os.path.join(workdir, "c", name))) == read(ours)

    if torch_loads:
        orig_m, ours_m = torch.jit.load(orig_path), torch.jit.load(ours)
        assert_same_module(ours_m, orig_m)
        if torch_in is not None:
            want = run_torch(orig_m, torch_in)
            assert want, "no outputs to compare"
            assert_same_bits(run_torch(ours_m, torch_in), want, "torch.jit.load(ours)")

    if runs_in_tscript:
        words = harness.input_words(torch_in, os.path.join(workdir, "in")) if cli_words is None else cli_words
        want = tscript_outputs(orig_path, words + list(extra), os.path.join(workdir, "ro"))
        got = tscript_outputs(ours, words + list(extra), os.path.join(workdir, "rs"))
        assert want
        assert_same_bits(got, want, "tscript run")


def tscript_outputs(path, words, directory):
    proc = harness.run_tscript(["run", path] + words + ["-o", directory])
    harness.assert_ok(proc)
    return harness.read_outputs(directory)


def corpus_has_forward(name):
    # a scripted nn.LSTM / nn.GRU has no forward (see test_corpus.RNNWrap)
    return name not in ("lstm_scripted", "gru_scripted")


@pytest.mark.parametrize("name", sorted(corpus.CORPUS))
def test_save_corpus_model(archive, rundir, name):
    if corpus.slow_skipped(name):
        pytest.skip("full-size weights: set TSCRIPT_CORPUS_SLOW=1 to run")
    build, how, inputs = corpus.CORPUS[name]
    torch.manual_seed(0)
    example = inputs()

    def make():  # as test_corpus.test_corpus_model makes it: the same cached archive
        m = corpus.realistic(build(), inputs)
        if how == "script_train":
            return torch.jit.script(m.train())
        m = m.eval()
        return harness.script(m) if how == "script" else harness.trace(m, *example)

    path = archive("corpus_" + name, make)
    if name in corpus.KNOWN and not corpus.loads_in_tscript(path):
        pytest.skip("a known failure tscript cannot load: %s" % corpus.KNOWN[name])
    has_forward = corpus_has_forward(name)
    extra = ["--ops-lib", harness.ops_lib()] if name in corpus.TV_OPS else []
    check_round_trip(path, rundir, example if has_forward else None, None,
                     has_forward and name not in corpus.KNOWN, extra=extra)


def golden_torch_value(directory, item):
    if "npy" in item:
        return torch.from_numpy(np.load(os.path.join(directory, item["npy"]), allow_pickle=False))
    if "bool" in item:
        return bool(item["bool"])
    if "int" in item:
        return int(item["int"])
    if "float" in item:
        return float(item["float"])
    return None


def loads_in_this_torch(path):
    try:
        torch.jit.load(path)
        return True
    except Exception:  # noqa: BLE001 (an archive of a newer PyTorch this one cannot read)
        return False


@pytest.mark.parametrize("key", sorted(golden.CASES))
def test_save_golden(tmp_path, key):
    version, case = golden.CASES[key]
    directory = os.path.join(GOLDEN, version)
    path = os.path.join(directory, case["archive"])
    words = [golden.input_word(directory, item) for item in case["inputs"]]
    values = [golden_torch_value(directory, item) for item in case["inputs"]]
    check_round_trip(path, str(tmp_path), values, words, key not in golden.KNOWN,
                     torch_loads=version == "torch-1.13" or loads_in_this_torch(path))


# ---- every kind of attribute ----

class Color(Enum):
    RED = 1
    GREEN = 2


class Point(NamedTuple):
    x: int
    y: float


class Leaf(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)

    def forward(self, x):
        return self.lin(x)


class WithState(nn.Module):
    """Pickled as its __getstate__ value, rebuilt by __setstate__."""

    def __init__(self):
        super().__init__()
        self.w = torch.randn(4)
        self.n = 5

    @torch.jit.export
    def __getstate__(self) -> Tuple[Tensor, int, bool]:
        return (self.w, self.n, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[Tensor, int, bool]) -> None:
        self.w = state[0]
        self.n = state[1]
        self.training = state[2]

    def forward(self, x):
        return x * self.w + self.n


DTYPES = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16, torch.float32,
          torch.float64, torch.bool, torch.bfloat16]


class Attributes(nn.Module):
    FACTOR: torch.jit.Final[int] = 3
    opt_none: Optional[Tensor]
    opt_t: Optional[Tensor]
    opt_i: Optional[int]
    li: List[int]
    lf: List[float]
    lb: List[bool]
    ls: List[str]
    lt: List[Tensor]
    ll: List[List[int]]
    d: Dict[str, Tensor]
    di: Dict[int, str]
    tup: Tuple[int, float, str]
    pt: Point
    color: Color

    def __init__(self):
        super().__init__()
        base = torch.randn(4, 6) * 10
        self.register_buffer("base", base)
        self.register_buffer("strided", base[1:, ::2])  # offset 6, strides (6, 2)
        self.register_buffer("tr", base.t())
        self.register_buffer("empty", torch.zeros(0, 3))
        for i, dt in enumerate(DTYPES):
            v = (torch.randn(2, 3) * 50).to(dt) if dt != torch.bool else torch.randn(2, 3) > 0
            self.register_buffer("t%d" % i, v)
        self.scale = nn.Parameter(torch.tensor(2.5))
        self.opt_none = None
        self.opt_t = torch.arange(3.0)
        self.opt_i = 7
        self.li = [1, -2, 300, 70000, -(2 ** 40)]
        self.lf = [0.5, -1.25, float("inf")]
        self.lb = [True, False]
        self.ls = ["a", "bc", "\u00fcn\u00ef"]
        self.lt = [base, base[0]]
        self.ll = [[1, 2], [], [3]]
        self.d = {"x": base[2], "y": torch.ones(6, dtype=torch.int64)}
        self.di = {7: "q", -1: ""}
        self.tup = (5, 2.5, "five")
        self.pt = Point(3, -0.5)
        self.color = Color.GREEN
        self.leaf = Leaf()
        self.seq = nn.Sequential(Leaf(), nn.ReLU())
        self.ws = WithState()

    def forward(self, x):
        out: List[Tensor] = [self.leaf(x), self.seq(x), self.ws(x), self.strided * self.FACTOR, self.tr,
                             self.empty, self.scale * 2]
        out.extend(self.lt)
        out.append(self.d["x"] + self.d["y"])
        opt = self.opt_t
        if opt is not None:
            out.append(opt)
        out.extend([self.t0, self.t1, self.t2, self.t3, self.t4, self.t5, self.t6, self.t7, self.t8,
                    self.t9])
        i = self.opt_i
        return (out, self.li, self.lf, self.lb, len(self.ls[2]) + len(self.ls), [len(v) for v in self.ll],
                len(self.di[-1]) + len(self.di[7]), self.tup[0], self.tup[1], len(self.tup[2]), self.pt.x,
                self.pt.y, self.color.value, self.opt_none is None, i if i is not None else -1,
                self.training, self.leaf.training)


def test_save_every_attribute_kind(archive, rundir):
    def make():
        m = Attributes().train()
        m.leaf.eval()  # a submodule in eval mode under modules in training mode
        return torch.jit.script(m)

    archive_path = archive("save_attributes", make)
    check_round_trip(archive_path, rundir, [torch.randn(2, 4)], None, True)
    m = torch.jit.load(os.path.join(rundir, "a", os.path.basename(archive_path)))
    assert m.training and not m.leaf.training and m.seq.training
    assert m.opt_none is None and m.opt_i == 7 and m.ls == ["a", "bc", "\u00fcn\u00ef"]
    assert m.li == [1, -2, 300, 70000, -(2 ** 40)] and m.ll == [[1, 2], [], [3]]
    assert m.di == {7: "q", -1: ""} and m.tup == (5, 2.5, "five")
    assert m.FACTOR == 3 and m.ws.n == 5
    # PyTorch saves our archive again (it has no debug_pkl files) and loads that
    again = os.path.join(rundir, "again.pt")
    m.save(again)
    x = torch.randn(2, 4)
    assert_same_bits(harness.flatten(torch.jit.load(again)(x)), harness.flatten(m(x)), "re-saved by PyTorch")
    assert m.strided.stride() == (6, 2) and m.strided.storage_offset() == 6
    assert m.strided.storage().data_ptr() == m.base.storage().data_ptr() == m.tr.storage().data_ptr()
    assert m.lt[0].storage().data_ptr() == m.base.storage().data_ptr()
    assert [getattr(m, "t%d" % i).dtype for i in range(len(DTYPES))] == DTYPES


# ---- code files tscript never compiled ----

class NormalizeInWith(nn.Module):
    def forward(self, x):
        y = x
        with torch.no_grad():
            y = nn.functional.normalize(x)
        return y


def test_save_code_file_only_named_in_uncompiled_code(archive, rundir):
    """The with block tscript cannot compile is the only place that names
    __torch__.torch.nn.functional: the saved archive still has that file (read
    again from the original), so PyTorch loads it and gets the same result."""
    scripted = archive("save_normalize_in_with", lambda: torch.jit.script(NormalizeInWith()))
    src = os.path.join(rundir, "inwith.pt")

    def edit(name, data):
        if not name.endswith("/code/__torch__.py"):
            return data
        text = data.decode()
        hoisted = "    _0 = __torch__.torch.nn.functional.normalize\n"
        assert hoisted in text and "y = _0(x," in text, text
        return text.replace(hoisted, "").replace("y = _0(x,", "y = __torch__.torch.nn.functional.normalize(x,").encode()

    harness.rewrite_zip(scripted, src, edit)
    ours = save(src, os.path.join(rundir, "a", "inwith.pt"))
    with zipfile.ZipFile(ours) as z:
        assert "inwith/code/__torch__/torch/nn/functional.py" in z.namelist()
    x = torch.randn(3, 5)
    assert_same_bits(run_torch(torch.jit.load(ours), [x]), run_torch(torch.jit.load(src), [x]), "normalize")


# ---- bad input ----

def first_golden():
    return os.path.join(GOLDEN, "torch-1.13", golden.MANIFESTS["torch-1.13"]["cases"][0]["archive"])


def test_save_hostile_archive(tmp_path):
    """A broken archive fails the load; no output appears."""
    src = first_golden()
    bad = str(tmp_path / "bad.pt")
    pkl = harness.record_name(src, "/data.pkl")
    harness.rewrite_zip(src, bad, lambda n, d: d[:len(d) // 2] if n == pkl else d)
    out = tmp_path / "out.pt"
    proc = harness.run_tscript(["save", bad, "-o", str(out)])
    harness.assert_error(proc, "data.pkl")
    assert os.listdir(tmp_path) == ["bad.pt"]
    # not a zip at all
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"PK\x03\x04" + b"\xff" * 100)
    proc = harness.run_tscript(["save", str(junk), "-o", str(out)])
    harness.assert_error(proc, "junk.pt")
    assert not out.exists()


def test_save_unwritable_output(tmp_path):
    src = first_golden()
    missing = tmp_path / "no" / "such" / "dir" / "out.pt"
    proc = harness.run_tscript(["save", src, "-o", str(missing)])
    harness.assert_error(proc, str(missing), "No such file or directory")
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        proc = harness.run_tscript(["save", src, "-o", str(ro / "out.pt")])
        harness.assert_error(proc, str(ro / "out.pt"), "Permission denied")
        assert os.listdir(ro) == []
    finally:
        os.chmod(ro, 0o700)
    # a directory in the way
    d = tmp_path / "isdir.pt"
    d.mkdir()
    proc = harness.run_tscript(["save", src, "-o", str(d)])
    harness.assert_error(proc, "isdir.pt", "directory")
    assert sorted(os.listdir(tmp_path)) == ["isdir.pt", "no", "ro"]


def test_save_replaces_existing_file(tmp_path):
    src = first_golden()
    out = tmp_path / "out.pt"
    out.write_bytes(b"old contents")
    save(src, str(out))
    check_layout(str(out))
    assert os.listdir(tmp_path) == ["out.pt"]
    # in place: the loaded module's tensors are mapped from the file being replaced
    first = read(str(out))
    save(str(out), str(out))
    assert read(str(out)) == first and os.listdir(tmp_path) == ["out.pt"]


def test_save_usage_errors(tmp_path):
    src = first_golden()
    harness.assert_error(harness.run_tscript(["save", src]), "missing -o", code=2)
    harness.assert_error(harness.run_tscript(["save", "-o", str(tmp_path / "x.pt")]), "missing MODEL.pt",
                         code=2)
    harness.assert_error(harness.run_tscript(["save", src, "-o"]), "needs a value", code=2)
    harness.assert_error(harness.run_tscript(["save", src, "--bogus", "-o", "x.pt"]), "unknown option",
                         code=2)
    assert os.listdir(tmp_path) == []
