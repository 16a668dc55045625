#!/usr/bin/env python3
"""make_big_catalog.py DEMO_CONTENT CONTENT_DIR COUNT

A catalog of COUNT lessons over the demo lessons' files (symlinked), without
thumbnails, so the station makes its own: the library at the scale of a
county's whole archive."""
import json, os, sys

source, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(target, exist_ok=True)
os.symlink(os.path.join(source, "lessons"), os.path.join(target, "lessons"))
with open(os.path.join(source, "catalog.json"), encoding="utf-8") as f:
    demo = json.load(f)["lessons"]
lessons = []
for i in range(count):
    base = demo[i % len(demo)]
    lesson = {k: base[k] for k in ("title", "category", "summary", "language", "duration_ms", "added_at", "media")}
    lesson["id"] = f"big-{i:05d}"
    lesson["title"] = f"{base['title']}（第{i + 1}讲）"
    if "subtitles" in base:
        lesson["subtitles"] = base["subtitles"]
    lessons.append(lesson)
with open(os.path.join(target, "catalog.json"), "w", encoding="utf-8") as f:
    json.dump({"format": 1, "catalog_version": 1, "lessons": lessons}, f, ensure_ascii=False)
