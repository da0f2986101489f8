"""The code printer against PyTorch's: PyTorch printed every archive's code/
from its graphs; tscript parses that code into its IR and prints it back
(`tscript show A.pt --code --reprint`). Each file must come out as PyTorch
wrote it, byte for byte.

Archives: examples/*.pt, every golden archive (tests/golden/torch-*/), and
with TSCRIPT_REPRINT_CORPUS=1 the conformance corpus too (test_corpus.CORPUS,
built by PyTorch 1.13 through the shared archive cache; not yet measured, so
its differences are not listed). What still differs is listed in
code_reprint_known.txt, one "ARCHIVE CODE_FILE reason" per line; the list is
strict: a listed file that starts to match fails the test until its line is
removed, so progress shows as a diff of that file. The exact-match figure is
printed (pytest -s) and written to $TSCRIPT_BUILD/code_reprint_summary.txt.
"""
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
    stats = dict(files=0, files_same=0, defs=0, defs_same=0)
    diffs = {}
    for label, path in fixed_archives():
        compare(label, path, stats, diffs)
    if os.environ.get("TSCRIPT_REPRINT_CORPUS") == "1":
        # the corpus too (slow the first time: PyTorch scripts every model)
        for name in sorted(test_corpus.CORPUS):
            compare("corpus:" + name, corpus_archive(archive, name), stats, diffs)
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
    unexpected = sorted(set(diffs) - set(listed))
    fixed = sorted(set(listed) - set(diffs))
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
