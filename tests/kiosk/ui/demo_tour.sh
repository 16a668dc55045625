#!/usr/bin/env bash
# demo_tour.sh BUILD_DIR CONTENT PNG_CHECK
# The demo as scripts/demo runs it without a display (scripts/demo-tour):
# local county, enrolment, lessons by sync, the scripted tour with a report;
# then every screenshot is checked and the county must hold that report.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build_dir=$1 content=$2 png_check=$3
run=$(mktemp -d "${STATION_TEST_TMP:-/tmp}/demo-tour-XXXXXX")
trap 'rm -rf "$run"' EXIT
"$root/scripts/demo-tour" "$build_dir" "$content" "$run" 2> "$run/demo.log" ||
  { tail -30 "$run/demo.log" >&2; tail -20 "$run/station/logs/station.log" >&2; exit 1; }
reports=$("$build_dir/county/county" reports --data "$run/county" | tail -n +2 | grep -c ' water ' || true)
[ "$reports" = 1 ] || { echo "the county holds $reports water reports, not 1" >&2; exit 1; }
"$png_check" --size 1920x1080 "$run"/screenshots/*.png
keep=${STATION_TEST_TMP:-/tmp}/screenshots/demo-tour
rm -rf "$keep" && mkdir -p "$keep" && cp "$run"/screenshots/*.png "$keep/"
