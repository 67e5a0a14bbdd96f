#!/usr/bin/env python3
"""Renders General MIDI songs with FluidSynth and cuts degraded query excerpts from them."""
import os, random, struct, subprocess, sys, json
import numpy as np

SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
RATE = 22050

def varlen(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.insert(0, (n & 0x7F) | 0x80)
        n >>= 7
    return bytes(out)

def midi_file(events, tpq=480):
    """events: list of (tick, bytes) absolute."""
    events.sort(key=lambda e: e[0])
    track, last = b"", 0
    for tick, data in events:
        track += varlen(tick - last) + data
        last = tick
    track += varlen(0) + b"\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq) + b"MTrk" + struct.pack(">I", len(track)) + track

MELODIC = [0, 1, 4, 5, 6, 11, 16, 19, 21, 24, 25, 26, 27, 29, 30, 32, 33, 35, 40, 41, 42, 46, 48, 49, 52, 56, 57, 60, 61, 64, 65, 66, 68, 71, 73, 80, 81, 88, 89, 90]

def song(seed, seconds):
    r = random.Random(seed)
    tpq = 480
    bpm = r.randint(70, 150)
    ev = [(0, b"\xff\x51\x03" + int(60_000_000 / bpm).to_bytes(3, "big"))]
    beats = int(seconds * bpm / 60) + 1
    key = r.randint(48, 59)
    scale = [0, 2, 4, 5, 7, 9, 11] if r.random() < 0.6 else [0, 2, 3, 5, 7, 8, 10]
    progs = r.sample(MELODIC, 4)
    for ch, p in enumerate(progs):
        ev.append((0, bytes([0xC0 | ch, p])))
    prog = [r.choice([0, 3, 4, 5]) for _ in range(4)]
    def note(ch, t, length, pitch, vel):
        ev.append((int(t), bytes([0x90 | ch, pitch, vel])))
        ev.append((int(t + length), bytes([0x80 | ch, pitch, 0])))
    for bar in range(beats // 4 + 1):
        degree = prog[(bar) % 4] if r.random() < 0.85 else r.randint(0, 6)
        t0 = bar * 4 * tpq
        chord = [key + scale[(degree + i) % 7] + 12 * ((degree + i) // 7) for i in (0, 2, 4)]
        # pads / chords
        style = r.random()
        for c in chord:
            if style < 0.5:
                note(1, t0, 4 * tpq - 10, c, r.randint(50, 80))
            else:
                for b in range(4):
                    note(1, t0 + b * tpq, tpq * 0.6, c, r.randint(45, 75))
        # bass
        for b in range(4):
            if r.random() < 0.8:
                note(2, t0 + b * tpq, tpq * 0.9, chord[0] - 12 - (12 if chord[0] > 55 else 0), r.randint(70, 100))
        # melody
        t = t0
        while t < t0 + 4 * tpq:
            length = r.choice([tpq // 2, tpq // 2, tpq, tpq // 4 * 3, tpq * 2])
            if r.random() < 0.85:
                pitch = key + 12 + scale[r.randint(0, 6)] + 12 * r.randint(0, 1)
                note(0, t, length * 0.95, pitch, r.randint(70, 110))
            t += length
        # counter line on channel 3 sometimes
        if r.random() < 0.5:
            for b in range(8):
                if r.random() < 0.5:
                    note(3, t0 + b * tpq // 2, tpq // 2, key + 24 + scale[r.randint(0, 6)], r.randint(40, 70))
        # drums
        if seed % 5 != 0:
            for b in range(8):
                tt = t0 + b * tpq // 2
                ev.append((tt, bytes([0x99, 42, r.randint(50, 80)]))); ev.append((tt + 60, bytes([0x89, 42, 0])))
                if b % 4 == 0:
                    ev.append((tt, bytes([0x99, 36, 100]))); ev.append((tt + 60, bytes([0x89, 36, 0])))
                if b % 4 == 2:
                    ev.append((tt, bytes([0x99, 38, 95]))); ev.append((tt + 60, bytes([0x89, 38, 0])))
    return midi_file(ev, tpq)

def render(mid, wav):
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-F", wav, "-r", str(RATE), SF2, mid], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def read_wav(path):
    out = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", path, "-f", "f32le", "-ac", "1", "-ar", str(RATE), "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.float32).copy()

def write_wav(path, y):
    y = np.clip(y, -1, 1)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "-", path],
                   input=y.astype(np.float32).tobytes(), check=True)

def add_noise(y, snr_db, rng):
    noise = rng.standard_normal(len(y)).astype(np.float32)
    # pink-ish: smooth white noise a little
    noise = np.convolve(noise, np.ones(4) / 4, mode="same")
    p_sig = np.mean(y ** 2) + 1e-12
    noise *= np.sqrt(p_sig / (np.mean(noise ** 2) * 10 ** (snr_db / 10)))
    return y + noise

def speaker_mic(y, rng):
    # band-pass 300 Hz – 4 kHz (a small speaker and a phone mic), room reverb, noise at 10 dB
    spec = np.fft.rfft(y)
    f = np.fft.rfftfreq(len(y), 1 / RATE)
    h = 1 / np.sqrt(1 + (300 / np.maximum(f, 1)) ** 4) / np.sqrt(1 + (f / 4000) ** 4)
    y = np.fft.irfft(spec * h, len(y))
    ir_len = int(0.4 * RATE)
    ir = rng.standard_normal(ir_len) * np.exp(-np.arange(ir_len) / (0.08 * RATE))
    ir[0] = 8
    ir /= np.sqrt(np.sum(ir ** 2))
    n = len(y) + len(ir)
    y = np.fft.irfft(np.fft.rfft(y, n) * np.fft.rfft(ir, n), n)[: n - len(ir)]
    return add_noise(y, 10, rng)

def main():
    out = sys.argv[1]
    n_catalog, n_strangers, seconds = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    os.makedirs(f"{out}/catalog", exist_ok=True); os.makedirs(f"{out}/strangers", exist_ok=True); os.makedirs(f"{out}/queries", exist_ok=True)
    songs = []
    for i in range(n_catalog + n_strangers):
        where = "catalog" if i < n_catalog else "strangers"
        mid = f"{out}/{where}/song{i:03d}.mid"; wav = f"{out}/{where}/song{i:03d}.wav"
        if not os.path.exists(wav):
            open(mid, "wb").write(song(1000 + i, seconds))
            render(mid, wav)
            os.remove(mid)
        songs.append((i, where, wav))
    rng = np.random.default_rng(7)
    conditions = ["clean", "snr10", "snr5", "snr0", "mp3", "mic", "minus12"]
    lengths = [1, 2, 5, 10]
    queries = []
    per = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    for i, where, wav in songs:
        y = read_wav(wav)
        for L in lengths:
            for rep in range(per):
                start = float(rng.uniform(0, len(y) / RATE - L - 0.5))
                seg = y[int(start * RATE): int(start * RATE) + int(L * RATE)]
                for c in conditions:
                    name = f"{out}/queries/s{i:03d}-{L}s-{rep}-{c}"
                    if c == "clean": q = seg
                    elif c.startswith("snr"): q = add_noise(seg, int(c[3:]), rng)
                    elif c == "minus12": q = seg * 10 ** (-12 / 20)
                    elif c == "mic": q = speaker_mic(seg, rng)
                    else: q = seg
                    path = name + (".mp3" if c == "mp3" else ".wav")
                    if c == "mp3":
                        write_wav(name + ".tmp.wav", q)
                        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", name + ".tmp.wav", "-b:a", "64k", path], check=True)
                        os.remove(name + ".tmp.wav")
                    else:
                        write_wav(path, q)
                    queries.append({"file": path, "song": i, "in_catalog": where == "catalog", "length": L, "condition": c, "start": start})
    json.dump(queries, open(f"{out}/queries.json", "w"))
    print(len(songs), "songs,", len(queries), "queries")

main()
