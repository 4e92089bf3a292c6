#!/usr/bin/env bash
# Screenshot tour of the real Debrief window: builds the release binary, starts it under Xvfb
# with a fresh data folder (so the bundled sample conversations load and no saved state leaks in),
# drives it with xdotool and saves one PNG per main state:
#
#   01_workbench          just after start: conversations, schema and prompt editors
#   02_analysis           after Ctrl+Enter (offline baseline run): Analysis tab
#   03_transcript         Ctrl+1: Transcript tab
#   04_raw                Ctrl+3: Raw tab
#   05_next_conversation  Esc, Down twice, Ctrl+2, Ctrl+Enter: the third conversation analysed
#   05b_run_all           "Run all" clicked: every conversation's status in the list
#   06_history            Ctrl+Shift+2: History view with three runs
#   07_history_run        the first row (the Run all run) clicked open
#   08_history_next       Down: the next result of that run
#   09_settings           Ctrl+Shift+3: Settings view
#   10_schema_error       Ctrl+Shift+1, a stray `x` typed at the end of the schema: the syntax error
#
# Usage: scripts/screenshot.sh [OUTPUT_DIR]    (default: shots/, git-ignored)
# Env:   SKIP_BUILD=1 to use the existing target/release/debrief
#        KEEP_TMP=1 to keep the temporary data folder and the app log
#
# The click positions below are for the 1360x860 screen this script creates; they were read off
# the screenshots themselves. If the layout changes, look at 01/06 and adjust them.
set -euo pipefail

# A relative OUTPUT_DIR is taken from where the script was called; the app runs from the
# repository root (where it finds sample_conversations/).
out=${1:-}
if [ -n "$out" ]; then
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
fi
cd "$(dirname "$0")/.."
root=$(pwd)
out=${out:-$root/shots}
mkdir -p "$out"

# Screen size and the click positions (x y) used below.
screen_w=1360
screen_h=860
schema_editor_xy=(${SCHEMA_EDITOR_XY:-560 400})  # inside the schema (left) code editor
history_row1_xy=(${HISTORY_ROW1_XY:-120 130})    # first data row of the History runs table
run_all_xy=(${RUN_ALL_XY:-553 40})               # the "Run all (N)" button in the top bar
cost_xy=(${COST_XY:-742 40})                      # the "Cost..." button in the top bar
run_tabs_y=${RUN_TABS_Y:-216}                      # the History run browser's tab row
tab_results_x=78 tab_dashboard_x=154 tab_evaluation_x=240 tab_review_x=334 tab_compare_x=426
settle=${SETTLE:-1.5}                            # seconds for a frame to settle before a capture
run_wait=${RUN_WAIT:-3}                          # seconds for an offline run to finish

# --- 1. Packages --------------------------------------------------------------------------
# /usr/bin/import (ImageMagick) captures the screen; the `convert` on PATH may be a stand-in.
"$root/scripts/setup.sh" xvfb xauth xdotool imagemagick libegl-mesa0
import=/usr/bin/import
[ -x "$import" ] || { echo "screenshot: $import not found (imagemagick)" >&2; exit 1; }

# --- 2. Build -----------------------------------------------------------------------------
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cargo build --release --locked
fi
bin="$root/target/release/debrief"
[ -x "$bin" ] || { echo "screenshot: $bin missing (build first or unset SKIP_BUILD)" >&2; exit 1; }

