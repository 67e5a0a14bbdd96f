#!/usr/bin/env python3
"""Builds the fingerprint benchmark corpus: music, not test tones.

Public-domain scores from music21's bundled corpus are written as MIDI, every part given a
General MIDI instrument (seeded, so the corpus is the same on every machine), and rendered with
FluidSynth and the fluid-soundfont-gm sound font. Part of the renders form the catalog, the rest
are songs that are *not* in it (each render at most 90 s). Queries are excerpts of 1, 2, 5 and 10 s at random offsets,
under each condition:

  clean       the excerpt as rendered
  snr10/5/0   white noise at 10, 5 and 0 dB SNR (against the excerpt's own power)
  mp3         MP3 at 64 kbit/s (ffmpeg, libmp3lame), queried as the .mp3 file
  mic         speaker-to-microphone: 2nd-order band-pass 300-3400 Hz, a room's reverb (exponentially
              decaying noise, RT60 0.4 s, 30 % wet), pink-ish noise at 15 dB SNR
  quiet       -12 dB

Usage: make_corpus.py OUT [--catalog 30] [--unknown 10] [--per-song 1] [--seed 7]
Needs: music21, numpy, scipy, soundfile; fluidsynth, ffmpeg and /usr/share/sounds/sf2/FluidR3_GM.sf2.
Writes OUT/catalog/*.wav, OUT/unknown/*.wav, OUT/queries/<cond>/<len>s/*.{wav,mp3} and
OUT/queries.json ([{"file","song","in_catalog","offset_s","length_s","condition"}]).
"""
import argparse, json, os, random, subprocess, sys
import numpy as np
import soundfile as sf
import scipy.signal as sig

RATE = 22050
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
LENGTHS = [1, 2, 5, 10]
CONDITIONS = ["clean", "snr10", "snr5", "snr0", "mp3", "mic", "quiet"]
# General MIDI programs that sound unlike each other: pianos, organs, guitars, strings, brass,
# reeds, pipes, synths, mallets.
PROGRAMS = [0, 4, 6, 11, 13, 16, 19, 21, 24, 25, 27, 32, 40, 41, 42, 46, 48, 52, 56, 57, 60, 61, 64, 65, 68, 71,
            73, 75, 80, 81, 88, 89, 105, 108]
# Scores music21 parses in well under a second: chorales, reels, folk songs, rags.
COMPOSERS = ["bach", "joplin", "essenFolksong", "ryansMammoth", "oneills1850", "airdsAirs", "trecento"]
MAX_SECONDS = 90


def pick_works(n, rng):
    from music21 import corpus
    paths = [p for p in corpus.getPaths() if any(f"/{c}/" in str(p) for c in COMPOSERS)]
    paths.sort(key=str)
    rng.shuffle(paths)
    return paths[: n * 4]  # spares: some fail to parse, some are too short


def render(path, out_wav, rng):
    from music21 import converter, instrument, tempo
    score = converter.parse(str(path))
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    for part in parts:
        for old in list(part.recurse().getElementsByClass(instrument.Instrument)):
            old.activeSite.remove(old)
        inst = instrument.instrumentFromMidiProgram(rng.choice(PROGRAMS))
        part.insert(0, inst)
    if not list(score.recurse().getElementsByClass(tempo.MetronomeMark)):
        score.insert(0, tempo.MetronomeMark(number=rng.choice([72, 88, 100, 116])))
    midi = out_wav[:-4] + ".mid"
    score.write("midi", fp=midi)
    try:
        subprocess.run(["fluidsynth", "-ni", "-g", "0.6", "-r", str(RATE), "-F", out_wav + ".st.wav", SOUNDFONT, midi],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    finally:
        os.remove(midi)
    y, sr = sf.read(out_wav + ".st.wav", dtype="float32", frames=MAX_SECONDS * 2 * RATE)
    os.remove(out_wav + ".st.wav")
    y = y.mean(axis=1) if y.ndim == 2 else y
    nz = np.flatnonzero(np.abs(y) > 1e-4)
    if len(nz) == 0:
        return 0.0
    y = y[nz[0]: nz[-1] + 1][: MAX_SECONDS * RATE]
    peak = np.abs(y).max()
    y = y / peak * 0.8
    sf.write(out_wav, y, sr, subtype="PCM_16")
    return len(y) / sr


def add_noise(x, snr_db, rng, color="white"):
    n = rng.standard_normal(len(x)).astype(np.float32)
    if color == "pink":
        n = sig.lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786], [1, -2.494956002, 2.017265875, -0.522189400], n)
    px = np.mean(x ** 2) + 1e-12
    pn = np.mean(n ** 2) + 1e-12
    return x + n * np.sqrt(px / (pn * 10 ** (snr_db / 10)))


