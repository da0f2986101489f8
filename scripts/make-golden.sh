#!/usr/bin/env bash
# make-golden.sh - regenerate the golden archives in tests/golden/torch-X.Y/ by running
# tests/golden/generate.py under each PyTorch the suite covers. See tests/golden/README.md.
#
#   scripts/make-golden.sh                      all versions: 1.13 2.1 2.15
#   scripts/make-golden.sh 2.15                 only these versions
#   scripts/make-golden.sh --venvs DIR [...]    take (or create) the venvs DIR/torch-X.Y
#
# 1.13 is Debian's python3-torch (/usr/bin/python3). Every other version runs in a venv,
# by default .venv-golden/torch-X.Y/ in the repository (ignored by git); a missing one
# is created with `python3 -m venv` and `pip install torch==... torchvision==... numpy`.
# Environment:
#   GOLDEN_VENV_PYTHON  the python that creates venvs (default python3; PyTorch 2.1 needs <= 3.11)
#   GOLDEN_PIP_ARGS     extra pip arguments, e.g. "--index-url https://download.pytorch.org/whl/cpu"
#                       (CPU-only wheels: far smaller downloads than the default CUDA ones)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venvs="$repo/.venv-golden"
all_versions=(1.13 2.1 2.15)

# version -> the pip requirements of its venv (torchvision built for that torch)
pins() {
    case "$1" in
        2.1)  echo "torch==2.1.2 torchvision==0.16.2 numpy<2" ;;
        2.15) echo "torch==2.15.0 torchvision==0.29.2 numpy" ;;
        *)    return 1 ;;
    esac
}

usage() {
    echo "usage: $0 [--venvs DIR] [VERSION ...]   (versions: ${all_versions[*]})" >&2
    exit 2
}

versions=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --venvs) [[ $# -ge 2 ]] || usage; mkdir -p "$2"; venvs=$(cd "$2" && pwd); shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) usage ;;
        *) versions+=("$1"); shift ;;
    esac
done
[[ ${#versions[@]} -gt 0 ]] || versions=("${all_versions[@]}")
for v in "${versions[@]}"; do
    if [[ "$v" != 1.13 ]] && ! pins "$v" >/dev/null; then
        echo "make-golden: unknown version '$v' (known: ${all_versions[*]})" >&2
        exit 2
    fi
done

python_for() {
    local v=$1
    if [[ "$v" == 1.13 ]]; then
        echo /usr/bin/python3
        return
    fi
    local reqs dir="$venvs/torch-$v"
    reqs=$(pins "$v")
    # A venv whose install was interrupted is completed, not trusted.
    if ! "$dir/bin/python" -c "import torch, torchvision, numpy" 2>/dev/null; then
        echo "make-golden: installing $reqs into $dir" >&2
        [[ -x "$dir/bin/python" ]] || "${GOLDEN_VENV_PYTHON:-python3}" -m venv "$dir"
        # shellcheck disable=SC2086
        "$dir/bin/pip" install --quiet ${GOLDEN_PIP_ARGS:-} $reqs >&2
        "$dir/bin/python" -c "import torch, torchvision, numpy" ||
            { echo "make-golden: $dir: torch, torchvision or numpy did not install" >&2; exit 1; }
    fi
    echo "$dir/bin/python"
}

for v in "${versions[@]}"; do
    py=$(python_for "$v")
    got=$("$py" -c 'import torch; print(".".join(torch.__version__.split("+")[0].split(".")[:2]))')
    if [[ "$got" != "$v" ]]; then
        echo "make-golden: $py has torch $got, not $v" >&2
        exit 1
    fi
    "$py" "$repo/tests/golden/generate.py" "$repo/tests/golden/torch-$v"
done
du -sh "$repo"/tests/golden/torch-* >&2
