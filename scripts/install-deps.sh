#!/usr/bin/env bash
# install-deps.sh - install with apt-get what building and testing tscript needs,
# and only what is missing (apt-get update runs only when something is).
#
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --build   only what building the CLI needs (`make demo`)
#   scripts/install-deps.sh --bench   also libtorch-dev (python3-venv: ONNX Runtime's venv)
#                                     and python3-matplotlib, for `make bench`
#
# Without --build it also creates .venv-models (ignored by git): a venv over
# Debian's python3 with --system-site-packages (Debian's torch 1.13.1 is used)
# holding the pinned PyPI packages of tests/conformance/requirements-models.txt
# (transformers, timm) for the corpus's PyPI families (test_corpus_pypi.py).
# pip reinstalls only when that file changes.
#
# Debian 12 package names. Run as root, or as a user who may sudo.
set -euo pipefail

packages=(
    make cmake gcc g++ clang libclang-rt-14-dev
    zlib1g-dev libcmocka-dev libopenblas-dev liblapacke-dev libdnnl-dev
    python3-torch python3-torchvision python3-torchaudio python3-numpy python3-pytest
    python3-venv python3-pip python3-yaml python3-requests python3-packaging
)
if [[ "${1:-}" == "--bench" ]]; then
    packages+=(libtorch-dev python3-matplotlib)
elif [[ "${1:-}" == "--build" ]]; then
    packages=(make cmake gcc g++ zlib1g-dev libopenblas-dev liblapacke-dev libdnnl-dev)
    models_venv=no
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--build | --bench]" >&2
    exit 2
fi

# .venv-models: created or refreshed when requirements-models.txt is newer
# than the venv's stamp (as the user who runs this script, not root's pip
# over the system: the venv is the project's own).
setup_models_venv() {
    [[ "${models_venv:-yes}" == yes ]] || return 0
    local root req venv
    root=$(cd "$(dirname "$0")/.." && pwd)
    req="$root/tests/conformance/requirements-models.txt"
    venv="$root/.venv-models"
    if [[ -f "$venv/.stamp" ]] && cmp -s "$req" "$venv/.stamp"; then
        echo "install-deps: .venv-models is up to date"
        return 0
    fi
    echo "install-deps: creating .venv-models from $req"
    /usr/bin/python3 -m venv --system-site-packages "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
    cp "$req" "$venv/.stamp"
}

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
    setup_models_venv
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        sudo=(sudo)
    else
        echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
        exit 1
    fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
setup_models_venv
