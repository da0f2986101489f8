"""The code printer against PyTorch's: PyTorch printed every archive's code/
from its graphs; tscript parses that code into its IR and prints it back
(`tscript show A.pt --code --reprint`). Each file must come out as PyTorch
wrote it, byte for byte.

Archives: examples/*.pt, every golden archive (tests/golden/torch-*/), and
the conformance corpus (test_corpus.CORPUS, the archives PyTorch 1.13 writes
for test_corpus.py, shared through the archive cache), and every other
archive in that cache (those the other conformance tests had PyTorch write). What still differs is listed in
code_reprint_known.txt, one "ARCHIVE CODE_FILE reason" per line; the list is
strict: a listed file that starts to match fails the test until its line is
removed, so progress shows as a diff of that file. The exact-match figure is
printed (pytest -s) and written to $TSCRIPT_BUILD/code_reprint_summary.txt.
"""
import fnmatch
import glob
import os
import zipfile

import pytest
import torch

import harness
import test_corpus

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = harness.REPO
KNOWN_PATH = os.path.join(HERE, "code_reprint_known.txt")


def known():
    out = {}
    with open(KNOWN_PATH) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            out[(parts[0], parts[1])] = parts[2] if len(parts) > 2 else ""
    return out


def archive_code(path):
    """{'__torch__/x.py': text} of the archive's code/ directory."""
    files = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            i = name.find("/code/")
            if i >= 0 and name.endswith(".py"):
                files[name[i + len("/code/"):]] = z.read(name).decode("utf-8")
    return files


def reprinted(path):
    proc = harness.run_tscript(["show", path, "--code", "--reprint"])
    harness.assert_ok(proc)
    files, cur, lines = {}, None, []
    for line in proc.stdout.splitlines(keepends=True):
        if line.startswith("# code/"):
            if cur is not None:
                files[cur] = "".join(lines)
            cur, lines = line[len("# code/"):].rstrip("\n"), []
        else:
            lines.append(line)
    if cur is not None:
        files[cur] = "".join(lines)
    # the blank line between files belongs to the listing, not to a file
    return {k: (v[:-1] if v.endswith("\n\n") else v) for k, v in files.items()}


def definitions(text):
    """Top-level class/def blocks of a file, by their first line."""
    blocks, cur = [], []
    for line in text.splitlines(keepends=True):
        if (line.startswith("class ") or line.startswith("def ")) and cur:
            blocks.append("".join(cur))
            cur = []
        cur.append(line)
    if cur:
        blocks.append("".join(cur))
    return blocks


def fixed_archives():
    paths = sorted(glob.glob(os.path.join(REPO, "examples", "*.pt")))
    paths += sorted(glob.glob(os.path.join(REPO, "tests", "golden", "torch-*", "*.pt")))
    return [(os.path.relpath(p, REPO), p) for p in paths]


def corpus_archive(archive, name):
    build, how, inputs = test_corpus.CORPUS[name]
    torch.manual_seed(0)
    example = inputs()

    def make():
        m = test_corpus.realistic(build(), inputs)
        if how == "script_train":
            return torch.jit.script(m.train())
        m = m.eval()
        return harness.script(m) if how == "script" else harness.trace(m, *example)

    return archive("corpus_" + name, make)


def compare(label, path, stats, diffs):
    stats.setdefault("labels", set()).add(label)
    ours = reprinted(path)
    theirs = archive_code(path)
    for f in sorted(theirs):
        stats["files"] += 1
        mine = ours.get(f)
        a, b = definitions(theirs[f]), definitions(mine or "")
        stats["defs"] += len(a)
        stats["defs_same"] += sum(1 for x in a if x in b)
        if mine == theirs[f]:
            stats["files_same"] += 1
        else:
            diffs[(label, f)] = (theirs[f], mine)
    for f in sorted(set(ours) - set(theirs)):
        diffs[(label, f)] = (None, ours[f])


def test_code_reprint(archive):
    stats = dict(files=0, files_same=0, defs=0, defs_same=0, labels=set())
    diffs = {}
    for label, path in fixed_archives():
        compare(label, path, stats, diffs)
    # the corpus archives are the ones test_corpus.py runs (shared through
    # the archive cache; without it PyTorch scripts every model here)
    for name in sorted(test_corpus.CORPUS):
        if test_corpus.slow_skipped(name):
            continue
        path = corpus_archive(archive, name)
        if name in test_corpus.KNOWN and not test_corpus.loads_in_tscript(path):
            continue  # a known failure tscript cannot even load (quantized tensors): no code to compare
        compare("corpus:" + name, path, stats, diffs)
    # and whatever other archives PyTorch wrote for this suite's runs so far
    cache = harness.cache_dir()
    for path in sorted(glob.glob(os.path.join(cache, "archives", "*.pt"))) if cache else []:
        name = os.path.basename(path)
        if not name.startswith("corpus_"):
            compare("cache:" + name, path, stats, diffs)
    summary = ("code printer: %d of %d code files and %d of %d classes/functions printed exactly as "
               "PyTorch did; %d files differ" % (stats["files_same"], stats["files"], stats["defs_same"],
                                                   stats["defs"], len(diffs)))
    print("\n" + summary)
    build = os.environ.get("TSCRIPT_BUILD")
    if build and os.path.isdir(build):
        with open(os.path.join(build, "code_reprint_summary.txt"), "w") as f:
            f.write(summary + "\n")
            for k in sorted(diffs):
                f.write("%s %s\n" % k)
    listed = known()

    def listed_as(k, pat):
        return k[0] == pat[0] and fnmatch.fnmatchcase(k[1], pat[1])

    unexpected = sorted(k for k in diffs if not any(listed_as(k, p) for p in listed))
    # (a cached archive another test writes may be absent: only what was compared counts)
    fixed = sorted(p for p in listed if p[0] in stats["labels"] and not any(listed_as(k, p) for k in diffs))
    msg = []
    for k in unexpected[:5]:
        theirs, mine = diffs[k]
        import difflib
        d = "".join(difflib.unified_diff((theirs or "").splitlines(True), (mine or "").splitlines(True),
                                         "pytorch", "tscript", n=1))
        msg.append("%s %s differs:\n%s" % (k[0], k[1], d[:3000]))
    if unexpected:
        msg.append("%d unlisted differences: %s" % (len(unexpected), ", ".join("%s %s" % k for k in unexpected)))
    if fixed:
        msg.append("now identical, remove from code_reprint_known.txt: %s" % ", ".join("%s %s" % k for k in fixed))
    assert not msg, "\n".join(msg)


