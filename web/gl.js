// One tiny drawing layer for the two canvases that tests read back (catalog map, audio
// visualizer): WebGL with `preserveDrawingBuffer`, so what was drawn stays readable with
// `readPixels` / `toDataURL`; a 2-D canvas context when WebGL is not available.
// Vertices are [x, y, size, r, g, b, a] with x, y in CSS pixels from the top left.

const VS = `attribute vec2 a_pos; attribute float a_size; attribute vec4 a_color;
uniform vec2 u_view; varying vec4 v_color;
void main() {
  vec2 clip = a_pos / u_view * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
  gl_PointSize = a_size; v_color = a_color;
}`;
const FS = `precision mediump float; varying vec4 v_color; uniform float u_round;
void main() {
  if (u_round > 0.5) { vec2 d = gl_PointCoord - 0.5; if (dot(d, d) > 0.25) discard; }
  gl_FragColor = v_color;
}`;

function compile(gl, type, src) {
  const s = gl.createShader(type);
  gl.shaderSource(s, src);
  gl.compileShader(s);
  return gl.getShaderParameter(s, gl.COMPILE_STATUS) ? s : null;
}

export class Painter {
  constructor(canvas) {
    this.canvas = canvas;
    this.dpr = 1;
    this.width = 0;
    this.height = 0;
    this.gl = null;
    const gl = canvas.getContext('webgl', { preserveDrawingBuffer: true, antialias: true, premultipliedAlpha: false });
    if (gl) this.initGL(gl);
    if (!this.gl) this.ctx = canvas.getContext('2d');
    canvas.dataset.renderer = this.gl ? 'webgl' : '2d';
  }

  initGL(gl) {
    const vs = compile(gl, gl.VERTEX_SHADER, VS);
    const fs = compile(gl, gl.FRAGMENT_SHADER, FS);
    if (!vs || !fs) return;
    const prog = gl.createProgram();
    gl.attachShader(prog, vs);
    gl.attachShader(prog, fs);
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) return;
    gl.useProgram(prog);
    this.loc = {
      pos: gl.getAttribLocation(prog, 'a_pos'),
      size: gl.getAttribLocation(prog, 'a_size'),
      color: gl.getAttribLocation(prog, 'a_color'),
      view: gl.getUniformLocation(prog, 'u_view'),
      round: gl.getUniformLocation(prog, 'u_round'),
    };
    this.buffer = gl.createBuffer();
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    this.gl = gl;
  }

  /** Matches the backing store to the element's size; returns false while it has none (hidden). */
  resize() {
    const c = this.canvas;
    const w = c.clientWidth;
    const ht = c.clientHeight;
    if (!w || !ht) return false;
    this.dpr = window.devicePixelRatio || 1;
    const bw = Math.round(w * this.dpr);
    const bh = Math.round(ht * this.dpr);
    if (c.width !== bw || c.height !== bh) { c.width = bw; c.height = bh; }
    this.width = w;
    this.height = ht;
    return true;
  }

  clear([r, g, b, a]) {
    if (this.gl) {
      const gl = this.gl;
      gl.viewport(0, 0, this.canvas.width, this.canvas.height);
      gl.clearColor(r, g, b, a);
      gl.clear(gl.COLOR_BUFFER_BIT);
    } else {
      this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      this.ctx.clearRect(0, 0, this.width, this.height);
      this.ctx.fillStyle = css([r, g, b, a]);
      this.ctx.fillRect(0, 0, this.width, this.height);
    }
  }

  /** Round points: vertices [x, y, size, r, g, b, a]… */
  points(v) { this.draw(v, 'points'); }

  /** Triangles (sizes ignored): three vertices each. */
  triangles(v) { this.draw(v, 'triangles'); }

  /** Axis-aligned rectangles [x, y, w, h, r, g, b, a]… as triangles. */
  rects(list) {
    const v = [];
    for (let i = 0; i < list.length; i += 8) {
      const [x, y, w, ht, r, g, b, a] = list.slice(i, i + 8);
      for (const [px, py] of [[x, y], [x + w, y], [x, y + ht], [x + w, y], [x + w, y + ht], [x, y + ht]]) v.push(px, py, 1, r, g, b, a);
    }
    this.triangles(v);
  }

  draw(v, kind) {
    const n = v.length / 7;
    if (!n) return;
    if (this.gl) {
      const gl = this.gl;
      const data = new Float32Array(v);
      for (let i = 0; i < n; i++) data[i * 7 + 2] *= this.dpr;
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.STREAM_DRAW);
      gl.uniform2f(this.loc.view, this.width, this.height);
      gl.uniform1f(this.loc.round, kind === 'points' ? 1 : 0);
      gl.enableVertexAttribArray(this.loc.pos);
      gl.vertexAttribPointer(this.loc.pos, 2, gl.FLOAT, false, 28, 0);
      gl.enableVertexAttribArray(this.loc.size);
      gl.vertexAttribPointer(this.loc.size, 1, gl.FLOAT, false, 28, 8);
      gl.enableVertexAttribArray(this.loc.color);
      gl.vertexAttribPointer(this.loc.color, 4, gl.FLOAT, false, 28, 12);
      gl.drawArrays(kind === 'points' ? gl.POINTS : gl.TRIANGLES, 0, n);
      return;
    }
    const ctx = this.ctx;
    for (let i = 0; i < n; i += kind === 'points' ? 1 : 3) {
      const o = i * 7;
      ctx.fillStyle = css(v.slice(o + 3, o + 7));
      ctx.beginPath();
      if (kind === 'points') {
        ctx.arc(v[o], v[o + 1], v[o + 2] / 2, 0, Math.PI * 2);
      } else {
        ctx.moveTo(v[o], v[o + 1]);
        ctx.lineTo(v[o + 7], v[o + 8]);
        ctx.lineTo(v[o + 14], v[o + 15]);
        ctx.closePath();
      }
      ctx.fill();
    }
  }
}

function css([r, g, b, a]) {
  return `rgba(${Math.round(r * 255)},${Math.round(g * 255)},${Math.round(b * 255)},${a})`;
}

/** '#rrggbb' → [r, g, b, a] in 0…1. */
export function rgba(hex, a = 1) {
  const n = parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255, a];
}
