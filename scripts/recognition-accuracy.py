#!/usr/bin/env python3
"""Runs `wavedefect recognize --json` over a corpus's queries and prints recall per condition × length."""
import json, subprocess, sys, time, collections
binary, db, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
extra = sys.argv[4:]
queries = json.load(open(f"{corpus}/queries.json"))
# catalog song index -> catalog track id: tracks ingested in sorted order, ids from 1
results = {}
batch = 200
t0 = time.time()
for i in range(0, len(queries), batch):
    files = [q["file"] for q in queries[i:i + batch]]
    out = subprocess.run([binary, "recognize", "--db", db, "--json", *extra, *files], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        o = json.loads(line)
        results[o["file"]] = o["match"]
elapsed = time.time() - t0
cells = collections.defaultdict(lambda: [0, 0])
offsets = []
fp = collections.defaultdict(lambda: [0, 0])
wrong = 0
for q in queries:
    m = results.get(q["file"])
    key = (q["condition"], q["length"])
    if q["in_catalog"]:
        cells[key][1] += 1
        if m and m["path"].endswith(f"song{q['song']:03d}.wav"):
            cells[key][0] += 1
            offsets.append(abs(m["offset_s"] - q["start"]))
        elif m:
            wrong += 1
    else:
        fp[key][1] += 1
        if m: fp[key][0] += 1
conds = sorted({k[0] for k in cells}, key=lambda c: ["clean", "snr10", "snr5", "snr0", "mp3", "mic", "minus12"].index(c))
lens = sorted({k[1] for k in cells})
print("recall".ljust(10) + "".join(f"{l}s".rjust(8) for l in lens))
for c in conds:
    print(c.ljust(10) + "".join(f"{cells[(c, l)][0]}/{cells[(c, l)][1]}".rjust(8) for l in lens))
print("false positives on songs not in the catalog:", sum(v[0] for v in fp.values()), "of", sum(v[1] for v in fp.values()))
print("wrong track on catalog queries:", wrong)
offsets.sort()
if offsets:
    print("offset error: median %.4f s, p95 %.4f s, max %.4f s" % (offsets[len(offsets) // 2], offsets[int(len(offsets) * .95)], offsets[-1]))
print("%d queries in %.1f s (%.1f ms per query incl. decode and process start per batch)" % (len(queries), elapsed, 1000 * elapsed / len(queries)))
