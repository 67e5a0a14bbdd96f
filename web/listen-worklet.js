// AudioWorklet processor of the Listen button (loaded by listen.js with addModule): turns the
// microphone's float samples into chunks of 16-bit little-endian mono PCM, the `s16le` format
// the recognizer agent reads from topic `audio` (docs/recognition.md). It runs on the audio
// thread, so the page's main thread only forwards finished chunks; each chunk's buffer is
// transferred to the page, not copied.

class PcmChunker extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const samples = Math.max(128, Math.floor(options.processorOptions.chunkSamples || 2205));
    this.samples = samples;
    this.fresh();
  }

  fresh() {
    this.buffer = new ArrayBuffer(this.samples * 2);
    this.view = new DataView(this.buffer);
    this.filled = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true; // no input connected yet
    const n = channels[0].length;
    const k = channels.length;
    for (let i = 0; i < n; i++) {
      // A stereo microphone is mixed down: the fingerprints are computed on mono.
      let s = 0;
      for (let c = 0; c < k; c++) s += channels[c][i];
      s /= k;
      s = s < -1 ? -1 : s > 1 ? 1 : s;
      // DataView with littleEndian = true: s16le whatever the machine's byte order.
      this.view.setInt16(this.filled * 2, s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff), true);
      this.filled += 1;
      if (this.filled === this.samples) {
        this.port.postMessage(this.buffer, [this.buffer]);
        this.fresh();
      }
    }
    return true;
  }
}

registerProcessor('wavedefect-pcm-chunker', PcmChunker);
