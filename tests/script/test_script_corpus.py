"""The scripting corpus: each source in tests/script/corpus is scripted by
PyTorch 1.13 and by tscript from the same file with the same weights.

Per source (its header: scriptcase.py), the checks, each its own test named
`KIND:SOURCE`:
  reference  PyTorch's half is sound: it scripts, runs, and its outputs are
             realistic (not degenerate, not ill-conditioned: harness.py's
             rules); for a `@torch.jit.script`-decorated class, PyTorch does
             reject the file as written. Never a known failure.
  run        `tscript run model.py[:C] --args A --weights weights.pt INPUTS -o D`
             gives PyTorch's outputs (harness.assert_same_arrays: tolerance
             from PyTorch's own float64 run).
  archive    `tscript script ... --weights weights.pt -o out.pt`, then
             PyTorch's torch.jit.load(out.pt) gives the same outputs.
  tree       `tscript show model.py --tree` prints exactly print(torch.jit.script(m)).
  code       PyTorch's torch.jit.load(out.pt) prints the same tree and, for the
             top module and each submodule with a forward, the same `.code` as
             PyTorch's own archive (names, ops, constants as PyTorch prints them).
  seed       `tscript script ... --seed S -o init.pt` (no weights): PyTorch's
             torch.jit.load(init.pt).state_dict() equals, key for key and bit for
             bit, the state after torch.manual_seed(S) and constructing the model
             in PyTorch (one generator, one set of transforms: exact).
  reload     `tscript run out.pt INPUTS` gives bit-identical outputs to
             `tscript run model.py ...` (tscript reloads its own archive).
  trace      for a source PyTorch can trace (tracecase.py): `tscript trace
             model.py[:C] --args A --weights weights.pt INPUTS -o traced.pt`,
             then PyTorch loads traced.pt, and its forward's graph, inlined,
             has the same node kinds in the same order as PyTorch's own
             trace saved and loaded the same way, and it gives the outputs of
             PyTorch's trace. A source PyTorch cannot trace is skipped.
  warn       decorated sources only: `tscript run`, `show` and (once it
             writes archives) `script` each warn exactly once (one stderr
             line with "warning" naming @torch.jit.script).

What fails today is listed in known_failures.txt ("KIND:SOURCE reason", fnmatch
patterns allowed); those tests are expected to fail, strictly: one that passes
fails the run until its line goes, so progress shows as a diff of that file.
"""
import os
import pickle
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pytest
import torch

import harness
import scriptcase
import tracecase
from harness import assert_ok, assert_same_arrays, describe, run_tscript

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = scriptcase.corpus_cases()
BY_NAME = {c.name: c for c in CASES}
KINDS = ("run", "archive", "tree", "code", "seed", "reload", "trace", "warn")
KNOWN = scriptcase.known_failures()
TORCH2 = int(torch.__version__.split(".")[0]) >= 2
TSCRIPT_TIMEOUT = 90


def known_reason(test_name):
    return scriptcase.known_reason(KNOWN, test_name)


def kinds_of(case):
    return [k for k in KINDS if k != "warn" or case.decorated]


def check_params():
    params = []
    for case in CASES:
        for kind in kinds_of(case):
            name = "%s:%s" % (kind, case.name)
            marks = []
            if case.requires == "torch2" and not TORCH2:
                marks.append(pytest.mark.skip(reason="needs PyTorch 2.x (requires=torch2)"))
            else:
                reason = known_reason(name)
                if reason:
                    marks.append(pytest.mark.xfail(reason=reason, strict=True))
            params.append(pytest.param(kind, case.name, id=name, marks=marks))
    return params


ALL_CHECKS = ["%s:%s" % (k, c.name) for c in CASES for k in kinds_of(c)]


def test_corpus_size():
    assert len(CASES) >= 150, "the issue asks for at least 150 sources, have %d" % len(CASES)


def test_known_failures_name_checks():
    """Every known-failures line names at least one check, and none names a
    reference check (PyTorch's half must always be sound)."""
    for pattern in KNOWN:
        assert not pattern.startswith(("reference:", "pytorch:")), pattern
        assert pattern.split(":")[0] in KINDS + ("error", "bad"), pattern
    scriptcase.check_known_names(KNOWN, KINDS, ALL_CHECKS)


# ---- PyTorch's half ----

_refs = {}


