#!/usr/bin/env bash
# The README's test command: prepare a fresh machine, then run every test (library unit tests and
# the integration binary tests/tests.rs), `.ci/run` runs exactly this,
# plus fmt and clippy.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo test --locked --all-targets "$@"

