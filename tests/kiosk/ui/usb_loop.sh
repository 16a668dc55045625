#!/usr/bin/env bash
# usb_loop.sh KIOSK COUNTY COUNTY_SERVER KIOSK_SYNC SCRIPT   (under xvfb-run)
# The USB stick both ways through the real programs. The station enrols
# over the network and gets lessons version 1; then the link is gone for
# good (the county server stops). County IT publishes version 2 and writes
# it to a stick (`county export-package`); at the station the administrator
# brings it in and copies the outbox out from the kiosk's USB page; back at
# the county, `county import-usb` takes the villager's report from the stick.
set -euo pipefail
. "$(dirname "$0")/county_server.sh"
kiosk=$1 county=$2 county_server=$3 kiosk_sync=$4 script=$5
work=$(mktemp -d "${STATION_TEST_TMP:-/tmp}/usb-loop-XXXXXX")
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${restorer_pid:-}" ] && kill "$restorer_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
data=$work/station county_dir=$work/county package=$work/package stick=$work/VILLAGE-USB
mkdir -p "$data" "$package" "$stick"

lesson() {  # lesson FILE FREQUENCY
  ffmpeg -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i "sine=frequency=$2" -t 3 \
    -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$package/$1"
}
lesson wheat.mp4 440
cat > "$package/package.json" <<'JSON'
{"lessons": [{"id": "wheat-1", "title": "冬小麦田间管理", "category": "农业技术",
              "summary": "越冬前后怎样管", "duration_s": 3, "file": "wheat.mp4"}]}
JSON
"$county" init --data "$county_dir" >/dev/null
"$county" publish --data "$county_dir" --package "$package" >/dev/null
code=$("$county" enrol-code --data "$county_dir" --village 石桥村)

start_county_server "$county_server" "$county_dir" "$work/server.log"
"$kiosk_sync" --data "$data" --server "http://127.0.0.1:$port" --enrol "$code" --once >/dev/null
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=

# Version 2 adds a lesson; it goes to the station on the stick only.
lesson corn.mp4 660
cat > "$package/package.json" <<'JSON'
{"lessons": [{"id": "wheat-1", "title": "冬小麦田间管理", "category": "农业技术",
              "summary": "越冬前后怎样管", "duration_s": 3, "file": "wheat.mp4"},
             {"id": "corn-1", "title": "玉米播种", "category": "农业技术",
              "summary": "行距和深度", "duration_s": 3, "file": "corn.mp4"}]}
JSON
"$county" publish --data "$county_dir" --package "$package" >/dev/null
"$county" export-package --data "$county_dir" --to "$stick" >/dev/null
# The first import is refused for want of the signature; once the station
# has said so in its log, the signature goes back for the second.
signature=$stick/village-station/package/catalog.json.minisig
mv "$signature" "$work/minisig.away"
(
  until grep -q 'catalog refused' "$data/logs/station.log" 2>/dev/null; do sleep 0.1; done
  mv "$work/minisig.away" "$signature"
) &
restorer_pid=$!

status=0
"$kiosk" --data-dir "$data" --script "$script" --screenshot-dir "$work/shots" --windowed 1280x720 --audio null \
  --set "sync.usb_dir=$stick" || status=$?
if [ "$status" -ne 0 ]; then
  echo "kiosk exited with $status; last log lines:" >&2
  tail -20 "$data/logs/station.log" >&2 || true
  exit 1
fi
grep -q 'catalog version 2 accepted' "$data/logs/station.log" || { echo "version 2 never accepted" >&2; exit 1; }
ls "$stick/village-station/outbox/"*/*/envelope >/dev/null || { echo "no report on the stick" >&2; exit 1; }

# At the county: the report from the stick, once; nothing refused.
"$county" import-usb --data "$county_dir" --from "$stick" > "$work/import.txt" || {
  echo "county import-usb failed:" >&2; cat "$work/import.txt" >&2; exit 1; }
reports=$("$county" reports --data "$county_dir" | awk 'NR > 1' | wc -l)
[ "$reports" -eq 1 ] || { echo "the county has $reports reports, not 1" >&2; cat "$work/import.txt" >&2; exit 1; }

keep=${STATION_TEST_TMP:-/tmp}/screenshots/usb-loop
rm -rf "$keep" && mkdir -p "$keep" && cp "$work"/shots/*.png "$keep/"
echo "usb_loop: lessons version 2 in from the stick, the villager's report out on it and at the county"