@pytest.fixture(scope="module")
def refs(cache):
    def get(name):
        if name not in _refs:
            case = BY_NAME[name]
            if case.requires == "torch2" and not TORCH2:
                pytest.skip("needs PyTorch 2.x")
            _refs[name] = scriptcase.build(case, cache)
        return _refs[name]
    return get


def reference_params():
    return [pytest.param(c.name, id="reference:" + c.name,
                         marks=[pytest.mark.skip(reason="needs PyTorch 2.x")]
                         if c.requires == "torch2" and not TORCH2 else [])
            for c in CASES]


@pytest.mark.parametrize("name", reference_params())
def test_reference(refs, tmp_path, name):
    case = BY_NAME[name]
    ref = refs(name)
    assert_same_arrays(ref.flat, ref.flat, ref.flat64, degenerate_ok=case.degenerate_ok)
    assert ref.flat, "the reference has no output to compare"
    if case.decorated:
        # as written, the file does not import in PyTorch: that is why tscript warns
        with open(case.path) as f:
            source = f.read()
        with pytest.raises(Exception) as err:
            exec(compile(source, case.path, "exec"), {"__name__": "decorated_check"})  # noqa: S102
        assert "torch.jit.script" in str(err.value) or "Module" in str(err.value), err.value


# ---- tscript's half ----

_runs = {}      # (command, source) -> CompletedProcess or Future
_work = []
_selected = []  # the (kind, source) pairs this session runs, in order (conftest)
_submitted = set()
JOBS = max(1, int(os.environ.get("TSCRIPT_TEST_JOBS", "0")) or os.cpu_count() or 2)
_pool = ThreadPoolExecutor(max_workers=JOBS)

# The tscript commands of a source, in the order they may run (reload reads
# script's archive), and which commands each check needs.
NEEDS = {"run": ("run",), "archive": ("script",), "tree": ("tree",), "code": ("script",),
         "seed": ("seed",), "reload": ("run", "script", "reload"), "trace": ("trace",),
         "warn": ("run", "tree")}
ORDER = ("run", "script", "tree", "seed", "reload", "trace")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """The session's folder for tscript's outputs, one subfolder per source."""
    if not _work:
        _work.append(str(tmp_path_factory.mktemp("script-work")))
    return _work[0]


def command(case, ref, work, which):
    d = os.path.join(work, case.name)
    t, a = case.target(), case.args_words()
    return {
        "run": ["run", t] + a + ["--weights", ref.weights] + case.method_words() + ref.words +
               ["-o", os.path.join(d, "run")],
        "script": ["script", t] + a + ["--weights", ref.weights, "-o", os.path.join(d, "out.pt")],
        "tree": ["show", t] + a + ["--tree"],
        "seed": ["script", t] + a + ["--seed", str(case.seed), "-o", os.path.join(d, "init.pt")],
        "reload": ["run", os.path.join(d, "out.pt")] + case.method_words() + ref.words +
                  ["-o", os.path.join(d, "reload")],
        "trace": ["trace", t] + a + ["--weights", ref.weights] + ref.words +
                 ["-o", os.path.join(d, "traced.pt")],
    }[which]


def _run_all(jobs):
    for key, args in jobs:
        try:
            _runs[key] = run_tscript(args, timeout=TSCRIPT_TIMEOUT)
        except Exception as e:  # noqa: BLE001 (a hang: raised in the check that reads it)
            _runs[key] = e


def prefetch(refs, work, name):
    """Start, in JOBS threads, the commands of this source and of the next
    few selected ones, so tscript runs while PyTorch compares (the machine's
    cores are busy either way; this mostly hides process start-up)."""
    names = []
    for _, n in _selected:
        if n not in names:
            names.append(n)
    at = names.index(name) if name in names else 0
    for n in names[at:at + 2 * JOBS] or [name]:
        if n in _submitted or (BY_NAME[n].requires == "torch2" and not TORCH2):
            continue
        _submitted.add(n)
        case, ref = BY_NAME[n], refs(n)
        os.makedirs(os.path.join(work, n), exist_ok=True)
        kinds = [k for k, m in _selected if m == n] or list(KINDS)
        wanted = {c for k in kinds for c in NEEDS[k]}
        jobs = [((c, n), command(case, ref, work, c)) for c in ORDER if c in wanted]
        future = _pool.submit(_run_all, jobs)
        for key, _ in jobs:
            _runs[key] = future


