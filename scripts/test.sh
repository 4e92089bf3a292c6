#!/usr/bin/env bash
# The README's test command: prepare a fresh machine, then run every test (library unit tests and
# the integration binary tests/tests.rs), then the real-model test. `.ci/run` runs exactly this,
# plus fmt and clippy.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo test --locked --all-targets "$@"
# The one test that talks to a real model (llama-server built from source, cached after the first run).
./scripts/test-local-model.sh
