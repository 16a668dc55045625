#!/usr/bin/env bash
# kill_during_submit.sh KIOSK REPORT_TOOL SOURCES ITERATIONS   (under xvfb-run)
# Power cuts in the middle of "send", through the real kiosk: the kiosk files
# reports by script; the moment it logs that "send" was tapped, it gets
# SIGKILL after a random 0-${KILL_WINDOW_MS:-30} ms (saving this report takes
# about 30-150 ms, so the kills fall inside and just after the saving), and
# starts again. After every restart (the outbox recovers at start-up):
#   - every report whose ticket the kiosk showed ("submitted") is intact and
#     decryptable with the county's secret key,
#   - every report row has its complete files and every report directory a
#     row (nothing half-written visible), no staging directory is left.
set -euo pipefail
kiosk=$1 tool=$2 sources=$3 iterations=${4:-200}
work=$(mktemp -d "${STATION_TEST_TMP:-/tmp}/kill-submit-XXXXXX")
# (Never `kill 0`, the whole process group: only a kiosk that was started.)
# (The trap runs under set -e: every command in it must succeed.)
trap 'if [ -n "${kiosk_pid:-}" ]; then kill -9 "$kiosk_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
data=$work/data
mkdir -p "$data"
log=$data/logs/station.log

# A report filed again and again: category, a letter, two photos (so that
# saving takes long enough to be cut in the middle), send.
script=$work/file-reports.script
for _ in 1 2 3 4 5; do cat >> "$script" <<'STEPS'
wait-for home.report 60000
tap home.report
tap category.road
tap say.type_instead
tap key.a
tap report.next
wait 700
tap photo.shutter
wait-for photo.remove.1 20000
tap photo.shutter
wait-for photo.remove.2 20000
tap report.next
tap report.next
tap report.next
tap report.send
wait-for ticket.code 60000
tap done.finish
STEPS
done

submitted=$work/submitted.txt
: > "$submitted"
check_outbox() {
  if find "$data/outbox" -maxdepth 1 -name '.staging-*' | grep -q .; then
    echo "iteration $1: a staging directory is visible after restart" >&2; return 1
  fi
  "$tool" open "$data/outbox" "$sources/county.key" > "$work/opened.jsonl" ||
    { echo "iteration $1: a report in the outbox does not open" >&2; return 1; }
  local dirs rows
  dirs=$(wc -l < "$work/opened.jsonl")
  rows=$(sqlite3 "file:$data/station.db?mode=ro" "SELECT count(*) FROM reports")
  [ "$dirs" = "$rows" ] || { echo "iteration $1: $rows report rows but $dirs report directories" >&2; return 1; }
  while read -r ticket; do
    grep -q "\"ticket_code\":\"$ticket\"" "$work/opened.jsonl" ||
      { echo "iteration $1: report $ticket was shown as submitted but is not intact" >&2; return 1; }
  done < "$submitted"
}

# Each run starts with a fresh log (the old one is archived), so counts never
# depend on the log's rotation.
archive=$work/all.log
: > "$archive"
kills=0
cut_off=0
for i in $(seq 1 "$iterations"); do
  [ -f "$log" ] && { cat "$log" >> "$archive"; rm -f "$log"; }
  "$kiosk" --data-dir "$data" --script "$script" --audio null --windowed 1280x720 --camera-source "$sources/cam.mp4" \
    --set "report.county_key_file=$sources/county.pub" --set station.village=test >/dev/null 2>&1 &
  kiosk_pid=$!
  # Wait for the recovery at start-up, then check what it left.
  for _ in $(seq 600); do
    grep -qs 'outbox open' "$log" && break
    sleep 0.05
  done
  grep -qs 'outbox open' "$log" ||
    { echo "iteration $i: the kiosk did not open its outbox within 30 s" >&2; tail -5 "$log" >&2 || true; exit 1; }
  check_outbox "$i"
  # Wait for the next "send", then cut the power somewhere in the saving.
  # (tail -F follows the log through inotify: the kill comes within a few ms.)
  timeout 60 tail -n +1 -F "$log" 2>/dev/null | grep -m1 -q 'send tapped' || true
  kill -0 "$kiosk_pid" 2>/dev/null || { echo "iteration $i: the kiosk exited" >&2; tail -5 "$log" >&2; exit 1; }
  sleep "0.$(printf '%03d' $((RANDOM % ${KILL_WINDOW_MS:-30})))"
  kill -9 "$kiosk_pid"
  wait "$kiosk_pid" 2>/dev/null || true
  kills=$((kills + 1))
  grep -qs 'submitted: ticket' "$log" || cut_off=$((cut_off + 1))
  # (No ticket shown yet is not a failure: grep finds nothing.)
  { cat "$archive" "$log" | grep -o 'submitted: ticket [0-9A-Z]*' || true; } | awk '{print $3}' | sort -u > "$submitted"
done
# One last start to recover and check.
echo quit > "$work/quit.script"
"$kiosk" --data-dir "$data" --script "$work/quit.script" --audio null --windowed 1280x720 \
  --set "report.county_key_file=$sources/county.pub" >/dev/null 2>&1
check_outbox final
echo "kill_during_submit: $kills kills right after \"send\": $((kills - cut_off)) after the ticket showed, $cut_off before it; all $(wc -l < "$submitted") reports shown as submitted intact and decryptable, nothing half-written left"
