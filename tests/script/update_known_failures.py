#!/usr/bin/python3
"""Rewrite tests/script/known_failures.txt from a run: every check of the
scripting corpus, the error corpus and the bad-input tests that fails with
$TSCRIPT_BIN gets a line "NAME reason", the reason being tscript's first
error line (paths shortened) or the check's own message. The comment at the
top of the file is kept, and so are the lines whose reason starts with
"asan:" (failures only a sanitized build shows; add them by hand after a run
on the ASan build). Run it when tscript's scripting changes, and read the
diff: lines gone are progress, lines added are regressions.

    TSCRIPT_BIN=build/tscript /usr/bin/python3 tests/script/update_known_failures.py
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "known_failures.txt")
NEVER = ("reference:", "pytorch:")


def reason(text):
    text = text.replace(os.path.join(HERE, "corpus") + "/", "").replace(HERE + "/", "")
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("tscript: error:"):
            line = line[len("tscript: error:"):].strip()
            return line[:200]
    lines = [re.sub(r"^E\s+", "", ln.strip()) for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    for i, line in enumerate(lines):
        if "Error" in line:
            if line.endswith(":") and i + 1 < len(lines):  # the message is on the next line
                line += " " + lines[i + 1]
            return line[:200]
    return text.strip().splitlines()[0][:200] if text.strip() else "fails"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "run.xml")
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "--tb=short", "--runxfail", "--junitxml", xml, HERE],
                       cwd=os.path.dirname(os.path.dirname(HERE)))
        failed = []
        for tc in ET.parse(xml).getroot().iter("testcase"):
            bad = tc.find("failure")
            if bad is None:
                bad = tc.find("error")
            m = re.search(r"\[(.*)\]$", tc.get("name", ""))
            if bad is None or not m:
                continue
            name = m.group(1)
            if name.startswith(NEVER):
                print("not listed (PyTorch's half must pass): %s" % name, file=sys.stderr)
                continue
            failed.append((name, reason((bad.get("message") or "") + "\n" + (bad.text or ""))))
    with open(PATH) as f:
        lines = f.read().splitlines()
    head = [ln for ln in lines if ln.startswith("#")]
    # sanitizer-only failures ("asan:" reasons) are kept from the old list
    # (a release binary cannot see them) unless this run fails them anyway
    names = {n for n, _ in failed}
    failed += [tuple(ln.split(" ", 1)) for ln in lines if not ln.startswith("#")
               and " asan:" in ln and ln.split(" ", 1)[0] not in names]
    with open(PATH, "w") as f:
        f.write("\n".join(head) + "\n")
        for name, why in sorted(failed):
            f.write("%s %s\n" % (name, why))
    print("%s: %d known failures" % (PATH, len(failed)))


if __name__ == "__main__":
    main()
