// The Listen button: the microphone streamed into the room for the `recognizer` agent, and its
// answers. getUserMedia → an AudioContext at the fingerprinter's 22,050 Hz → an AudioWorklet
// (listen-worklet.js) that cuts 100 ms chunks of s16le mono PCM → binary frames on topic
// `audio`, announced first with {"format":"s16le","sample_rate":N} on `audio.control`. The
// agent answers on `recognition`, addressed to us: listening → match | no_match
// (docs/recognition.md). The same graph feeds an AnalyserNode, drawn as a live spectrogram.
//
// Why PCM and not MediaRecorder's WebM/Opus: the recognizer hears the samples the page hears,
// at once (MediaRecorder hands out chunks only every timeslice and Opus needs the server to
// decode a stream), and 22,050 Hz × 16 bit is 44 kB/s, small next to a room's other traffic.
import { app, el } from './state.js';
import { addEvent } from './notices.js';
import { playTrack } from './player.js';
import { rememberTracks } from './tracks.js';
import { render, startSpectrogram, stopSpectrogram } from './listen-view.js';

export const AUDIO_TOPIC = 'audio';
export const CONTROL_TOPIC = 'audio.control';
export const RESULT_TOPIC = 'recognition';
/** The fingerprinter's rate: the browser resamples the microphone, the server need not. */
const RATE = 22050;
const CHUNK_S = 0.1;
/** Audio waiting in the socket beyond this (≈ 3 s at 22,050 Hz) is dropped, not queued. */
const MAX_BUFFERED = 128 * 1024;

/** What the card shows; listen-view.js renders it. */
export const listen = {
  capture: null, // {stream, ctx, source, analyser, worklet, sink, rate, startedAt, sentBytes, dropped}
  starting: false,
  result: null, // the latest `recognition` payload addressed to us
  error: null, // text of the last failure, shown until the next start
};

/** The identity of the room's recognizer agent (attribute `agent.name`), or null. */
export function recognizerIdentity() {
  for (const p of app.people.values()) {
    if (p.kind === 'agent' && p.attributes && p.attributes['agent.name'] === 'recognizer') return p.identity;
  }
  return null;
}

/** Redraws the card (cheap: a few text nodes; the histogram only when a match is shown). */
function show() {
  render(listen, recognizerIdentity());
}

let ticker = 0;

export function initListen() {
  el('listen-button').addEventListener('click', () => { startListening(); });
  el('listen-stop').addEventListener('click', () => stopListening());
  el('listen-play').addEventListener('click', () => {
    const m = listen.result && listen.result.match;
    if (m && Number.isInteger(m.id)) playTrack({ id: m.id, title: m.title, artist: m.artist });
  });
  show();
}

/** Presence changed: the button needs a recognizer in the room. */
export function refreshListen() {
  show();
}

function micErrorText(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone access was refused. Allow the microphone for this site (the icon at the left of the address bar) and press Listen again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Connect one (or enable it in the system settings) and press Listen again.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone could not be opened: another application may be using it.';
    default:
      return `Could not start listening: ${err && err.name ? `${err.name}: ` : ''}${(err && err.message) || err}`;
  }
}

/** Asks for the microphone, builds the audio graph and starts streaming. */
export async function startListening() {
  if (listen.capture || listen.starting) return;
  listen.error = null;
  listen.result = null;
  const agent = recognizerIdentity();
  if (!agent || !app.client) return show();
  if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    listen.error = `The browser offers the microphone only to pages served over https or from localhost; this page is ${location.origin}.`;
    return show();
  }
  listen.starting = true;
  show();
  let stream = null;
  try {
    // The voice-call processing a browser applies by default treats music as noise to remove.
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const capture = await buildGraph(stream);
    if (!listen.starting) {
      // Stop (or leaving) came while the browser was still asking: release what we got.
      release(capture);
      return show();
    }
    listen.capture = capture;
  } catch (err) {
    if (stream) for (const t of stream.getTracks()) t.stop();
    listen.starting = false;
    listen.error = stream ? `Could not process the microphone's audio: ${err.message || err}` : micErrorText(err);
    return show();
  }
  listen.starting = false;
  announce();
  addEvent('info', `Listening: streaming the microphone on “${AUDIO_TOPIC}” at ${listen.capture.rate} Hz to ${agent}`);
  startSpectrogram(listen.capture.analyser, listen.capture.rate);
  // The elapsed time and bytes sent move between the agent's answers.
  clearInterval(ticker);
  ticker = setInterval(show, 500);
  return show();
}

