// The 360° player of dvd360's HTML pages (`dvd360.player.player_html`): a canvas that samples the ERP frames
// through a pinhole camera (drag, arrow keys, wheel/pinch), its controls, and `window.dvd360` for tests.
(() => {
"use strict";
const $ = id => document.getElementById(id);
const data = JSON.parse($('dvd360-data').textContent);
const canvas = $('dvd360-view'), ctx = canvas.getContext('2d', {willReadFrequently: true});
const playBtn = $('dvd360-play'), scrub = $('dvd360-frame'), loopBox = $('dvd360-loop'), readout = $('dvd360-readout');
const VW = canvas.width, VH = canvas.height, W = data.width, H = data.height, F = data.frames.length, N = VW*VH;
const FOV_MIN = data.fovRange[0], FOV_MAX = data.fovRange[1], D2R = Math.PI/180;
const s = {yaw: 0, pitch: 0, fov: 90, frame: 0, playing: false, loop: data.loop};
let pixels = null, mapDirty = true, drawn = 0, shown = null, timer = null, pending = 0;
const I0 = new Int32Array(N), I1 = new Int32Array(N), DY = new Int32Array(N), FX = new Float32Array(N), FY = new Float32Array(N);
const out = ctx.createImageData(VW, VH);
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const wrapYaw = y => { y = ((y + 180) % 360 + 360) % 360 - 180; return y === -180 ? 180 : y; };

// The lookup of every view pixel: the gnomonic projection of dvd360.projection.view_rays/erp_to_perspective.
// Pixel (i, j) has the camera ray ((i + ½ − w/2)/f, −(j + ½ − h/2)/f, 1), f = (w/2)/tan(fov/2), turned into the
// world by R = R_y(yaw)·R_x(pitch); its longitude/latitude give ERP pixel coordinates (centres at k + ½), which are
// sampled bilinearly with longitude wrapping around the seam and latitude clamped (grid_sample, border padding).
function computeMap() {
  const cy = Math.cos(s.yaw*D2R), sy = Math.sin(s.yaw*D2R), cp = Math.cos(s.pitch*D2R), sp = Math.sin(s.pitch*D2R);
  const f = (VW/2)/Math.tan(s.fov*D2R/2);
  for (let j = 0, k = 0; j < VH; j++) {
    const v = -(j + 0.5 - VH/2)/f;
    for (let i = 0; i < VW; i++, k++) {
      const u = (i + 0.5 - VW/2)/f;
      const x = cy*u - sy*sp*v + sy*cp, y = cp*v + sp, z = -sy*u - cy*sp*v + cy*cp;
      const lon = Math.atan2(x, z), lat = Math.atan2(y, Math.sqrt(x*x + z*z));
      const ix = (lon + Math.PI)/(2*Math.PI)*W - 0.5, iy = clamp((Math.PI/2 - lat)/Math.PI*H - 0.5, 0, H - 1);
      const x0 = Math.floor(ix), y0 = Math.floor(iy), xa = ((x0 % W) + W) % W, xb = (xa + 1) % W;
      I0[k] = (y0*W + xa)*4; I1[k] = (y0*W + xb)*4; DY[k] = y0 < H - 1 ? W*4 : 0;
      FX[k] = ix - x0; FY[k] = iy - y0;
    }
  }
  mapDirty = false;
}

function draw() {
  pending = 0;
  if (!pixels) return;
  if (mapDirty) computeMap();
  const src = pixels[s.frame], o = out.data;
  for (let k = 0, q = 0; k < N; k++, q += 4) {
    const a = I0[k], b = I1[k], d = DY[k], fx = FX[k], fy = FY[k];
    const w00 = (1 - fx)*(1 - fy), w01 = fx*(1 - fy), w10 = (1 - fx)*fy, w11 = fx*fy;
    o[q]     = w00*src[a]     + w01*src[b]     + w10*src[a + d]     + w11*src[b + d];
    o[q + 1] = w00*src[a + 1] + w01*src[b + 1] + w10*src[a + d + 1] + w11*src[b + d + 1];
    o[q + 2] = w00*src[a + 2] + w01*src[b + 2] + w10*src[a + d + 2] + w11*src[b + d + 2];
    o[q + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
  drawn++; shown = {yaw: s.yaw, pitch: s.pitch, fov: s.fov, frame: s.frame};
  const deg = x => x.toFixed(1).replace('-', '\u2212') + '\u00b0';
  readout.textContent = `yaw ${deg(s.yaw)}  pitch ${deg(s.pitch)}  fov ${deg(s.fov)}  frame ${s.frame + 1}/${F}`;
  scrub.value = s.frame;
}
const request = () => { if (!pending) pending = requestAnimationFrame(draw); };

function setView(yaw, pitch, fov) {
  s.yaw = wrapYaw(+yaw); s.pitch = clamp(+pitch, -90, 90); s.fov = clamp(+fov, FOV_MIN, FOV_MAX);
  mapDirty = true; request();
}
function setFrame(i) { s.frame = ((Math.round(+i) % F) + F) % F; request(); }
function tick() {
  if (s.frame + 1 >= F && !s.loop) { pause(); return; }
  setFrame(s.frame + 1);
}
function play() {
  if (s.playing) return;
  if (s.frame + 1 >= F && !s.loop) setFrame(0);
  s.playing = true; timer = setInterval(tick, 1000/data.fps);
  playBtn.textContent = '\u275a\u275a'; playBtn.setAttribute('aria-label', 'pause');
}
function pause() {
  s.playing = false; clearInterval(timer); timer = null;
  playBtn.textContent = '\u25b6'; playBtn.setAttribute('aria-label', 'play');
}
const toggle = () => s.playing ? pause() : play();

// Dragging grabs the sphere: the point under the pointer at the view centre follows it (1/f radians per pixel).
const pointers = new Map();
let pinch = null;
const degPerPx = () => 2*Math.tan(s.fov*D2R/2)/canvas.clientWidth/D2R;
canvas.addEventListener('pointerdown', e => {
  canvas.focus(); canvas.setPointerCapture(e.pointerId);
  pointers.set(e.pointerId, {x: e.clientX, y: e.clientY});
  if (pointers.size === 2) { const [p, q] = [...pointers.values()]; pinch = {d: Math.hypot(p.x - q.x, p.y - q.y), fov: s.fov}; }
  e.preventDefault();
});
canvas.addEventListener('pointermove', e => {
  const p = pointers.get(e.pointerId);
  if (!p) return;
  if (pointers.size === 1) {
    const k = degPerPx();
    setView(s.yaw - (e.clientX - p.x)*k, s.pitch + (e.clientY - p.y)*k, s.fov);
  }
  p.x = e.clientX; p.y = e.clientY;
  if (pointers.size === 2 && pinch) {
    const [a, b] = [...pointers.values()], d = Math.hypot(a.x - b.x, a.y - b.y);
    if (d > 0) setView(s.yaw, s.pitch, pinch.fov*pinch.d/d);
  }
  e.preventDefault();
});
const up = e => { pointers.delete(e.pointerId); if (pointers.size < 2) pinch = null; };
canvas.addEventListener('pointerup', up); canvas.addEventListener('pointercancel', up);
canvas.addEventListener('wheel', e => {             // 100 pixels of scrolling widen the view by a factor e^0.1
  e.preventDefault();
  setView(s.yaw, s.pitch, s.fov*Math.exp(e.deltaY*(e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1)*0.001));
}, {passive: false});
document.addEventListener('keydown', e => {
  if (e.ctrlKey || e.metaKey || e.altKey || (e.target === scrub && e.key.startsWith('Arrow'))) return;
  const step = 5, keys = {
    ArrowLeft: () => setView(s.yaw - step, s.pitch, s.fov), ArrowRight: () => setView(s.yaw + step, s.pitch, s.fov),
    ArrowUp: () => setView(s.yaw, s.pitch + step, s.fov), ArrowDown: () => setView(s.yaw, s.pitch - step, s.fov),
    '+': () => setView(s.yaw, s.pitch, s.fov/1.1), '=': () => setView(s.yaw, s.pitch, s.fov/1.1),
    '-': () => setView(s.yaw, s.pitch, s.fov*1.1), '_': () => setView(s.yaw, s.pitch, s.fov*1.1),
    ' ': toggle, ',': () => { pause(); setFrame(s.frame - 1); }, '.': () => { pause(); setFrame(s.frame + 1); },
  };
  if (e.key === ' ' && (e.target.tagName === 'BUTTON' || e.target.tagName === 'INPUT')) return;   // their own space
  if (keys[e.key]) { keys[e.key](); e.preventDefault(); }
});
playBtn.addEventListener('click', toggle);
scrub.addEventListener('input', () => setFrame(scrub.value));
loopBox.addEventListener('change', () => { s.loop = loopBox.checked; });

const api = {
  get yaw() { return s.yaw; }, set yaw(v) { setView(v, s.pitch, s.fov); },
  get pitch() { return s.pitch; }, set pitch(v) { setView(s.yaw, v, s.fov); },
  get fov() { return s.fov; }, set fov(v) { setView(s.yaw, s.pitch, v); },
  get frame() { return s.frame; }, set frame(v) { setFrame(v); },
  get playing() { return s.playing; }, set playing(v) { v ? play() : pause(); },
  get loop() { return s.loop; }, set loop(v) { s.loop = loopBox.checked = !!v; },
  get loaded() { return pixels !== null; }, get framesDrawn() { return drawn; },
  get shown() { return shown && {...shown}; },      // the view and frame the canvas shows now
  numFrames: F, fps: data.fps, erpSize: [H, W], viewSize: [VH, VW], fovRange: [FOV_MIN, FOV_MAX],
  encoding: {format: data.format, quality: data.quality},
  play, pause, toggle, setView, render() { if (pending) cancelAnimationFrame(pending); draw(); return shown; },
  canvas, error: null,
};
window.dvd360Player = api;
setView(data.yaw, data.pitch, data.fov);
scrub.max = F - 1; loopBox.checked = s.loop;
api.ready = Promise.all(data.frames.map(url => { const im = new Image(); im.src = url; return im.decode().then(() => im); }))
  .then(images => {
    const c = document.createElement('canvas'); c.width = W; c.height = H;
    const g = c.getContext('2d', {willReadFrequently: true});
    pixels = images.map(im => { g.clearRect(0, 0, W, H); g.drawImage(im, 0, 0); return g.getImageData(0, 0, W, H).data; });
    data.frames = null;
    draw();
    if (data.autoplay) play();
    return api;
  })
  .catch(err => { api.error = String(err); readout.textContent = 'could not decode the frames: ' + err; throw err; });
})();
