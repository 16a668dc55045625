#!/usr/bin/env bash
# make_report_sources.sh REPORT_TOOL DIR: what stands in for the station's
# camera and microphone and the county in the report UI tests: a moving test
# picture, a spoken-like tone, and a county key pair.
set -euo pipefail
tool=$1 dir=$2
mkdir -p "$dir"
ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=15 -t 4 -pix_fmt yuv420p "$dir/cam.mp4"
ffmpeg -loglevel error -y -f lavfi -i "sine=frequency=300:duration=30,volume=0.5" -ar 48000 "$dir/voice.wav"
"$tool" keygen "$dir"
