#!/usr/bin/env python3
"""add_broken_lesson.py DEMO_CONTENT CONTENT_DIR

Makes CONTENT_DIR a copy of the demo content's catalog (lesson folders are
symlinked) plus one lesson whose media file is random bytes named .mp4, as a
damaged download or a bad USB copy would leave it."""
import json, os, sys
from datetime import datetime, timezone

source, target = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(target, "broken"), exist_ok=True)
os.symlink(os.path.join(source, "lessons"), os.path.join(target, "lessons"))
with open(os.path.join(target, "broken", "lesson.mp4"), "wb") as f:
    f.write(os.urandom(64 * 1024))
with open(os.path.join(source, "catalog.json"), encoding="utf-8") as f:
    catalog = json.load(f)
catalog["lessons"].append({
    "id": "broken-garbage",
    "title": "坏掉的课",
    "category": "farming",
    "summary": "A file of garbage named .mp4.",
    "language": "zh-CN",
    "duration_ms": 60000,
    "added_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "media": "broken/lesson.mp4",
})
with open(os.path.join(target, "catalog.json"), "w", encoding="utf-8") as f:
    json.dump(catalog, f, ensure_ascii=False)