# --- 3. Xvfb on a free display ------------------------------------------------------------
tmp=$(mktemp -d -t debrief-shots.XXXXXX)
xvfb_pid=""
app_pid=""
cleanup() {
    # Kill only the processes this script started, by their pid.
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    [ -n "$app_pid" ] && wait "$app_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && wait "$xvfb_pid" 2>/dev/null || true
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "screenshot: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

display=""
for n in $(seq 99 -1 10); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then
        display=$n
        break
    fi
done
[ -n "$display" ] || { echo "screenshot: no free X display between :10 and :99" >&2; exit 1; }
Xvfb ":$display" -screen 0 "${screen_w}x${screen_h}x24" -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do
    [ -e "/tmp/.X11-unix/X$display" ] && break
    kill -0 "$xvfb_pid" 2>/dev/null || { echo "screenshot: Xvfb died" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
    sleep 0.1
done
export DISPLAY=":$display"

# --- 4. The app, with fresh state ---------------------------------------------------------
mkdir -p "$tmp/xdg-data" "$tmp/xdg-config" "$tmp/data"
log="$tmp/debrief.log"
WINIT_X11_SCALE_FACTOR=1 XDG_DATA_HOME="$tmp/xdg-data" XDG_CONFIG_HOME="$tmp/xdg-config" \
    "$bin" --data-dir "$tmp/data" >"$log" 2>&1 &
app_pid=$!

# The app must still be running; if not, show why and fail.
alive() {
    if ! kill -0 "$app_pid" 2>/dev/null; then
        echo "screenshot: debrief is no longer running; last lines of its log:" >&2
        tail -n 40 "$log" >&2 || true
        exit 1
    fi
}

wid=$(timeout 30 xdotool search --sync --name Debrief | head -n 1) || true
if [ -z "$wid" ]; then
    echo "screenshot: no Debrief window within 30 s" >&2
    alive
    tail -n 40 "$log" >&2
    exit 1
fi
# There is no window manager: give the window the keyboard focus ourselves.
# The window can be found before it is mapped; focusing it then fails with BadMatch. Retry.
for _ in $(seq 1 20); do
    xdotool windowfocus --sync "$wid" 2>/dev/null && break
    sleep 0.5
done
sleep 2 # first frames, sample import

written=()
# shot NAME: wait for the frame to settle, check the app is alive, capture the whole screen.
shot() {
    sleep "$settle"
    alive
    "$import" -window root "$out/$1.png"
    written+=("$out/$1.png")
    echo "screenshot: $1.png" >&2
}
key() { alive; xdotool key --clearmodifiers "$@"; sleep 0.3; }
click() { alive; xdotool mousemove --sync "$1" "$2" click 1; sleep 0.3; }

# --- 5. The tour --------------------------------------------------------------------------
shot 01_workbench

key ctrl+Return
sleep "$run_wait"
key ctrl+2 # make sure the Analysis tab is showing
shot 02_analysis

key ctrl+1
shot 03_transcript

key ctrl+3
shot 04_raw

# Escape first so no text field holds the focus (Up/Down are ignored while typing).
key Escape
key Down
key Down
key ctrl+2
key ctrl+Return
sleep "$run_wait"
shot 05_next_conversation

# Run all (no shortcut for it: click the button) so the newest run has many results to walk.
click "${run_all_xy[@]}"
sleep "$run_wait"
shot 05b_run_all

key ctrl+shift+2
sleep 1
shot 06_history

click "${history_row1_xy[@]}"
shot 07_history_run

click "$tab_dashboard_x" "$run_tabs_y"
shot 07b_dashboard
click "$tab_evaluation_x" "$run_tabs_y"
sleep 0.5
shot 07c_evaluation
click "$tab_review_x" "$run_tabs_y"
shot 07d_review_queue
click "$tab_compare_x" "$run_tabs_y"
shot 07e_compare
click "$tab_results_x" "$run_tabs_y"

key Escape
key Down
shot 08_history_next

key ctrl+shift+3
shot 09_settings

key ctrl+shift+1
click "${cost_xy[@]}"
sleep 0.5
shot 09b_cost
click "${cost_xy[@]}"

sleep 0.5
click "${schema_editor_xy[@]}"
key ctrl+End
xdotool type --delay 50 x
shot 10_schema_error

# --- 6. Report ----------------------------------------------------------------------------
alive
printf '%s\n' "${written[@]}"
