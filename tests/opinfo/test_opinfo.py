"""The OpInfo suite as a test (ctest entry `opinfo`): every applicable OpInfo
entry passes in tscript or is listed in known_failures.txt with its reason,
and no listed entry passes (the list is strict both ways). See opinfo.py."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opinfo  # noqa: E402


def test_opinfo_entries():
    index, status = opinfo.run()
    print(opinfo.summary(index, status))
    known = opinfo.read_known()
    failing = {k: v for k, v in status.items() if v}
    new = sorted(set(failing) - set(known))
    fixed = sorted(k for k in known if k not in failing)
    msg = []
    if new:
        msg.append("%d entries fail and are not in known_failures.txt:\n  %s" % (
            len(new), "\n  ".join("%s %s" % (k, failing[k]) for k in new)))
    if fixed:
        msg.append("%d entries in known_failures.txt pass or are no longer applicable "
                   "(remove them):\n  %s" % (len(fixed), "\n  ".join(fixed)))
    assert not msg, opinfo.summary(index, status) + "\n" + "\n".join(msg) + (
        "\n(rewrite the list with: tests/opinfo/opinfo.py --update)")
