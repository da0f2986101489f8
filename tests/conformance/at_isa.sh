#!/bin/sh
# at_isa.sh LEVEL COMMAND... - run COMMAND (the conformance suite) with the
# kernels capped at instruction-set level LEVEL (TSCRIPT_ISA=LEVEL), for the
# ctest entries conformance.portable, conformance.avx2 and conformance.avx512.
# Exits 77, which ctest reports as skipped, when this CPU does not run LEVEL,
# or when LEVEL is the one the plain `conformance` entry runs already.
# $TSCRIPT_BIN is the tscript binary under test; `tscript --version` names
# the level in use ("kernels: avx2 (this CPU runs avx512)").
level=$1
shift
active() {
    "$TSCRIPT_BIN" --version | sed -n 's/^kernels: \([a-z0-9]*\) .*/\1/p'
}
default=$(active)
got=$(TSCRIPT_ISA=$level active)
if [ -z "$got" ]; then
    echo "at_isa.sh: cannot read the kernel level from '$TSCRIPT_BIN --version'" >&2
    exit 1
fi
if [ "$got" != "$level" ]; then
    echo "skipped: this CPU does not run $level kernels (TSCRIPT_ISA=$level gives $got)"
    exit 77
fi
if [ "$got" = "$default" ]; then
    echo "skipped: $level is the default level, which the 'conformance' test runs"
    exit 77
fi
echo "conformance suite with TSCRIPT_ISA=$level"
TSCRIPT_ISA=$level
export TSCRIPT_ISA
exec "$@"
