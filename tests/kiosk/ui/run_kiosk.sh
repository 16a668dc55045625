#!/usr/bin/env bash
# run_kiosk.sh KIOSK PNG_CHECK SCRIPT WxH [SETUP] [kiosk options...]
# Runs the real kiosk full screen on a fresh Xvfb of size WxH through SCRIPT,
# with a fresh data directory, then checks every screenshot it took.
# SETUP (optional, "-" for none) is a shell snippet run first with $DATA set;
# checksums it writes to $DATA/../before.sha are verified after the run.
set -euo pipefail
kiosk=$1 png_check=$2 script=$3 size=$4 setup=${5:--}
shift 5 || shift $#
work=$(mktemp -d "${STATION_TEST_TMP:-/tmp}/ui-XXXXXX")
trap 'rm -rf "$work"' EXIT
export DATA=$work/data
mkdir -p "$DATA"
[ "$setup" = "-" ] || bash -c "$setup"
status=0
xvfb-run -a -s "-screen 0 ${size}x24 -nolisten tcp" \
  "$kiosk" --data-dir "$DATA" --script "$script" --screenshot-dir "$work/shots" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "kiosk exited with $status; last log lines:" >&2
  tail -20 "$DATA/logs/station.log" >&2 || true
  exit 1
fi
# EXPECT_LOG: extended regular expressions, separated by " && ", each of
# which the station's log must match.
if [ -n "${EXPECT_LOG:-}" ]; then
  rest=$EXPECT_LOG
  while [ -n "$rest" ]; do
    pattern=${rest%% && *}
    [ "$pattern" = "$rest" ] && rest="" || rest=${rest#* && }
    if ! grep -Eq -- "$pattern" "$DATA/logs/station.log"; then
      echo "the log never matched: $pattern" >&2
      exit 1
    fi
  done
fi
# AFTER: a shell snippet run after the kiosk (with $DATA set) that must succeed.
if [ -n "${AFTER:-}" ]; then
  bash -c "$AFTER" || { echo "the check after the run failed: $AFTER" >&2; exit 1; }
fi
# A setup that recorded checksums in $work/before.sha wants the files unchanged.
if [ -f "$work/before.sha" ]; then
  sha256sum --check --quiet "$work/before.sha" || { echo "files changed by the kiosk" >&2; exit 1; }
fi
shopt -s nullglob
shots=("$work"/shots/*.png)
if [ ${#shots[@]} -gt 0 ]; then
  "$png_check" --size "$size" "${shots[@]}"
  # Keep the pictures for people to look at.
  keep=${STATION_TEST_TMP:-/tmp}/screenshots/$(basename "$script" .script)-$size
  rm -rf "$keep" && mkdir -p "$keep" && cp "${shots[@]}" "$keep/"
fi
