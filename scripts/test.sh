#!/usr/bin/env bash
# The README's test command: prepare a fresh machine, then run every test (library unit tests,
# the integration binary tests/tests.rs with the GUI tests, and the real-model test against a
# llama-server built from source). `.ci/run` runs exactly this, then fmt and clippy.
#
# The real-model server is built (first run: about 10 minutes on two cores; cached afterwards
# in ~/.cache/debrief-local-model) in the background at low priority while the Rust tests
# compile and run. If it cannot be built or fetched, its test is reported SKIPPED, never passed.
# Arguments are passed to `cargo test`; with arguments (a filter), the real-model test is left
# out and the output says so. DEBRIEF_SKIP_LOCAL_MODEL=1 leaves it out too.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"

local_model=1
if [ "$#" -gt 0 ] || [ "${DEBRIEF_SKIP_LOCAL_MODEL:-0}" = 1 ]; then local_model=0; fi

builder=""
if [ "$local_model" = 1 ]; then
    build_log=$(mktemp)
    nice -n 10 ./scripts/local-model.sh >/dev/null 2>"$build_log" &
    builder=$!
fi

cargo test --locked --all-targets "$@"

if [ "$local_model" = 1 ]; then
    if wait "$builder"; then
        ./scripts/test-local-model.sh
    else
        cat "$build_log" >&2
        echo "local-model test: SKIPPED (scripts/local-model.sh could not build llama-server or fetch the model; see above)" >&2
    fi
    rm -f "$build_log"
else
    echo "local-model test: not run (a test filter was given, or DEBRIEF_SKIP_LOCAL_MODEL=1)" >&2
fi