def tscript(case, ref, work, which):
    """The CompletedProcess of one of the source's commands (each runs once
    per session, shared between the checks)."""
    key = (which, case.name)
    got = _runs.get(key)
    if isinstance(got, Future):
        got.result()
        got = _runs[key]
    if isinstance(got, Exception):
        raise got
    if got is None:
        os.makedirs(os.path.join(work, case.name), exist_ok=True)
        got = _runs[key] = run_tscript(command(case, ref, work, which), timeout=TSCRIPT_TIMEOUT)
    return got


def tscript_run(case, ref, work):
    proc = tscript(case, ref, work, "run")
    assert_ok(proc)
    return harness.read_outputs(os.path.join(work, case.name, "run"))


def tscript_script(case, ref, work):
    proc = tscript(case, ref, work, "script")
    assert_ok(proc)
    return proc, os.path.join(work, case.name, "out.pt")


def check_run(case, ref, work):
    assert_same_arrays(tscript_run(case, ref, work), ref.flat, ref.flat64,
                       degenerate_ok=case.degenerate_ok)


def check_archive(case, ref, work):
    _, out = tscript_script(case, ref, work)
    got = scriptcase.run_archive(out, ref.load_inputs(), case.method)
    assert_same_arrays(got, ref.flat, ref.flat64, degenerate_ok=case.degenerate_ok)


def check_tree(case, ref, work):
    proc = tscript(case, ref, work, "tree")
    assert_ok(proc)
    assert proc.stdout == ref.tree + "\n", "tscript show --tree:\n%s\nPyTorch:\n%s\n" % (
        proc.stdout, ref.tree)


# PyTorch's code of one source scripted alone, in a fresh process (see reference_codes)
FRESH_CODES = r"""
import os, pickle, sys, tempfile
sys.path[:0] = sys.argv[1:3]
import torch
import scriptcase
case = scriptcase.Case(sys.argv[3])
with tempfile.TemporaryDirectory() as d:
    model = scriptcase.construct(case, scriptcase.import_source(case, d))
    path = os.path.join(d, "scripted.pt")
    torch.jit.save(torch.jit.script(model), path)
    codes = scriptcase.module_codes(torch.jit.load(path))
with open(sys.argv[4], "wb") as f:
    pickle.dump(codes, f)
"""


def reference_codes(case, ref):
    """The codes tscript's archive must print. A mangled name
    (`___torch_mangle_N`) numbers every name PyTorch's process mangled
    before, and the reference process scripts source after source, so a code
    naming one is taken again from a process that scripts only this source:
    what PyTorch gives a user scripting this model (cached beside the
    reference)."""
    if not any("___torch_mangle_" in c for c in ref.codes.values()):
        return ref.codes
    path = os.path.join(ref.dir, "codes_fresh.pickle")
    if not os.path.exists(path):
        tmp = "%s.%d.tmp" % (path, os.getpid())
        subprocess.run([sys.executable, "-c", FRESH_CODES, HERE, scriptcase.CONFORMANCE, case.path, tmp],
                       check=True, timeout=300)
        os.replace(tmp, path)
    with open(path, "rb") as f:
        return pickle.load(f)


def check_code(case, ref, work):
    _, out = tscript_script(case, ref, work)
    m = torch.jit.load(out)
    assert str(m) == ref.tree, "the archive's tree:\n%s\nPyTorch's:\n%s" % (m, ref.tree)
    got = scriptcase.module_codes(m)
    codes = reference_codes(case, ref)
    assert list(got) == list(codes), "modules with code: tscript %s, PyTorch %s" % (
        list(got), list(codes))
    for path, want in codes.items():
        assert got[path] == want, "code of %r:\n--- tscript's archive ---\n%s\n--- PyTorch's " \
            "---\n%s" % (path or "(top)", got[path], want)


def within_ulps(g, w, n):
    """Elementwise: equal, both NaN, or at most n units in the last place of w apart.
    Parameters drawn from PyTorch's generator come out bit for bit; a buffer that
    __init__ computes with float32 transcendentals (a sinusoidal table) is rounded by
    tscript's libm where PyTorch uses Sleef's vector sin/cos/exp, which may differ in
    the last bit. A wrong generator or a wrong formula is off by far more than that."""
    a = w.abs()
    ulp = torch.nextafter(a, torch.full_like(a, float("inf"))) - a
    return (g == w) | (g.isnan() & w.isnan()) | ((g - w).abs() <= n * ulp)