# ---- the printed code compiles and computes the same ----

GOLDEN = os.path.join(REPO, "tests", "golden")


def golden_cases():
    import json
    out = []
    for d in sorted(glob.glob(os.path.join(GOLDEN, "torch-*"))):
        with open(os.path.join(d, "manifest.json")) as f:
            for c in json.load(f)["cases"]:
                out.append((os.path.basename(d), d, c))
    return out


def input_word(directory, item):
    if "npy" in item:
        return os.path.join(directory, item["npy"])
    for k in ("bool", "int", "float"):
        if k in item:
            return str(item[k]) if k != "bool" else ("True" if item[k] else "False")
    return "None"


def with_reprinted_code(src, dst):
    """Copy archive src to dst with every code/ file replaced by tscript's
    print of it (debug_pkl records, which map the old text, dropped)."""
    ours = reprinted(src)

    def edit(name, data):
        i = name.find("/code/")
        if i < 0:
            return data
        rel = name[i + len("/code/"):]
        if rel.endswith(".debug_pkl"):
            return None
        assert rel in ours, "tscript printed no %s" % rel
        return ours[rel].encode("utf-8")

    harness.rewrite_zip(src, dst, edit)


@pytest.mark.parametrize("version,directory,case", golden_cases(),
                         ids=["%s/%s" % (v, c["name"]) for v, _, c in golden_cases()])
def test_reprinted_code_computes_the_same(tmp_path, version, directory, case):
    """The archive with its code replaced by tscript's print gives outputs
    bit-identical to the original's in tscript (same IR, same kernels)."""
    src = os.path.join(directory, case["archive"])
    dst = str(tmp_path / "reprinted.pt")
    with_reprinted_code(src, dst)
    words = [input_word(directory, i) for i in case["inputs"]]
    assert_same_runs(tmp_path, src, dst, words)


def assert_same_runs(tmp_path, src, dst, words, extra=()):
    runs = []
    for path, out in ((src, tmp_path / "a"), (dst, tmp_path / "b")):
        proc = harness.run_tscript(["run", path] + words + ["-o", str(out)] + list(extra))
        harness.assert_no_crash(proc)
        runs.append((proc, out))
    (pa, oa), (pb, ob) = runs
    if pa.returncode != 0:
        # the original does not run in tscript (a known failure): the
        # reprint must fail the same way
        assert pb.returncode != 0, harness.describe(pb)
        return
    assert pb.returncode == 0, harness.describe(pb)
    a, b = harness.read_outputs(str(oa)), harness.read_outputs(str(ob))
    assert len(a) == len(b) and len(a) > 0
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes(), "outputs differ after reprinting"


@pytest.mark.parametrize("name", sorted(test_corpus.CORPUS))
def test_reprinted_corpus_computes_the_same(archive, tmp_path, name):
    """The same for every corpus model, on its example inputs."""
    if test_corpus.slow_skipped(name):
        pytest.skip("full-size weights: set TSCRIPT_CORPUS_SLOW=1 to run")
    src = corpus_archive(archive, name)
    if name in test_corpus.KNOWN and not test_corpus.loads_in_tscript(src):
        pytest.skip("a known failure tscript cannot load: %s" % test_corpus.KNOWN[name])
    torch.manual_seed(0)
    example = test_corpus.CORPUS[name][2]()
    dst = str(tmp_path / "reprinted.pt")
    with_reprinted_code(src, dst)
    words = harness.input_words(example, str(tmp_path / "in"))
    extra = ["--ops-lib", harness.ops_lib()] if name in test_corpus.TV_OPS else []
    assert_same_runs(tmp_path, src, dst, words, extra)


def test_source_compiled_module_loads_in_pytorch(tmp_path):
    """The archive tests/unit/test_code_print.c saves for a module compiled
    from source (its code printed from the IR) loads in PyTorch, whose
    forward agrees with tscript's run of the same archive."""
    import numpy as np
    import subprocess
    unit = os.path.join(os.path.dirname(harness.tscript_bin()), "test_code_print")
    if not os.access(unit, os.X_OK):
        pytest.skip("no %s (the cmocka tests were not built)" % unit)
    path = str(tmp_path / "model.pt")
    env = dict(harness.sanitizer_env(), TS_CODE_PRINT_KEEP=path)
    proc = subprocess.run([unit], capture_output=True, text=True, env=env, timeout=harness.TIMEOUT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    m = torch.jit.load(path)
    # the input the C test uses
    x = torch.tensor([[((i * 4 + j) * 7 % 11) * 0.5 - 1.5 for j in range(4)] for i in range(3)])
    expected = m(x).numpy()
    assert np.count_nonzero(expected) >= 3 and np.abs(expected).max() > 0.5
    _, got = harness.run_model(path, [x], str(tmp_path))
    # a few float32 ops (mul, add, sum, mean, div): within a few ulp
    np.testing.assert_allclose(got[0], expected, rtol=1e-6, atol=1e-6)
