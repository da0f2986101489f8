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

import numpy as np
import pytest
import torch

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


def assert_same_module(ours, orig):
    assert ours.code == orig.code
    a, b = ours.state_dict(), orig.state_dict()
    assert list(a) == list(b)
    for k in a:
        x, y = a[k], b[k]
        assert x.dtype == y.dtype and x.shape == y.shape and x.stride() == y.stride(), k
        assert x.storage_offset() == y.storage_offset(), k
        assert x.requires_grad == y.requires_grad, k
        assert torch.equal(x, y) or (x.is_floating_point() and torch.equal(x.isnan(), y.isnan())), k
    assert training_flags(ours) == training_flags(orig)


def training_flags(m):
    # a frozen module (torch.jit.freeze) has no `training` attribute
    return [(n, getattr(s, "training", None)) for n, s in m.named_modules()]


def check_round_trip(orig_path, workdir, torch_in, cli_words, runs_in_tscript, torch_loads=True):
    name = os.path.basename(orig_path)
    ours = save(orig_path, os.path.join(workdir, "a", name))
    check_layout(ours)
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
        want = tscript_outputs(orig_path, words, os.path.join(workdir, "ro"))
        got = tscript_outputs(ours, words, os.path.join(workdir, "rs"))
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
    has_forward = corpus_has_forward(name)
    check_round_trip(path, rundir, example if has_forward else None, None,
                     has_forward and name not in corpus.KNOWN)


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


def test_save_usage_errors(tmp_path):
    src = first_golden()
    harness.assert_error(harness.run_tscript(["save", src]), "missing -o", code=2)
    harness.assert_error(harness.run_tscript(["save", "-o", str(tmp_path / "x.pt")]), "missing MODEL.pt",
                         code=2)
    harness.assert_error(harness.run_tscript(["save", src, "-o"]), "needs a value", code=2)
    harness.assert_error(harness.run_tscript(["save", src, "--bogus", "-o", "x.pt"]), "unknown option",
                         code=2)
    assert os.listdir(tmp_path) == []
