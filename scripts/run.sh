#!/usr/bin/env bash
# The README's run command: prepare a fresh machine, build in release mode, run `debrief` with
# the given arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
exec cargo run --locked --release --quiet -- "$@"
