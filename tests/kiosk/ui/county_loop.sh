#!/usr/bin/env bash
# county_loop.sh KIOSK COUNTY COUNTY_SERVER KIOSK_SYNC SCRIPT   (under xvfb-run)
# Store-and-forward end to end through the real programs: county IT makes
# its keys, publishes a package (one lesson) and an enrolment code; the real
# county-server serves them on 127.0.0.1; the kiosk starts with the code,
# enrols and syncs. When the villager's report reaches the county, county IT
# reads it (`county open`, decrypted with the county's key) and replies
# (`county reply`); the kiosk shows the reply on the report still open.
# The box's own clock says 1970 (a dead clock battery, --clock-shift): the
# station keeps the county's time from its first answer, so the report is
# stamped with today, and the admin's sync page says the box's clock is off.
# Last, county IT publishes a second lesson and asks for a round with
# kiosk-sync --sync-now; the sync page shows it coming by name.
set -euo pipefail
. "$(dirname "$0")/county_server.sh"
kiosk=$1 county=$2 county_server=$3 kiosk_sync=$4 script=$5
work=$(mktemp -d "${STATION_TEST_TMP:-/tmp}/county-loop-XXXXXX")
cleanup() {
  # (Never `kill 0`: that is the whole process group, the test runner too.)
  for pid in ${server_pid:-} ${replier_pid:-}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
data=$work/station county_dir=$work/county package=$work/package
mkdir -p "$data" "$package"

# County IT: keys, a package of one lesson, an enrolment code.
ffmpeg -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440 -t 4 \
  -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$package/wheat.mp4"
cat > "$package/package.json" <<'JSON'
{"lessons": [{"id": "wheat-1", "title": "冬小麦田间管理", "category": "农业技术",
              "summary": "越冬前后怎样管", "duration_s": 4, "file": "wheat.mp4"}],
 "notices": [{"id": "meeting", "title": "村民大会", "text": "周五上午九点在活动室开会"}]}
JSON
"$county" init --data "$county_dir" >/dev/null
"$county" publish --data "$county_dir" --package "$package" >/dev/null
code=$("$county" enrol-code --data "$county_dir" --village 石桥村)

start_county_server "$county_server" "$county_dir" "$work/server.log"

# County IT at the console: as soon as the report is in, read it and reply,
# then ask the station's running engine for a round (the admin's "sync now").
(
  for _ in $(seq 1200); do
    id=$("$county" reports --data "$county_dir" | awk 'NR > 1 { print $1; exit }')
    [ -n "$id" ] && break
    sleep 0.1
  done
  [ -n "$id" ] || exit 1
  "$county" open "$id" --data "$county_dir" --to "$work/opened" > "$work/opened.txt"
  "$county" reply "$id" "水务站明天上午来修" --data "$county_dir" >/dev/null
  "$kiosk_sync" --data "$data" --sync-now >/dev/null
  # Once the administrator looks at the sync page: a second lesson, 3 MB,
  # which the station's bandwidth cap (500 kB/s) makes a download long
  # enough to watch there.
  for _ in $(seq 1200); do
    grep -q 'screenshot .*06-sync-page' "$data/logs/station.log" 2>/dev/null && break
    sleep 0.1
  done
  { cat "$package/wheat.mp4"; head -c 3000000 /dev/urandom; } > "$package/corn.mp4"
  cat > "$package/package.json" <<'JSON'
{"lessons": [{"id": "wheat-1", "title": "冬小麦田间管理", "category": "农业技术",
              "summary": "越冬前后怎样管", "duration_s": 4, "file": "wheat.mp4"},
             {"id": "corn-1", "title": "玉米播种", "category": "农业技术",
              "summary": "行距和深度", "duration_s": 4, "file": "corn.mp4"}],
 "notices": [{"id": "meeting", "title": "村民大会", "text": "周五上午九点在活动室开会"}]}
JSON
  "$county" publish --data "$county_dir" --package "$package" >/dev/null
  "$kiosk_sync" --data "$data" --sync-now >/dev/null
) &
replier_pid=$!

status=0
started=$(date +%s)
"$kiosk" --data-dir "$data" --script "$script" --screenshot-dir "$work/shots" --windowed 1280x720 --audio null \
  --enrol "$code" --set "sync.county_server=http://127.0.0.1:$port" --set station.village=石桥村 \
  --set sync.max_bytes_per_second=500000 \
  --clock-shift $((2 * 86400 - started)) || status=$?
if [ "$status" -ne 0 ]; then
  echo "kiosk exited with $status; last log lines:" >&2
  tail -20 "$data/logs/station.log" >&2 || true
  exit 1
fi
wait "$replier_pid" || { echo "the county never received the report" >&2; exit 1; }
replier_pid=

# What the county opened is what the villager filed, from this station.
grep -q '"category": "water"' "$work/opened.txt" || { echo "county: wrong category" >&2; cat "$work/opened.txt" >&2; exit 1; }
grep -q '"text": "啊"' "$work/opened.txt" || { echo "county: wrong text" >&2; cat "$work/opened.txt" >&2; exit 1; }
grep -q '石桥村' "$work/opened.txt" || { echo "county: wrong village" >&2; exit 1; }
saved_at=$(grep -o '"saved_at": [0-9]*' "$work/opened.txt" | grep -o '[0-9]*$')
if [ -z "$saved_at" ] || [ "$saved_at" -lt "$started" ] || [ "$saved_at" -gt "$(date +%s)" ]; then
  echo "county: the report was stamped ${saved_at:-with no time}, not today (the box's clock says 1970)" >&2; exit 1
fi
grep -q "heard the county's time; the box's clock is -[0-9]* s off it: keeping the county's" "$data/logs/station.log"
grep -q 'enrolled with http://127.0.0.1' "$data/logs/station.log"
grep -q 'content: library now offers 1 of the 1 lessons' "$data/logs/station.log"
grep -q 'content: library now offers 2 of the 2 lessons' "$data/logs/station.log"

keep=${STATION_TEST_TMP:-/tmp}/screenshots/county-loop
rm -rf "$keep" && mkdir -p "$keep" && cp "$work"/shots/*.png "$keep/"
echo "county_loop: enrolled, lesson arrived, report read at the county (stamped with the county's time), reply shown at the station"