async function buildGraph(stream) {
  let ctx = new AudioContext({ sampleRate: RATE });
  let source;
  try {
    source = ctx.createMediaStreamSource(stream);
  } catch {
    // Firefox cannot resample a microphone into a context of another rate: use the device's
    // rate and announce it (the recognizer resamples).
    ctx.close().catch(() => {});
    ctx = new AudioContext();
    source = ctx.createMediaStreamSource(stream);
  }
  await ctx.audioWorklet.addModule(new URL('./listen-worklet.js', import.meta.url));
  const rate = ctx.sampleRate;
  const analyser = ctx.createAnalyser();
  // The fingerprinter's frame: 1,024 samples at 22,050 Hz (about 21.5 Hz per bin).
  analyser.fftSize = 2 ** Math.round(Math.log2((1024 * rate) / RATE));
  analyser.smoothingTimeConstant = 0;
  const worklet = new AudioWorkletNode(ctx, 'wavedefect-pcm-chunker', {
    numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
    processorOptions: { chunkSamples: Math.round(rate * CHUNK_S) },
  });
  // Nodes are only processed when they lead to the destination; a gain of 0 keeps the
  // microphone out of the speakers (no feedback).
  const sink = ctx.createGain();
  sink.gain.value = 0;
  source.connect(analyser);
  source.connect(worklet);
  worklet.connect(sink);
  analyser.connect(sink);
  sink.connect(ctx.destination);
  const capture = { stream, ctx, source, analyser, worklet, sink, rate, startedAt: performance.now(), sentBytes: 0, dropped: 0 };
  worklet.port.onmessage = (ev) => sendChunk(capture, ev.data);
  for (const track of stream.getAudioTracks()) {
    // The device went away (unplugged, permission revoked in the browser's UI).
    track.addEventListener('ended', () => {
      if (listen.capture === capture) stopListening('The microphone stopped (disconnected or access revoked).');
    });
  }
  if (ctx.state === 'suspended') await ctx.resume();
  return capture;
}

function sendChunk(capture, buffer) {
  if (listen.capture !== capture || !app.client) return;
  if (app.client.sendBinary(AUDIO_TOPIC, new Uint8Array(buffer), { maxBuffered: MAX_BUFFERED })) {
    capture.sentBytes += buffer.byteLength;
  } else {
    capture.dropped += 1;
  }
}

/** Tells the recognizer the format of what follows (again after a new session: it forgot us). */
export function announce() {
  const c = listen.capture;
  const agent = recognizerIdentity();
  if (!c || !app.client || !agent) return;
  const payload = { format: 's16le', sample_rate: c.rate };
  const id = app.client.request({ type: 'publish', topic: CONTROL_TOPIC, payload, reliable: true, destinations: [agent] });
  if (id) app.pending.set(id, { kind: 'listen' });
}

/** The server refused the announcement (topic policy, no such participant…). */
export function onListenRefused(text) {
  stopListening(`The room refused the audio announcement — ${text}`);
}

function release(c) {
  c.worklet.port.onmessage = null;
  for (const t of c.stream.getTracks()) t.stop();
  c.ctx.close().catch(() => {});
}

/** Stops streaming and releases the microphone; `why` (optional) is shown as the reason. */
export function stopListening(why = null) {
  const c = listen.capture;
  listen.capture = null;
  listen.starting = false;
  if (why) listen.error = why;
  clearInterval(ticker);
  if (c) {
    release(c);
    stopSpectrogram();
    addEvent('info', `Stopped listening after ${((performance.now() - c.startedAt) / 1000).toFixed(1)} s (${Math.round(c.sentBytes / 1024)} KiB sent)`);
  }
  show();
}

/** A `recognition` message. Answers for someone else, and progress after Stop, are ignored. */
export function onRecognition(payload) {
  if (!payload || typeof payload !== 'object') return;
  if (app.me && payload.for !== undefined && payload.for !== app.me.identity) return;
  const state = String(payload.state || '');
  if (state !== 'match' && !listen.capture) return;
  if (state === 'match' && payload.match) rememberTracks([payload.match]);
  listen.result = payload;
  show();
}

/** Leaving the room (or a new join) ends listening and clears the card. */
export function resetListen() {
  stopListening();
  listen.result = null;
  listen.error = null;
  show();
}
