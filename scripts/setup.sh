#!/usr/bin/env bash
# Install the Debian packages Debrief needs to build and run, skipping what is already there.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

# gcc/libc6-dev: the bundled SQLite is C; ca-certificates: TLS to hosted providers.
packages=(gcc libc6-dev ca-certificates)

need=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

echo "setup: installing ${need[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
