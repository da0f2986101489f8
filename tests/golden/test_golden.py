"""Golden archives: models saved by PyTorch 1.13, 2.1 and 2.15, run by tscript.

tests/golden/torch-X.Y/ holds what tests/golden/generate.py wrote under that
PyTorch (scripts/make-golden.sh regenerates them; see README.md): the archives,
their inputs, the outputs PyTorch computed from the archive (float32) and, where
the model runs in double, the eager float64 outputs. This test reads only those
files with numpy: it never runs or needs PyTorch, so CI with Debian's 1.13 alone
checks archives written by 2.x.

Each case runs `tscript run ARCHIVE INPUTS -o DIR` and its outputs are compared
with harness.assert_same_arrays (shapes and dtypes exact, floats within a
tolerance). Cases tscript cannot run yet are listed in known_failures.txt as
"torch-X.Y/case reason"; they are expected to fail (strict: a case that starts
to pass fails until its line is removed). The recorded outputs themselves must
be realistic (finite, not constant, not tiny) for every case, listed or not.
"""
import json
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "conformance"))
import harness  # noqa: E402

VERSIONS = sorted(d for d in os.listdir(HERE)
                  if d.startswith("torch-") and os.path.isdir(os.path.join(HERE, d)))


def load_manifests():
    out = {}
    for v in VERSIONS:
        with open(os.path.join(HERE, v, "manifest.json")) as f:
            out[v] = json.load(f)
    return out


def known_failures():
    return harness.known_failures(os.path.join(HERE, "known_failures.txt"))


MANIFESTS = load_manifests()
KNOWN = known_failures()
CASES = {"%s/%s" % (v, c["name"]): (v, c) for v, m in MANIFESTS.items() for c in m["cases"]}


def input_word(directory, item):
    if "npy" in item:
        return os.path.join(directory, item["npy"])
    if "bool" in item:
        return "True" if item["bool"] else "False"
    if "int" in item:
        return str(item["int"])
    if "float" in item:
        return repr(float(item["float"]))
    if "none" in item:
        return "None"
    raise ValueError("manifest input %r" % (item,))


def degenerate(a):
    """Why a recorded floating output cannot make a comparison fail, or None."""
    if not np.all(np.isfinite(a)):
        return "non-finite values"
    if a.size and np.max(np.abs(a)) < 1e-3:
        return "tiny (max |x| %.3g)" % np.max(np.abs(a))
    if a.size > 1 and np.ptp(a) <= 1e-6 * np.max(np.abs(a)):
        return "constant"
    return None


def test_three_versions_present():
    assert {"torch-1.13", "torch-2.1", "torch-2.15"} <= set(VERSIONS), VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_manifest_matches_files(version):
    """The manifest names the files of its directory, no more, no less, and
    the PyTorch that wrote them is the one the directory is named after."""
    directory = os.path.join(HERE, version)
    m = MANIFESTS[version]
    assert ".".join(m["torch"].split("+")[0].split(".")[:2]) == version[len("torch-"):], m["torch"]
    listed = {"manifest.json"}
    for c in m["cases"]:
        listed.add(c["archive"])
        listed.update(i["npy"] for i in c["inputs"] if "npy" in i)
        for o in c["outputs"]:
            listed.add(o["npy"])
            if "f64" in o:
                listed.add(o["f64"])
    assert listed == set(os.listdir(directory))


def test_known_failures_name_cases():
    assert set(KNOWN) <= set(CASES), sorted(set(KNOWN) - set(CASES))


def read_expected(directory, case):
    expected, expected64 = [], []
    for o in case["outputs"]:
        e = np.load(os.path.join(directory, o["npy"]), allow_pickle=False)
        assert e.dtype == np.dtype(o["dtype"]) and list(e.shape) == o["shape"], o
        expected.append(e)
        expected64.append(np.load(os.path.join(directory, o["f64"]), allow_pickle=False)
                          if "f64" in o else None)
    return expected, expected64


@pytest.mark.parametrize("key", sorted(CASES))
def test_expected_outputs_are_realistic(key):
    version, case = CASES[key]
    expected, expected64 = read_expected(os.path.join(HERE, version), case)
    assert expected, "%s: no outputs" % key
    for i, (e, e64) in enumerate(zip(expected, expected64)):
        if np.issubdtype(e.dtype, np.floating):
            why = degenerate(e)
            assert why is None, "%s: output %d is degenerate: %s" % (key, i, why)
        if e64 is not None:
            assert e64.dtype == np.float64 and e64.shape == e.shape, (key, i)
            assert np.all(np.isfinite(e64)), (key, i)
            # The float64 run must be the same computation: PyTorch's float32 result
            # is within float32 rounding of it (measured: 7e-7 of the largest |x|),
            # far below 1e-4 unless the two took different code paths.
            err = np.max(np.abs(e.astype(np.float64) - e64)) if e.size else 0.0
            assert err <= 1e-4 * np.max(np.abs(e64)), (
                "%s: output %d: float32 and float64 references differ by %.3g" % (key, i, err))


@pytest.mark.parametrize("key", sorted(CASES))
def test_golden(request, tmp_path, key):
    if key in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[key], strict=True))
    version, case = CASES[key]
    directory = os.path.join(HERE, version)
    words = [input_word(directory, item) for item in case["inputs"]]
    out_dir = str(tmp_path / "out")
    proc = harness.run_tscript(["run", os.path.join(directory, case["archive"])] + words
                               + ["-o", out_dir])
    harness.assert_ok(proc)
    got = harness.read_outputs(out_dir)
    expected, expected64 = read_expected(directory, case)
    harness.assert_same_arrays(got, expected, expected64=expected64)
