#!/usr/bin/env python3
"""WaveDefect's fingerprinter against audfprint (Ellis), side by side on one corpus, one machine.

Both get the same catalog songs and the same queries (make_corpus.py in this directory), one
process each, one core each:

  ingest      wavedefect ingest --threads 1 (decode + MFCC embedding + fingerprint + SQLite) and,
              for the fingerprint alone, the same tracks again with `wavedefect fingerprint
              --threads 1` after clearing the fingerprints table; audfprint: Analyzer.ingest of
              every file into a new HashTable, saved (`audfprint new`).
  index size  bytes stored per hour of catalog audio: our fingerprints blobs (SQLite), audfprint's
              saved .pklz; in memory our FingerprintIndex adds a fixed 8 MiB, audfprint's table is a
              fixed 2^hashbits x bucketsize x 4 bytes (400 MiB by default).
  queries     every query file: match or not, which song, offset. wavedefect recognize --json
              --timing (decode_ms + query_ms per file, one process for all files); audfprint's
              Analyzer.wavfile2hashes (decode by an ffmpeg process + landmarks) and
              Matcher.match_hashes on each file in one process, timed separately.
  recall      right song per condition x length; wrong song counts as a miss.
  false pos.  any match for a song that is not in the catalog.
  offset      |reported start in the song - true start|, median over right matches.

Usage:
  side_by_side.py --wavedefect .build/release/wavedefect --audfprint DIR [--corpus DIR] [--work DIR]
DIR for --audfprint is a checkout of github.com/dpwe/audfprint (its requirements: numpy, scipy,
docopt, joblib, psutil); nothing of it is committed here. The corpus is made when --corpus does
not exist yet (make_corpus.py --catalog 30 --unknown 10). Prints the tables (markdown) and
writes WORK/results.json with every query's answer from both.
"""
import argparse, collections, glob, json, os, sqlite3, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
CONDITIONS = ["clean", "snr10", "snr5", "snr0", "mp3", "mic", "quiet"]
LENGTHS = [1, 2, 5, 10]


def audio_seconds(files):
    import soundfile as sf
    return sum(sf.info(f).duration for f in files)


