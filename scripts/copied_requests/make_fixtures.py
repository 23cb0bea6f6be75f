"""Writes tests/fixtures/copied-requests/ from the recorders' raw/chromium.json and raw/firefox.json: each copy as the
exact text the menu item put on the clipboard, and INDEX.json with the scenarios, the versions and what JavaScript got."""
import json, os, sys
from scenarios import SCENARIOS, POLICY
dst = sys.argv[1]
ext = {"chromium-curl-bash": "curl-bash.txt", "chromium-curl-cmd": "curl-cmd.txt", "chromium-fetch": "fetch.js",
       "chromium-fetch-nodejs": "fetch-nodejs.js", "firefox-curl-posix": "curl-posix.txt",
       "firefox-curl-windows": "curl-windows.txt", "firefox-fetch": "fetch.js"}
index = {"page": "http://localhost:3000/lab", "api": "http://localhost:8000", "policy": POLICY, "scenarios": []}
for engine in ("chromium", "firefox"):
    raw = json.load(open(f"raw/{engine}.json"))
    index[engine] = {"version": raw["version"], "user_agent": raw["user_agent"]}
    os.makedirs(f"{dst}/{engine}", exist_ok=True)
    for name, copies in raw["copies"].items():
        for key, suffix in ext.items():
            if key in copies:
                open(f"{dst}/{engine}/{name}.{suffix}", "w", newline="").write(copies[key])
    if "copy_all_curl_bash" in raw:
        open(f"{dst}/{engine}/copy-all.curl-bash.txt", "w", newline="").write(raw["copy_all_curl_bash"])
for name, url, init in SCENARIOS:
    c = json.load(open("raw/chromium.json"))["copies"][name]
    f = json.load(open("raw/firefox.json"))["copies"][name]
    index["scenarios"].append({"name": name, "url": url, "init": " ".join(init.split()),
                               "outcome": {"chromium": c["js_outcome"], "firefox": f["js_outcome"]}})
json.dump(index, open(f"{dst}/INDEX.json", "w"), indent=1, ensure_ascii=False)
open(f"{dst}/INDEX.json", "a").write("\n")
