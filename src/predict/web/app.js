// hpaic export web: the page. Decodes dropped images with the browser, prepares the model input with
// preprocess.js (the loader's Pillow-exact steps, bundled from src/predict/webInput.ts) and runs model.onnx
// with onnxruntime-web (global `ort`, WASM, single-threaded so that no cross-origin isolation is needed).
import { parseImageName, sampleToStore, storeToInput } from './preprocess.js';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
let info;
let session;

async function start() {
  info = await (await fetch('model.json')).json();
  ort.env.wasm.wasmPaths = new URL('./', location.href).href;
  ort.env.wasm.numThreads = 1;
  session = await ort.InferenceSession.create('model.onnx', { executionProviders: ['wasm'] });
  const { filters, height, width } = info.input;
  $('model').textContent = `${info.model}, folds ${info.folds.join(', ')}, channels ${filters}, ${height}×${width}, threshold ${info.threshold.source}`;
  $('status').textContent = 'ready';
  document.body.dataset.ready = '1';
}

/** Decoded RGBA pixels of one file, as the browser decodes it (no colour-space conversion). */
async function decode(file) {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' });
  return { data, width: bitmap.width, height: bitmap.height, channels: 4 };
}

/** Group files into samples by Id, decode them, predict each; returns [{ id, probabilities, labels } | { id, error }]. */
export async function predictFiles(files) {
  const samples = new Map();
  for (const f of files) {
    const n = parseImageName(f.name);
    if (!n) continue;
    const s = samples.get(n.id) ?? { channels: {} };
    if (n.color) s.channels[n.color] = f;
    else s.composite = f;
    samples.set(n.id, s);
  }
  const out = [];
  const { filters, height, width } = info.input;
  const C = filters === 'rygb' ? 3 : filters.length;
  for (const [id, s] of samples) {
    try {
      const decoded = { channels: {} };
      if (s.composite) decoded.composite = await decode(s.composite);
      for (const [color, f] of Object.entries(s.channels)) decoded.channels[color] = await decode(f);
      const x = storeToInput(sampleToStore(id, decoded, info.input), info.input);
      const res = await session.run({ input: new ort.Tensor('float32', x, [1, C, height, width]) });
      const probabilities = Array.from(res.probabilities.data);
      const labels = probabilities.flatMap((p, c) => (Math.fround(p) > Math.fround(info.threshold.perClass[c]) ? [c] : []));
      out.push({ id, probabilities, labels });
    } catch (err) {
      out.push({ id, error: String(err?.message ?? err) });
    }
  }
  return out;
}

function show(results) {
  $('results').innerHTML = results
    .map((r) => {
      if (r.error) return `<div class="sample" data-id="${esc(r.id)}"><h3>${esc(r.id)}</h3><div class="error">${esc(r.error)}</div></div>`;
      const labels = r.labels.length ? r.labels.map((c) => `<span>${c} ${esc(info.classNames[c])}</span>`).join('') : '<span class="none">no class above its threshold</span>';
      const rows = r.probabilities
        .map((p, c) => `<tr class="${r.labels.includes(c) ? 'on' : ''}"><td>${c}</td><td>${esc(info.classNames[c])}</td><td class="p" data-class="${c}" data-value="${p}">${p.toFixed(4)}</td><td><span class="bar" style="width:${(p * 120).toFixed(0)}px"></span></td><td>thr ${info.threshold.perClass[c].toFixed(3)}</td></tr>`)
        .join('');
      return `<div class="sample" data-id="${esc(r.id)}"><h3>${esc(r.id)}</h3><div class="labels">${labels}</div><table class="probs">${rows}</table></div>`;
    })
    .join('');
}

async function handle(files) {
  $('status').textContent = `predicting ${files.length} file(s)…`;
  const results = await predictFiles(files);
  show(results);
  $('status').textContent = `${results.length} sample(s) predicted`;
  document.body.dataset.done = String(Number(document.body.dataset.done ?? 0) + 1);
}

$('files').addEventListener('change', (e) => handle([...e.target.files]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  handle([...e.dataTransfer.files]);
});
start().catch((err) => {
  $('status').innerHTML = `<span class="error">${esc(err?.message ?? err)}</span>`;
});