def run_ours(binary, corpus, work, queries, extra):
    db = os.path.join(work, "wavedefect.sqlite")
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(db + suffix): os.remove(db + suffix)
    t0 = time.time()
    subprocess.run([binary, "ingest", os.path.join(corpus, "catalog"), "--db", db, "--threads", "1", "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    ingest = time.time() - t0
    con = sqlite3.connect(db)
    tracks, landmarks, stored = con.execute("select count(*), sum(landmark_count), sum(length(landmarks)) from fingerprints").fetchone()
    con.execute("delete from fingerprints")
    con.commit()
    con.close()
    t0 = time.time()
    subprocess.run([binary, "fingerprint", "--db", db, "--threads", "1"], check=True, stdout=subprocess.DEVNULL)
    fingerprint = time.time() - t0
    answers = {}
    files = [os.path.join(corpus, q["file"]) for q in queries]
    for i in range(0, len(files), 200):
        out = subprocess.run([binary, "recognize", "--db", db, "--json", "--timing", *extra, *files[i:i + 200]],
                             capture_output=True, text=True, check=True)
        for line in out.stdout.splitlines():
            o = json.loads(line)
            m = o["match"]
            answers[os.path.relpath(o["file"], corpus)] = {
                "song": os.path.basename(m["path"]) if m else None, "offset_s": m["offset_s"] if m else None,
                "score": m["score"] if m else None, "decode_ms": o["decode_ms"], "query_ms": o["query_ms"]}
    return {"ingest_s": ingest, "fingerprint_s": fingerprint, "tracks": tracks, "landmarks": landmarks,
            "index_bytes": stored, "answers": answers}


def run_audfprint(checkout, corpus, work, queries):
    sys.path.insert(0, checkout)
    import audfprint_analyze, audfprint_match, hash_table
    # audfprint's command-line defaults (audfprint.py setup_analyzer / setup_matcher).
    analyzer = audfprint_analyze.Analyzer()
    analyzer.density, analyzer.maxpksperframe, analyzer.maxpairsperpeak, analyzer.f_sd = 20.0, 5, 3, 30.0
    analyzer.target_sr, analyzer.n_fft, analyzer.n_hop = 11025, 512, 256
    analyzer.shifts = 1  # `new`: 1 shift; `match`: 4 (set below)
    analyzer.fail_on_error = True
    songs = sorted(glob.glob(os.path.join(corpus, "catalog", "*.wav")))
    t0 = time.time()
    ht = hash_table.HashTable(hashbits=20, depth=100, maxtime=16384)
    ht.params["samplerate"] = analyzer.target_sr
    for f in songs:
        analyzer.ingest(ht, f)
    pklz = os.path.join(work, "audfprint.pklz")
    ht.save(pklz)
    ingest = time.time() - t0
    matcher = audfprint_match.Matcher()
    matcher.window, matcher.threshcount, matcher.max_returns, matcher.search_depth = 2, 5, 1, 100
    matcher.sort_by_time = matcher.exact_count = matcher.illustrate = matcher.illustrate_hpf = False
    matcher.verbose, matcher.find_time_range, matcher.time_quantile = 0, False, 0.05
    analyzer.shifts = 4
    t_hop = analyzer.n_hop / analyzer.target_sr
    answers = {}
    for q in queries:
        f = os.path.join(corpus, q["file"])
        t0 = time.perf_counter()
        hashes = analyzer.wavfile2hashes(f)
        t1 = time.perf_counter()
        rows = matcher.match_hashes(ht, hashes)[:1]
        t2 = time.perf_counter()
        hit = len(rows) > 0
        answers[q["file"]] = {
            "song": os.path.basename(ht.names[rows[0][0]]) if hit else None,
            "offset_s": float(rows[0][2]) * t_hop if hit else None, "score": int(rows[0][1]) if hit else None,
            "decode_ms": 1000 * (t1 - t0), "query_ms": 1000 * (t2 - t1)}
    return {"ingest_s": ingest, "tracks": len(songs), "index_bytes": os.path.getsize(pklz),
            "memory_bytes": (1 << 20) * 100 * 4, "answers": answers}


def summarize(name, result, queries, catalog_seconds):
    cells = collections.defaultdict(lambda: [0, 0])
    fp, strangers, wrong, offsets, total_ms, query_ms = 0, 0, 0, [], [], []
    for q in queries:
        a = result["answers"][q["file"]]
        total_ms.append(a["decode_ms"] + a["query_ms"])
        query_ms.append(a["query_ms"])
        if q["in_catalog"]:
            cell = cells[(q["condition"], q["length_s"])]
            cell[1] += 1
            if a["song"] == q["song"]:
                cell[0] += 1
                offsets.append(abs(a["offset_s"] - q["offset_s"]))
            elif a["song"]:
                wrong += 1
        else:
            strangers += 1
            fp += a["song"] is not None
    pct = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]
    return {"name": name, "cells": cells, "false_positives": fp, "strangers": strangers, "wrong": wrong,
            "offset_median_s": statistics.median(offsets) if offsets else None,
            "offset_p95_s": pct(offsets, 0.95) if offsets else None,
            "total_ms": (pct(total_ms, 0.5), pct(total_ms, 0.95)), "query_ms": (pct(query_ms, 0.5), pct(query_ms, 0.95)),
            "bytes_per_hour": result["index_bytes"] / catalog_seconds * 3600, "ingest_s": result["ingest_s"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wavedefect", required=True)
    ap.add_argument("--audfprint", required=True, help="checkout of dpwe/audfprint")
    ap.add_argument("--corpus", default="/tmp/fpbench/corpus")
    ap.add_argument("--work", default="/tmp/fpbench/work")
    ap.add_argument("--only", choices=["wavedefect", "audfprint", "none"],
                    help="run one side only, the other from WORK/results.json (none: only print the tables)")
    ap.add_argument("recognize_args", nargs="*", help="extra arguments for wavedefect recognize (after --)")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.corpus, "queries.json")):
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), args.corpus, "--catalog", "30", "--unknown", "10"], check=True)
    os.makedirs(args.work, exist_ok=True)
    queries = json.load(open(os.path.join(args.corpus, "queries.json")))
    songs = sorted(glob.glob(os.path.join(args.corpus, "catalog", "*.wav")))
    catalog_seconds = audio_seconds(songs)
    results_path = os.path.join(args.work, "results.json")
    results = json.load(open(results_path)) if args.only and os.path.exists(results_path) else {}
    if args.only in (None, "wavedefect"):
        results["wavedefect"] = run_ours(os.path.abspath(args.wavedefect), args.corpus, args.work, queries, args.recognize_args)
    if args.only in (None, "audfprint"):
        results["audfprint"] = run_audfprint(os.path.abspath(args.audfprint), args.corpus, args.work, queries)
    json.dump(results, open(results_path, "w"))
    s = [summarize(n, results[n], queries, catalog_seconds) for n in ["wavedefect", "audfprint"] if n in results]
    n_cat = sum(1 for q in queries if q["in_catalog"]) // (len(CONDITIONS) * len(LENGTHS))
    print(f"corpus: {len(songs)} catalog songs ({catalog_seconds / 60:.1f} min), {len(queries)} queries; "
          f"per cell {n_cat} catalog queries; {s[0]['strangers']} queries of songs not in the catalog\n")
    print("recall (right song) | " + " | ".join(f"{L} s" for L in LENGTHS))
    print("---|" + "---|" * len(LENGTHS))
    for c in CONDITIONS:
        row = []
        for L in LENGTHS:
            row.append(" vs ".join(f"{x['cells'][(c, L)][0]}/{x['cells'][(c, L)][1]}" for x in s))
        print(f"{c} | " + " | ".join(row))
    print()
    print("measure | " + " | ".join(x["name"] for x in s))
    print("---|" + "---|" * len(s))
    tot = lambda x: sum(v[0] for v in x["cells"].values())
    print("recall, all cells | " + " | ".join(f"{tot(x)}/{sum(v[1] for v in x['cells'].values())}" for x in s))
    print("false positives (songs not in the catalog) | " + " | ".join(f"{x['false_positives']}/{x['strangers']}" for x in s))
    print("wrong song on catalog queries | " + " | ".join(str(x["wrong"]) for x in s))
    print("offset error, median / p95 | " + " | ".join(f"{x['offset_median_s'] * 1000:.1f} / {x['offset_p95_s'] * 1000:.1f} ms" for x in s))
    print("query latency p50 / p95 (decode + fingerprint + match) | " + " | ".join(f"{x['total_ms'][0]:.1f} / {x['total_ms'][1]:.1f} ms" for x in s))
    print("  of which after decoding (ours: fingerprint + match; audfprint: match only) | "
          + " | ".join(f"{x['query_ms'][0]:.1f} / {x['query_ms'][1]:.1f} ms" for x in s))
    print("index stored, bytes per hour of audio | " + " | ".join(f"{x['bytes_per_hour'] / 1e6:.2f} MB" for x in s))
    ours = results.get("wavedefect")
    print("ingest, catalog songs | " + " | ".join(
        f"{x['ingest_s']:.1f} s ({catalog_seconds / x['ingest_s']:.0f}x real time)" for x in s))
    if ours:
        print(f"\nwavedefect fingerprint alone (backfill, 1 thread): {ours['fingerprint_s']:.1f} s "
              f"({catalog_seconds / ours['fingerprint_s']:.0f}x real time); {ours['landmarks']} landmarks")


if __name__ == "__main__":
    main()
