#!/usr/bin/env bash
# Install the Debian packages Debrief needs to build and run, skipping what is already there.
# Usage: scripts/setup.sh [EXTRA_PACKAGE ...]
# Needs root (or sudo) only when something is missing.
set -euo pipefail

# gcc/libc6-dev: the bundled SQLite is C; ca-certificates: TLS to hosted providers.
# The GUI (eframe, glow backend) links nothing at build time but loads X11/Wayland, xkbcommon
# and OpenGL (EGL/GLX via Mesa) at run time.
packages=(gcc libc6-dev ca-certificates libx11-6 libxcursor1 libxi6 libxrandr2 libxkbcommon-x11-0 libegl1 libgl1 libgl1-mesa-dri)
# Callers may ask for more (scripts/screenshot.sh adds Xvfb and its tools).
packages+=("$@")

# Rust: Debian's own cargo is too old for edition 2024, so a machine without cargo gets the
# official toolchain through rustup (the only step that needs network beyond apt).
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo not found; installing the Rust toolchain with rustup" >&2
    command -v curl >/dev/null 2>&1 || packages+=(curl)
    install_rust=1
fi

need=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [ "${install_rust:-0}" = 1 ]; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
    echo "setup: Rust installed; scripts put ~/.cargo/bin on PATH themselves" >&2
fi