def check_seed(case, ref, work):
    proc = tscript(case, ref, work, "seed")
    assert_ok(proc)
    out = os.path.join(work, case.name, "init.pt")
    got = torch.jit.load(out).state_dict()
    want = torch.load(ref.init_state)
    assert list(got) == list(want), "state_dict keys: tscript %s, PyTorch %s" % (
        list(got), list(want))
    for key, w in want.items():
        g = got[key]
        assert g.dtype == w.dtype and g.shape == w.shape, "%s: tscript %s %s, PyTorch %s %s" % (
            key, g.dtype, tuple(g.shape), w.dtype, tuple(w.shape))
        same = torch.equal(g, w) or (g.is_floating_point() and bool(within_ulps(g, w, 2).all()))
        if not same:
            diff = (g.double() - w.double()).abs()
            raise AssertionError("%s differs: max |tscript - PyTorch| = %.3g (first values "
                                 "tscript %s, PyTorch %s)" % (
                                     key, float(diff.max()), g.reshape(-1)[:4].tolist(),
                                     w.reshape(-1)[:4].tolist()))


def check_reload(case, ref, work):
    first = tscript_run(case, ref, work)
    tscript_script(case, ref, work)
    proc = tscript(case, ref, work, "reload")
    assert_ok(proc)
    out = os.path.join(work, case.name, "reload")
    again = harness.read_outputs(out)
    assert len(again) == len(first), (len(again), len(first))
    for i, (a, b) in enumerate(zip(again, first)):
        assert a.dtype == b.dtype and a.shape == b.shape, (i, a.dtype, a.shape, b.dtype, b.shape)
        assert np.array_equal(a, b, equal_nan=np.issubdtype(a.dtype, np.floating)), (
            "output %d: the reloaded archive's differs from the source's (max diff %.3g)" % (
                i, float(np.nanmax(np.abs(a.astype(np.float64) - b)))))


def check_warn(case, ref, work):
    """One warning naming @torch.jit.script from each command that reads the
    source: show and run, and script once it writes archives."""
    procs = [tscript(case, ref, work, "run"), tscript(case, ref, work, "tree")]
    script = _runs.get(("script", case.name))
    if isinstance(script, Future):
        script = tscript(case, ref, work, "script")
    if script is not None and script.returncode == 0:
        procs.append(script)
    for proc in procs:
        lines = [ln for ln in proc.stderr.splitlines() if "warning" in ln]
        assert len(lines) == 1, "expected one warning line\n" + describe(proc)
        assert "torch.jit.script" in lines[0], lines[0]


def check_trace(case, ref, work):
    want = tracecase.trace_reference(case, ref)
    if not want["traceable"]:
        pytest.skip("PyTorch cannot trace it: " + want["why"])
    proc = tscript(case, ref, work, "trace")
    assert_ok(proc)
    m = torch.jit.load(os.path.join(work, case.name, "traced.pt"))
    kinds = tracecase.graph_kinds(m)
    assert kinds == want["kinds"], "node kinds of the inlined trace differ:\ntscript %s\nPyTorch %s" % (
        kinds, want["kinds"])
    with torch.no_grad():
        got = harness.flatten(m(*ref.load_inputs()))
    # PyTorch's trace can take another path than its scripted model (a Transformer's
    # inference fast path is not traced): its own outputs are the reference; the
    # float64 run of the scripted model sets the tolerance where the two agree
    want_flat = want["flat"]
    agree = len(want_flat) == len(ref.flat) and all(
        a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-5) for a, b in zip(want_flat, ref.flat))
    assert_same_arrays(got, want_flat, ref.flat64 if agree else None, degenerate_ok=case.degenerate_ok)


CHECKS = {"run": check_run, "archive": check_archive, "tree": check_tree, "code": check_code,
          "seed": check_seed,
          "reload": check_reload, "trace": check_trace, "warn": check_warn}


@pytest.mark.parametrize("kind,name", check_params())
def test_script(refs, work, kind, name):
    case = BY_NAME[name]
    prefetch(refs, work, name)
    CHECKS[kind](case, refs(name), work)