def mic(x, rng):
    b, a = sig.butter(2, [300, 3400], btype="bandpass", fs=RATE)
    y = sig.lfilter(b, a, x)
    t = np.arange(int(0.5 * RATE)) / RATE
    ir = rng.standard_normal(len(t)) * np.exp(-6.9 * t / 0.4)
    ir[0] = 0
    wet = sig.fftconvolve(y, ir)[: len(y)]
    wet *= np.sqrt(np.mean(y ** 2) / (np.mean(wet ** 2) + 1e-12))
    y = 0.7 * y + 0.3 * wet
    return add_noise(y, 15, rng, color="pink")


def write_query(x, path, cond, rng):
    if cond == "snr10": x = add_noise(x, 10, rng)
    elif cond == "snr5": x = add_noise(x, 5, rng)
    elif cond == "snr0": x = add_noise(x, 0, rng)
    elif cond == "mic": x = mic(x, rng)
    elif cond == "quiet": x = x * 10 ** (-12 / 20)
    peak = np.abs(x).max()
    if peak > 0.99: x = x * (0.99 / peak)
    if cond == "mp3":
        tmp = path[:-4] + ".tmp.wav"
        sf.write(tmp, x, RATE, subtype="PCM_16")
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", tmp, "-c:a", "libmp3lame", "-b:a", "64k", path[:-4] + ".mp3"], check=True)
        os.remove(tmp)
        return path[:-4] + ".mp3"
    sf.write(path, x.astype(np.float32), RATE, subtype="PCM_16")
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--catalog", type=int, default=30)
    ap.add_argument("--unknown", type=int, default=10)
    ap.add_argument("--per-song", type=int, default=1, help="queries per song, length and condition")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    nrng = np.random.default_rng(args.seed)
    for d in ["catalog", "unknown"]:
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
    songs = []
    want = args.catalog + args.unknown
    for path in pick_works(want, rng):
        if len(songs) == want: break
        kind = "catalog" if len(songs) < args.catalog else "unknown"
        name = "%02d-%s" % (len(songs), str(path).split("/")[-2] + "-" + os.path.splitext(os.path.basename(str(path)))[0])
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        wav = os.path.join(args.out, kind, name + ".wav")
        try:
            seconds = render(path, wav, rng)
        except Exception as e:  # music21 cannot read every file in its corpus
            print("skip", path, e, file=sys.stderr)
            if os.path.exists(wav + ".st.wav"): os.remove(wav + ".st.wav")
            continue
        if seconds < 20:
            if os.path.exists(wav): os.remove(wav)
            continue
        songs.append((kind, name, wav, seconds))
        print(f"{kind:8s} {seconds:6.1f}s {name}", file=sys.stderr)
    queries = []
    for kind, name, wav, seconds in songs:
        y, _ = sf.read(wav, dtype="float32")
        for length in LENGTHS:
            for k in range(args.per_song):
                offset = rng.uniform(0, max(0.0, seconds - length - 0.5))
                start = int(offset * RATE)
                x = y[start: start + length * RATE].astype(np.float64)
                for cond in CONDITIONS:
                    d = os.path.join(args.out, "queries", cond, f"{length}s")
                    os.makedirs(d, exist_ok=True)
                    f = write_query(x.copy(), os.path.join(d, f"{name}-{k}.wav"), cond, nrng)
                    queries.append({"file": os.path.relpath(f, args.out), "song": name + ".wav", "in_catalog": kind == "catalog",
                                    "offset_s": round(start / RATE, 4), "length_s": length, "condition": cond})
    with open(os.path.join(args.out, "queries.json"), "w") as fh:
        json.dump(queries, fh, indent=0)
    print(f"{len(songs)} songs, {len(queries)} queries in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
