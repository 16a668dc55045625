#!/usr/bin/env python3
"""Runs scripts/make-demo-content into a fresh directory and checks the result.

Usage: check_demo_content.py --generator PATH [--out DIR]
(DIR defaults to $STATION_TEST_TMP/demo-content.)

Every problem found is printed as "FAIL: ..." and the exit status is 1.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

CATEGORIES = {"policy", "farming", "market", "management", "lectures", "party_history"}
SRT_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)$")

failures = []


def fail(msg):
    failures.append(msg)
    print(f"FAIL: {msg}", flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ffprobe(path):
    p = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode("utf-8", "replace").strip())
    return json.loads(p.stdout)


def run_generator(generator, out):
    t0 = time.monotonic()
    p = subprocess.run([generator, out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.monotonic() - t0
    return p.returncode, p.stderr.decode("utf-8", "replace"), elapsed


def check_srt(path, name):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    if not blocks:
        fail(f"{name}: subtitles are empty")
        return
    last_end = -1
    for n, block in enumerate(blocks, 1):
        lines = block.strip().splitlines()
        if len(lines) < 3:
            fail(f"{name}: cue {n} has fewer than 3 lines: {lines!r}")
            return
        if lines[0].strip() != str(n):
            fail(f"{name}: cue {n} has index {lines[0]!r}")
        m = SRT_TIME.match(lines[1].strip())
        if not m:
            fail(f"{name}: cue {n} bad timing line {lines[1]!r}")
            return
        v = [int(x) for x in m.groups()]
        start = ((v[0] * 60 + v[1]) * 60 + v[2]) * 1000 + v[3]
        end = ((v[4] * 60 + v[5]) * 60 + v[6]) * 1000 + v[7]
        if not (start < end):
            fail(f"{name}: cue {n} ends before it starts ({lines[1]})")
        if start < last_end:
            fail(f"{name}: cue {n} starts before cue {n - 1} ends")
        last_end = end
        if not "".join(lines[2:]).strip():
            fail(f"{name}: cue {n} has no text")
    return last_end


def check_lesson(out, lesson):
    lid = lesson.get("id", "?")
    for key in ("id", "title", "category", "summary", "language", "duration_ms", "added_at",
                "media", "subtitles", "thumbnail", "files"):
        if key not in lesson:
            fail(f"{lid}: catalog entry lacks '{key}'")
            return
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", lid):
        fail(f"{lid}: id is not an ascii slug")
    if not re.search(r"[\u4e00-\u9fff]", lesson["title"]):
        fail(f"{lid}: title {lesson['title']!r} is not Chinese")
    if lesson["language"] != "zh-CN":
        fail(f"{lid}: language is {lesson['language']!r}")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lesson["added_at"]):
        fail(f"{lid}: added_at {lesson['added_at']!r} is not ISO UTC")

    listed = {}
    for entry in lesson["files"]:
        rel = entry["path"]
        if "\\" in rel or rel.startswith("/") or ".." in rel.split("/"):
            fail(f"{lid}: bad path {rel!r}")
            continue
        path = os.path.join(out, *rel.split("/"))
        listed[rel] = path
        if not os.path.isfile(path):
            fail(f"{lid}: {rel} listed but missing")
            continue
        size = os.path.getsize(path)
        if size != entry["size"] or size == 0:
            fail(f"{lid}: {rel} is {size} bytes, catalog says {entry['size']}")
        if sha256_file(path) != entry["sha256"]:
            fail(f"{lid}: {rel} sha256 does not match the catalog")
    on_disk = set()
    lesson_dir = os.path.join(out, "lessons", lid)
    if os.path.isdir(lesson_dir):
        on_disk = {f"lessons/{lid}/{n}" for n in os.listdir(lesson_dir)}
    if on_disk != set(listed):
        fail(f"{lid}: files on disk {sorted(on_disk)} differ from catalog {sorted(listed)}")
    for key in ("media", "subtitles", "thumbnail"):
        if lesson[key] not in listed:
            fail(f"{lid}: {key} {lesson[key]!r} is not among its files")
    if any(f not in listed or not os.path.isfile(listed[f]) for f in (lesson["media"], lesson["subtitles"],
                                                                     lesson["thumbnail"])):
        return None

    media_path = listed[lesson["media"]]
    try:
        info = ffprobe(media_path)
    except RuntimeError as e:
        fail(f"{lid}: ffprobe {lesson['media']} failed: {e}")
        return None
    duration = float(info["format"].get("duration", 0))
    if abs(duration * 1000 - lesson["duration_ms"]) > 500:
        fail(f"{lid}: ffprobe says {duration:.3f}s, catalog duration_ms={lesson['duration_ms']}")
    if not (5000 <= lesson["duration_ms"] <= 60000):
        fail(f"{lid}: duration_ms {lesson['duration_ms']} is not a short demo lesson")
    streams = info["streams"]
    audio = [s for s in streams if s["codec_type"] == "audio"]
    pics = [s for s in streams if s["codec_type"] == "video" and s.get("disposition", {}).get("attached_pic")]
    video = [s for s in streams if s["codec_type"] == "video" and not s.get("disposition", {}).get("attached_pic")]
    if not any(s["codec_name"] == "aac" for s in audio):
        fail(f"{lid}: no AAC audio stream in {lesson['media']}")

    kind = None
    if lesson["media"].endswith(".mp4"):
        kind = "video"
        if len(video) != 1:
            fail(f"{lid}: expected one video stream, found {len(video)}")
        else:
            v = video[0]
            if (v["codec_name"], v.get("width"), v.get("height")) != ("h264", 1280, 720):
                fail(f"{lid}: video is {v['codec_name']} {v.get('width')}x{v.get('height')}, want h264 1280x720")
            if v.get("pix_fmt") != "yuv420p":
                fail(f"{lid}: pix_fmt {v.get('pix_fmt')}, want yuv420p")
            if v.get("r_frame_rate") != "25/1":
                fail(f"{lid}: frame rate {v.get('r_frame_rate')}, want 25/1")
    elif lesson["media"].endswith(".m4a"):
        kind = "audio"
        if video:
            fail(f"{lid}: audio-only lesson has a real video stream ({video[0]['codec_name']})")
        if len(pics) != 1:
            fail(f"{lid}: audio-only lesson should carry one attached cover picture, found {len(pics)}")
    else:
        fail(f"{lid}: media {lesson['media']!r} is neither .mp4 nor .m4a")

    try:
        thumb = ffprobe(listed[lesson["thumbnail"]])["streams"][0]
        want = (480, 270) if kind == "video" else (720, 720)
        if (thumb.get("width"), thumb.get("height")) != want:
            fail(f"{lid}: thumbnail is {thumb.get('width')}x{thumb.get('height')}, want {want[0]}x{want[1]}")
    except (RuntimeError, IndexError) as e:
        fail(f"{lid}: thumbnail unreadable: {e}")

    srt_end = check_srt(listed[lesson["subtitles"]], f"{lid}: {lesson['subtitles']}")
    if srt_end is not None and srt_end > lesson["duration_ms"] + 100:
        fail(f"{lid}: subtitles run to {srt_end} ms, past the media end {lesson['duration_ms']} ms")
    return kind


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generator", required=True)
    ap.add_argument("--out")
    args = ap.parse_args()
    for tool in ("ffmpeg", "ffprobe", "espeak-ng"):
        if shutil.which(tool) is None:
            print(f"FAIL: '{tool}' is not installed (scripts/debian-packages.txt lists it)")
            return 1
    out = args.out
    if not out:
        tmp = os.environ.get("STATION_TEST_TMP")
        if not tmp:
            print("FAIL: neither --out nor STATION_TEST_TMP given")
            return 1
        out = os.path.join(tmp, "demo-content")
    out = os.path.abspath(out)
    if os.path.exists(out):
        shutil.rmtree(out)

    # First run: builds everything.
    rc, err, elapsed = run_generator(args.generator, out)
    print(f"first run: exit {rc} in {elapsed:.1f}s")
    if rc != 0:
        print(err)
        print(f"FAIL: generator exited with {rc}")
        return 1
    catalog_path = os.path.join(out, "catalog.json")
    try:
        with open(catalog_path, "rb") as f:
            catalog_bytes = f.read()
        catalog = json.loads(catalog_bytes)
    except (OSError, ValueError) as e:
        print(f"FAIL: cannot read {catalog_path}: {e}")
        return 1

    if catalog.get("format") != 1 or catalog.get("catalog_version") != 1:
        fail(f"catalog format/catalog_version are {catalog.get('format')}/{catalog.get('catalog_version')}, want 1/1")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(catalog.get("generated_at"))):
        fail(f"generated_at {catalog.get('generated_at')!r} is not ISO UTC")
    lessons = catalog.get("lessons", [])
    if len(lessons) != 6:
        fail(f"expected 6 lessons, catalog has {len(lessons)}")
    cats = [l.get("category") for l in lessons]
    if set(cats) != CATEGORIES or len(cats) != len(set(cats)):
        fail(f"categories {sorted(map(str, cats))} should be exactly {sorted(CATEGORIES)}")
    ids = [l.get("id") for l in lessons]
    if len(set(ids)) != len(ids):
        fail(f"duplicate lesson ids: {ids}")
    kinds = [check_lesson(out, l) for l in lessons]
    if kinds.count("audio") != 1:
        fail(f"expected exactly one audio-only lesson, found {kinds.count('audio')}")
    try:
        gen_dt = datetime.datetime.strptime(catalog["generated_at"], "%Y-%m-%dT%H:%M:%SZ")
        newest = max(datetime.datetime.strptime(l["added_at"], "%Y-%m-%dT%H:%M:%SZ") for l in lessons)
        if not (datetime.timedelta(0) <= gen_dt - newest <= datetime.timedelta(days=7)):
            fail(f"no lesson was added in the last 7 days (newest added_at {newest:%Y-%m-%d})")
    except (KeyError, ValueError) as e:
        fail(f"cannot compare added_at with generated_at: {e}")
    leftovers = [n for n in os.listdir(os.path.dirname(out))
                 if n.startswith(f".{os.path.basename(out)}.tmp-") or n.endswith(".old")]
    if leftovers:
        fail(f"staging directories left beside the output: {leftovers}")

    # Second run: must be a quick no-op.
    mtime = os.stat(catalog_path).st_mtime_ns
    rc, err, elapsed = run_generator(args.generator, out)
    print(f"second run: exit {rc} in {elapsed:.1f}s")
    if rc != 0:
        print(err)
        fail(f"second run exited with {rc}")
    if "up to date" not in err:
        fail(f"second run did not report 'up to date'; stderr was:\n{err}")
    if elapsed > 10:
        fail(f"second run took {elapsed:.1f}s; it should be a no-op")
    with open(catalog_path, "rb") as f:
        if f.read() != catalog_bytes or os.stat(catalog_path).st_mtime_ns != mtime:
            fail("second run changed catalog.json")

    if failures:
        print(f"{len(failures)} problem(s) with the demo content in {out}")
        return 1
    print(f"demo content OK: {len(lessons)} lessons in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
