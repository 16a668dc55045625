#!/usr/bin/env python3
"""check_report.py OPENED_JSONL: the reports the county opened (report-tool
open) hold what the UI test filed: exactly one report, housing, text typed in
pinyin, two photos and a voice note, the village and place, a named reporter."""
import json
import sys

reports = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
assert len(reports) == 1, f"expected one report, the county opened {len(reports)}"
body = reports[0]["body"]
problems = []
def expect(what, ok):
    if not ok:
        problems.append(what)
expect("category housing", body["category"] == "housing")
expect("text typed in pinyin (房屋) then Latin", body["text"].startswith("房屋") and body["text"].endswith(" 3h"))
expect("village from the settings", body["place"]["village"] == "三组")
expect("a place typed in pinyin", len(body["place"]["detail"]) >= 1)
expect("named reporter with phone", body["reporter"] == {"kind": "named", "name": body["reporter"].get("name"),
                                                          "phone": "13800138000"} and body["reporter"]["name"])
magics = [a["magic"] for a in reports[0]["attachments"]]
expect("two photos and a voice note", magics == ["jpeg", "jpeg", "ogg"])
kinds = [a["kind"] for a in body["attachments"]]
expect("attachment kinds", kinds == ["photo", "photo", "voice_note"])
if problems:
    print("report does not hold what was filed:", problems, json.dumps(body, ensure_ascii=False), file=sys.stderr)
    sys.exit(1)
print("the county opened the report:", json.dumps(body, ensure_ascii=False))
