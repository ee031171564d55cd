// hpaic view: the pages (runs, run, compare, gallery), hash-routed, drawn as plain DOM and SVG.
const app = document.getElementById('app');
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
let timer = null;

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const fmt = (v, d = 4) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(d));
const api = async (path) => {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
const metric = (list, name) => (list.find((m) => m[0] === name) ?? [null, NaN])[1];
const duration = (s) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

/** A line chart; each series' values are kept in data-values so tests and users can read them back. */
function lineChart(id, title, series, { w = 360, h = 200, log = false } = {}) {
  const pad = { l: 46, r: 8, t: 18, b: 24 };
  const pts = series.flatMap((s) => s.values.map((v, i) => [s.x ? s.x[i] : i + 1, v])).filter(([, v]) => Number.isFinite(v) && (!log || v > 0));
  const xs = pts.map((p) => p[0]);
  const tr = (v) => (log ? Math.log10(v) : v);
  const ys = pts.map((p) => tr(p[1]));
  const [x0, x1] = [Math.min(...xs, 1), Math.max(...xs, 2)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const X = (x) => pad.l + ((x - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const Y = (y) => h - pad.b - ((tr(y) - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  const lines = series.map((s, k) => {
    const p = s.values.map((v, i) => [s.x ? s.x[i] : i + 1, v]).filter(([, v]) => Number.isFinite(v) && (!log || v > 0)).map(([x, v]) => `${X(x).toFixed(1)},${Y(v).toFixed(1)}`).join(' ');
    const color = s.color ?? COLORS[k % COLORS.length];
    return `<polyline fill="none" stroke="${color}" stroke-width="1.6" ${s.dash ? 'stroke-dasharray="4 3"' : ''} points="${p}" data-series="${esc(s.name)}" data-values="${esc(JSON.stringify(s.values))}"><title>${esc(s.name)}</title></polyline>`;
  });
  const yTicks = [0, 0.5, 1].map((f) => {
    const v = y0 + f * (y1 - y0);
    const shown = log ? 10 ** v : v;
    return `<text x="${pad.l - 4}" y="${(h - pad.b - f * (h - pad.t - pad.b) + 3).toFixed(1)}" text-anchor="end">${log ? shown.toExponential(0) : shown.toFixed(3)}</text>`;
  });
  const legend = series.map((s, k) => `<span style="color:${s.color ?? COLORS[k % COLORS.length]}">■ ${esc(s.name)}</span>`).join('');
  return `<div class="card"><h3>${esc(title)}</h3><svg class="chart" data-chart="${esc(id)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
    <rect x="${pad.l}" y="${pad.t}" width="${w - pad.l - pad.r}" height="${h - pad.t - pad.b}" fill="#fafbfc" stroke="#ccc"/>
    ${yTicks.join('')}<text x="${pad.l}" y="${h - 6}">${x0}</text><text x="${w - pad.r}" y="${h - 6}" text-anchor="end">${x1} (epoch)</text>${lines.join('')}</svg><div class="legend">${legend}</div></div>`;
}

/** Horizontal bars per class; several groups side by side (e.g. runs, or threshold kinds). */
function barChart(id, title, names, groups, { max = 1 } = {}) {
  const rowH = 8 * groups.length + 4;
  const w = 520;
  const left = 200;
  const h = names.length * rowH + 20;
  const bars = names.map((n, c) => {
    const y = c * rowH + 4;
    const gb = groups.map((g, k) => {
      const v = g.values?.[c];
      const len = Number.isFinite(v) ? (Math.max(0, v) / max) * (w - left - 50) : 0;
      return `<rect x="${left}" y="${y + 8 * k}" width="${len.toFixed(1)}" height="7" fill="${g.color ?? COLORS[k % COLORS.length]}"><title>${esc(g.name)}: ${fmt(v)}</title></rect><text x="${left + len + 3}" y="${y + 8 * k + 7}">${fmt(v, 3)}</text>`;
    });
    return `<text x="${left - 4}" y="${y + rowH / 2 + 2}" text-anchor="end">${c} ${esc(n)}</text>${gb.join('')}`;
  });
  const legend = groups.map((g, k) => `<span style="color:${g.color ?? COLORS[k % COLORS.length]}">■ ${esc(g.name)}</span>`).join('');
  return `<div class="card"><h3>${esc(title)}</h3><div class="legend">${legend}</div><svg class="bars" data-chart="${esc(id)}" data-values="${esc(JSON.stringify(groups.map((g) => g.values)))}" width="${w}" height="${h}">${bars.join('')}</svg></div>`;
}

function heatmap(id, title, names, m) {
  const cell = 13;
  const left = 30;
  const max = Math.max(1, ...m.flat());
  const rects = m.flatMap((row, t) => row.map((v, p) => `<rect x="${left + p * cell}" y="${20 + t * cell}" width="${cell - 1}" height="${cell - 1}" fill="rgba(31,119,180,${v === 0 ? 0.04 : 0.15 + (0.85 * v) / max})"><title>true ${t} ${esc(names[t])} → predicted ${p} ${esc(names[p])}: ${v}</title></rect>`));
  const labels = names.map((_, i) => `<text x="${left - 3}" y="${20 + i * cell + 10}" text-anchor="end">${i}</text><text x="${left + i * cell + 6}" y="14" text-anchor="middle">${i}</text>`);
  return `<div class="card"><h3>${esc(title)}</h3><svg data-chart="${esc(id)}" data-values="${esc(JSON.stringify(m))}" width="${left + 28 * cell + 4}" height="${24 + 28 * cell}">${labels.join('')}${rects.join('')}</svg><div>rows: true class, columns: predicted class</div></div>`;
}

// ---------- Runs ----------
let runsSort = { key: 'name', dir: 1 };
async function runsPage() {
  const { dir, runs } = await api('/api/runs');
  const cols = [
    ['name', 'run'], ['model', 'model'], ['imageSize', 'image'], ['channels', 'channels'], ['numFolds', 'folds'],
    ['epochsTrained', 'epochs trained'], ['bestF1s', 'best val F1 per fold'], ['meanBestF1', 'mean best F1'], ['thresholds', 'thresholds'], ['submissions', 'submissions'], ['seconds', 'time'],
  ];
  const value = (r, k) => (k === 'name' ? `${r.name}\u0000${r.id}` : k === 'epochsTrained' ? r.folds.reduce((s, f) => s + f.epochsTrained, 0) : k === 'bestF1s' ? r.meanBestF1 : k === 'thresholds' || k === 'submissions' ? r[k].length : r[k]);
  const sorted = [...runs].sort((a, b) => {
    const [x, y] = [value(a, runsSort.key), value(b, runsSort.key)];
    return (x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1) * runsSort.dir;
  });
  const head = cols.map(([k, t]) => `<th class="sortable" data-key="${k}">${t}${runsSort.key === k ? (runsSort.dir > 0 ? ' ▲' : ' ▼') : ''}</th>`).join('');
  const rows = sorted.map((r) => `<tr data-run="${esc(r.id)}"><td><input type="checkbox" class="pick" value="${esc(r.id)}"></td>
    <td><a href="#/run/${encodeURIComponent(r.id)}">${esc(r.id)}</a>${r.name !== r.id ? ` (${esc(r.name)})` : ''} <a href="#/gallery/${encodeURIComponent(r.id)}">gallery</a></td><td>${esc(r.model ?? '–')}</td><td>${esc(r.imageSize ?? '–')}</td><td>${esc(r.channels ?? '–')}</td>
    <td class="num">${r.folds.length}${r.numFolds ? `/${r.numFolds}` : ''}</td><td class="num">${r.folds.map((f) => f.epochsTrained).join(' / ')}</td>
    <td class="num best-f1">${r.folds.map((f) => fmt(f.bestF1)).join(' / ')}</td><td class="num mean-f1">${fmt(r.meanBestF1)}</td>
    <td>${esc(r.thresholds.join(', ') || '–')}</td><td>${r.submissions.length}</td><td class="num">${duration(r.seconds)}</td></tr>`).join('');
  app.innerHTML = `<h2>Runs in ${esc(dir)}</h2><div class="controls"><button id="compare">compare selected</button> <span>${runs.length} run(s)</span></div>
    <table id="runs"><thead><tr><th></th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
  app.querySelectorAll('th.sortable').forEach((th) => th.addEventListener('click', () => {
    runsSort = { key: th.dataset.key, dir: runsSort.key === th.dataset.key ? -runsSort.dir : 1 };
    runsPage();
  }));
  document.getElementById('compare').addEventListener('click', () => {
    const ids = [...app.querySelectorAll('.pick:checked')].map((c) => c.value);
    if (ids.length) location.hash = `#/compare/${ids.map(encodeURIComponent).join(',')}`;
  });
}

// ---------- Run ----------
function foldCharts(f) {
  const e = f.history?.epochs ?? [];
  const x = e.map((r) => r.epoch);
  return `<div class="row">
    ${lineChart(`fold${f.fold}-loss`, `fold ${f.fold}: loss`, [{ name: 'train loss', x, values: e.map((r) => r.train.loss) }, { name: 'val loss', x, values: e.map((r) => r.val.loss) }])}
    ${lineChart(`fold${f.fold}-f1`, `fold ${f.fold}: macro F1`, [{ name: 'train f1_macro', x, values: e.map((r) => metric(r.train.metrics, 'f1_macro')) }, { name: 'val f1_macro', x, values: e.map((r) => metric(r.val.metrics, 'f1_macro')) }])}
    ${lineChart(`fold${f.fold}-lr`, `fold ${f.fold}: learning rate`, [{ name: 'lr', x, values: e.map((r) => r.lr) }], { log: true })}</div>`;
}

async function runPage(id) {
  const d = await api(`/api/run?id=${encodeURIComponent(id)}`);
  const s = d.summary;
  const kinds = [...new Set(d.folds.flatMap((f) => Object.keys(f.kinds)))];
  const thrRows = d.folds.map((f) => `<tr><td>fold ${f.fold}</td>${kinds.map((k) => {
    const e = f.kinds[k];
    if (!e) return '<td>–</td>';
    const t = Array.isArray(e.threshold) ? `<details><summary>per class</summary>${e.threshold.map((v, c) => `${c}: ${fmt(v, 3)}`).join('<br>')}</details>` : fmt(e.threshold, 3);
    return `<td>${t}</td><td class="num">${fmt(e.f1Macro)}</td>`;
  }).join('')}</tr>`).join('');
  const perClass = d.folds.map((f) => barChart(`fold${f.fold}-perclass`, `fold ${f.fold}: per-class F1 at each threshold kind`, d.classNames, kinds.filter((k) => f.kinds[k]?.perClassF1).map((k) => ({ name: k, values: f.kinds[k].perClassF1 })))).join('');
  const conf = d.folds.map((f) => {
    const k = f.kinds.class_best ? 'class_best' : Object.keys(f.kinds)[0];
    const c = f.kinds[k]?.confusion;
    if (!c) return `<div class="card">fold ${f.fold}: no validation probabilities or no labels (${d.hasLabels ? 'val_probabilities.csv missing' : 'start with --data'})</div>`;
    const rows = d.classNames.map((n, i) => `<tr><td>${i} ${esc(n)}</td><td class="num">${c.tp[i]}</td><td class="num">${c.fp[i]}</td><td class="num">${c.fn[i]}</td></tr>`).join('');
    return `<div class="card"><h3>fold ${f.fold}: TP / FP / FN at ${esc(k)} (${f.validationSamples} validation samples)</h3><table class="tpfpfn" data-fold="${f.fold}"><tr><th>class</th><th>TP</th><th>FP</th><th>FN</th></tr>${rows}</table></div>${heatmap(`fold${f.fold}-cooc`, `fold ${f.fold}: true × predicted co-occurrence at ${k}`, d.classNames, c.cooc)}`;
  }).join('');
  const weights = d.samplerClassWeights ? barChart('sampler', 'sampler class weights (train.log)', d.classNames, [{ name: 'weight', values: d.samplerClassWeights }], { max: Math.max(...d.samplerClassWeights) }) : '<div class="card">no weighted sampler in train.log</div>';
  app.innerHTML = `<h2>${esc(s.name)} <small>${esc(s.model ?? '')} ${esc(s.imageSize ?? '')} ${esc(s.channels ?? '')}</small> <a href="#/gallery/${encodeURIComponent(id)}">gallery →</a></h2>
    <div>best validation macro F1 per fold: ${s.folds.map((f) => `${fmt(f.bestF1)} (epoch ${f.bestEpoch ?? '–'})`).join(', ')}; mean ${fmt(s.meanBestF1)}; ${duration(s.seconds)} of training</div>
    <h2>Curves</h2>${d.folds.map(foldCharts).join('')}
    <h2>Thresholds</h2><table id="thresholds"><tr><th>fold</th>${kinds.map((k) => `<th>${esc(k)}</th><th>macro F1</th>`).join('')}</tr>${thrRows}</table>
    <h2>Per-class F1</h2><div class="row">${perClass}</div>
    <h2>Validation errors</h2><div class="row">${conf}</div>
    <h2>Sampler</h2><div class="row">${weights}</div>`;
  // Curves follow a run that is still training.
  timer = setTimeout(() => { if (location.hash === `#/run/${encodeURIComponent(id)}`) runPage(id).catch(showError); }, 5000);
}

// ---------- Compare ----------
async function comparePage(ids) {
  const runs = await Promise.all(ids.map((id) => api(`/api/run?id=${encodeURIComponent(id)}`)));
  const series = (pick) => runs.flatMap((d, r) => d.folds.map((f) => ({ name: `${d.summary.name} fold ${f.fold}`, x: (f.history?.epochs ?? []).map((e) => e.epoch), values: (f.history?.epochs ?? []).map(pick), color: COLORS[r % COLORS.length], dash: f.fold > 1 })));
  const bestPerClass = (d) => {
    const lists = d.folds.map((f) => f.history?.epochs.find((e) => e.epoch === f.bestEpoch)?.val.metrics).filter(Boolean);
    return d.classNames.map((n) => lists.reduce((s, l) => s + metric(l, `f1_${n}`), 0) / Math.max(1, lists.length));
  };
  app.innerHTML = `<h2>Compare ${runs.map((d) => esc(d.summary.name)).join(', ')}</h2><div class="row">
    ${lineChart('compare-valf1', 'validation macro F1', series((e) => metric(e.val.metrics, 'f1_macro')))}
    ${lineChart('compare-valloss', 'validation loss', series((e) => e.val.loss))}
    ${lineChart('compare-trainloss', 'training loss', series((e) => e.train.loss))}</div>
    <div class="row">${barChart('compare-perclass', 'per-class validation F1 at the best epoch (mean over folds)', runs[0].classNames, runs.map((d, r) => ({ name: d.summary.name, values: bestPerClass(d), color: COLORS[r % COLORS.length] })))}</div>`;
}

// ---------- Gallery ----------
const gal = { source: '', mode: 'rgb', kind: '', cls: '', on: 'truth', sort: 'id', shown: 120 };
function predicted(probs, t) {
  return probs.map((p, c) => (p > (Array.isArray(t) ? t[c] : t) ? c : -1)).filter((c) => c >= 0);
}
async function galleryPage(id) {
  const g = await api(`/api/gallery?id=${encodeURIComponent(id)}&source=${encodeURIComponent(gal.source)}`);
  const names = (await api(`/api/run?id=${encodeURIComponent(id)}`)).classNames;
  if (!g.thresholds[gal.kind]) gal.kind = g.thresholds.class_best !== undefined ? 'class_best' : Object.keys(g.thresholds)[0] ?? 'default';
  const t = g.thresholds[gal.kind] ?? 0.5;
  let samples = g.samples.map((s) => {
    const pred = predicted(s.probs, t);
    const truth = s.truth ?? [];
    const fp = pred.filter((c) => !truth.includes(c));
    const fn = truth.filter((c) => !pred.includes(c));
    return { ...s, pred, fp, fn, conf: Math.max(...s.probs) };
  });
  if (gal.cls !== '') {
    const c = Number(gal.cls);
    samples = samples.filter((s) => (gal.on === 'truth' ? (s.truth ?? []).includes(c) : gal.on === 'pred' ? s.pred.includes(c) : (s.truth ?? []).includes(c) || s.pred.includes(c)));
  }
  const order = { id: (a, b) => (a.id < b.id ? -1 : 1), confidence: (a, b) => b.conf - a.conf, error: (a, b) => b.fp.length + b.fn.length - (a.fp.length + a.fn.length) || b.fn.length - a.fn.length, fp: (a, b) => b.fp.length - a.fp.length, fn: (a, b) => b.fn.length - a.fn.length };
  samples.sort(order[gal.sort]);
  const opt = (v, label, cur) => `<option value="${esc(v)}"${String(cur) === String(v) ? ' selected' : ''}>${esc(label)}</option>`;
  const tag = (c, cls) => `<span class="lab ${cls}" title="${esc(names[c])}">${c}</span>`;
  const tile = (s) => `<div class="tile" data-id="${esc(s.id)}" data-truth="${esc(JSON.stringify(s.truth))}" data-pred="${esc(JSON.stringify(s.pred))}">
    ${g.hasImages ? `<img loading="lazy" alt="${esc(s.id)}" src="/img?id=${encodeURIComponent(s.id)}&mode=${gal.mode}&size=128">` : ''}
    <div>${esc(s.id.slice(0, 13))}…</div><div>true: ${s.truth ? s.truth.map((c) => tag(c, s.pred.includes(c) ? 'tp' : 'fn')).join('') || '–' : '?'}</div>
    <div>pred: ${s.pred.map((c) => tag(c, s.truth && !s.truth.includes(c) ? 'fp' : 'tp')).join('') || '–'}</div><div>max p ${fmt(s.conf, 3)}</div></div>`;
  app.innerHTML = `<h2>Gallery: ${esc(id)} <a href="#/run/${encodeURIComponent(id)}">run →</a></h2>
    <div class="controls">
      <label>samples <select id="g-source">${g.sources.map((s) => opt(s.key, s.label, g.source)).join('')}</select></label>
      <label>channels <select id="g-mode">${['rgb', 'rgby', 'red', 'green', 'blue', 'yellow'].map((m) => opt(m, m, gal.mode)).join('')}</select></label>
      <label>thresholds <select id="g-kind">${Object.keys(g.thresholds).map((k) => opt(k, k, gal.kind)).join('')}</select></label>
      <label>class <select id="g-class">${opt('', 'all', gal.cls)}${names.map((n, c) => opt(c, `${c} ${n}`, gal.cls)).join('')}</select></label>
      <label>in <select id="g-on">${opt('truth', 'true labels', gal.on)}${opt('pred', 'predicted labels', gal.on)}${opt('either', 'either', gal.on)}</select></label>
      <label>sort <select id="g-sort">${opt('id', 'id', gal.sort)}${opt('confidence', 'confidence', gal.sort)}${opt('error', 'errors first', gal.sort)}${opt('fn', 'false negatives first', gal.sort)}${opt('fp', 'false positives first', gal.sort)}</select></label>
      <span id="g-count">${samples.length} of ${g.samples.length} samples</span>
      <span class="legend"><span class="lab tp">correct</span><span class="lab fn">missed (FN)</span><span class="lab fp">wrong (FP)</span></span>
    </div>${g.hasImages ? '' : '<div class="card">start hpaic view with --data &lt;dataset root&gt; to see the images</div>'}
    <div class="grid" id="grid">${samples.slice(0, gal.shown).map(tile).join('')}</div>
    ${samples.length > gal.shown ? '<button id="more">show more</button>' : ''}`;
  const bind = (elId, key) => document.getElementById(elId).addEventListener('change', (ev) => { gal[key] = ev.target.value; gal.shown = 120; galleryPage(id).catch(showError); });
  bind('g-source', 'source'); bind('g-mode', 'mode'); bind('g-kind', 'kind'); bind('g-class', 'cls'); bind('g-on', 'on'); bind('g-sort', 'sort');
  document.getElementById('more')?.addEventListener('click', () => { gal.shown += 240; galleryPage(id).catch(showError); });
  document.getElementById('grid').addEventListener('click', (ev) => {
    const el = ev.target.closest('.tile');
    if (!el) return;
    const s = samples.find((x) => x.id === el.dataset.id);
    const modal = document.getElementById('modal');
    const img = (m) => `<figure style="display:inline-block;margin:4px"><img src="/img?id=${encodeURIComponent(s.id)}&mode=${m}" width="256" height="256"><figcaption>${m}</figcaption></figure>`;
    modal.innerHTML = `<div class="box"><b>${esc(s.id)}</b> <button id="close">close</button><div>${g.hasImages ? ['rgby', 'red', 'green', 'blue', 'yellow'].map(img).join('') : ''}</div>
      <table><tr><th>class</th><th>true</th><th>p</th><th>predicted</th></tr>${names.map((n, c) => `<tr><td>${c} ${esc(n)}</td><td>${s.truth?.includes(c) ? '✓' : ''}</td><td class="num">${fmt(s.probs[c], 3)}</td><td>${s.pred.includes(c) ? '✓' : ''}</td></tr>`).join('')}</table></div>`;
    modal.hidden = false;
    modal.querySelector('#close').addEventListener('click', () => { modal.hidden = true; });
  });
}

function showError(err) {
  app.innerHTML = `<div class="card">error: ${esc(err.message)}</div>`;
}

async function route() {
  clearTimeout(timer);
  document.getElementById('modal').hidden = true;
  const h = location.hash.replace(/^#/, '') || '/';
  const [, page, arg] = h.match(/^\/([a-z]*)\/?(.*)$/) ?? [];
  document.getElementById('where').textContent = page || 'runs';
  try {
    if (page === 'run') await runPage(decodeURIComponent(arg));
    else if (page === 'compare') await comparePage(arg.split(',').map(decodeURIComponent));
    else if (page === 'gallery') await galleryPage(decodeURIComponent(arg));
    else await runsPage();
    document.body.dataset.ready = h;
  } catch (err) {
    showError(err);
  }
}
window.addEventListener('hashchange', route);
route();
