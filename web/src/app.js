// dnslens dashboards: pages and panels come from /api/catalog; each panel's data from
// /api/panel/<id> for the chosen range and filters; clicking a bar or a table row drills down to
// the records behind it (/api/records). State lives in the URL hash, so a view can be shared.
'use strict';

const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const state = { page: 'overview', preset: 'all', from: '', to: '', account: '', vpc: '', instance: '', srcaddr: '' };
const FILTERS = ['account', 'vpc', 'instance', 'srcaddr'];
const DRILL_COLUMN = { domain: 'domain', name: 'name', source: 'source', finding: 'finding', country: 'country' };
let catalog = null;
let generation = 0;
window.dnslens = { panels: {}, errors: [] };

async function api(path) {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const res = await fetch(path, { headers });
  const body = await res.json().catch(() => ({ error: 'HTTP ' + res.status }));
  if (!res.ok) throw new Error(body.error || ('HTTP ' + res.status));
  return body;
}

const utcInput = (ms) => new Date(ms).toISOString().slice(0, 16);
const inputMs = (value) => (value ? Date.parse(value + ':00Z') : NaN);

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  for (const k of Object.keys(state)) if (h.has(k)) state[k] = h.get(k);
}
function writeHash() {
  const h = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v) h.set(k, v);
  history.replaceState(null, '', '#' + h.toString());
}

// The range as Unix ms: presets count back from the newest record, so a stored day stays viewable.
function range() {
  if (state.preset === 'custom' && state.from && state.to) return { from: inputMs(state.from), to: inputMs(state.to) };
  if (!catalog.range.max) return {};
  const to = catalog.range.max + 1000;
  if (state.preset === 'all') return { from: catalog.range.min, to };
  return { from: to - Number(state.preset) * 3600 * 1000, to };
}

function query(extra = {}) {
  const q = new URLSearchParams();
  const r = range();
  if (r.from !== undefined) { q.set('from', r.from); q.set('to', r.to); }
  for (const f of FILTERS) if (state[f]) q.set(f, state[f]);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function table(data, drill, onDrill) {
  const head = el('tr', {}, ...data.columns.map((c) => el('th', {}, c)));
  const col = drill ? data.columns.indexOf(DRILL_COLUMN[drill]) : -1;
  const rows = data.rows.map((row) => {
    const tr = el('tr', col >= 0 && row[col] !== null ? { class: 'drillable' } : {},
      ...row.map((v) => el('td', typeof v === 'number' ? { class: 'num' } : { title: v === null ? '' : String(v) },
        v === null ? '' : String(v))));
    if (col >= 0 && row[col] !== null) tr.addEventListener('click', () => onDrill(drill, row[col]));
    return tr;
  });
  return el('div', { class: 'tablewrap' }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
}

function stats(data) {
  const row = data.rows[0] || [];
  return el('div', { class: 'stats' }, ...data.columns.map((c, i) =>
    el('div', { class: 'stat' }, el('div', { class: 'value' }, row[i] === null || row[i] === undefined ? '–' : Number(row[i]).toLocaleString('en-US')),
      el('div', { class: 'label' }, c.replaceAll('_', ' ')))));
}

const axisStyle = { axisLine: { lineStyle: { color: '#2a3440' } }, axisLabel: { color: '#8b98a8' }, splitLine: { lineStyle: { color: '#222b35' } } };

function chartOption(kind, data) {
  const base = { animation: false, backgroundColor: 'transparent', textStyle: { color: '#dbe2ea' }, tooltip: { trigger: kind === 'pie' ? 'item' : 'axis' },
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true } };
  if (kind === 'bar') {
    const rows = data.rows.slice().reverse();
    return { ...base, xAxis: { type: 'value', ...axisStyle }, yAxis: { type: 'category', data: rows.map((r) => String(r[0])), ...axisStyle, axisLabel: { color: '#8b98a8', width: 220, overflow: 'truncate' } },
      series: [{ type: 'bar', name: data.columns[1], data: rows.map((r) => r[1]), itemStyle: { color: '#4aa3ff' } }] };
  }
  if (kind === 'pie') {
    return { ...base, legend: { bottom: 0, textStyle: { color: '#8b98a8' } },
      series: [{ type: 'pie', radius: ['35%', '65%'], data: data.rows.map((r) => ({ name: String(r[0]), value: r[1] })) }] };
  }
  if (kind === 'line') {  // long format: t, series, n
    const names = [...new Set(data.rows.map((r) => r[1]))];
    const series = names.map((name) => ({ type: 'line', name: String(name), showSymbol: false,
      data: data.rows.filter((r) => r[1] === name).map((r) => [r[0].replace(' ', 'T') + 'Z', r[2]]) }));
    return { ...base, legend: { type: 'scroll', top: 0, textStyle: { color: '#8b98a8' } }, xAxis: { type: 'time', ...axisStyle }, yAxis: { type: 'value', ...axisStyle }, series };
  }
  if (kind === 'outlier') {  // t, n, mean, upper, outlier
    const t = (r) => r[0].replace(' ', 'T') + 'Z';
    return { ...base, legend: { top: 0, textStyle: { color: '#8b98a8' } }, xAxis: { type: 'time', ...axisStyle }, yAxis: { type: 'value', ...axisStyle },
      series: [
        { type: 'line', name: 'count', showSymbol: false, data: data.rows.map((r) => [t(r), r[1]]) },
        { type: 'line', name: 'mean + 3σ', showSymbol: false, lineStyle: { type: 'dashed' }, data: data.rows.map((r) => [t(r), r[3]]) },
        { type: 'scatter', name: 'outlier', symbolSize: 9, itemStyle: { color: '#ff5d5d' }, data: data.rows.filter((r) => r[4]).map((r) => [t(r), r[1]]) },
      ] };
  }
  return base;
}

// Country shapes (dist/vendor/world.json, built from Natural Earth at setup), loaded once.
let worldMap = null;
function loadWorld() {
  if (!worldMap) {
    worldMap = fetch('vendor/world.json').then((r) => {
      if (!r.ok) throw new Error('world map: HTTP ' + r.status);
      return r.json();
    }).then((geo) => { echarts.registerMap('world', geo); return geo; });
  }
  return worldMap;
}

function decades(max) {
  const pieces = [];
  for (let lo = 1; lo <= max; lo *= 10) {
    const hi = lo * 10;
    pieces.push({ gte: lo, lt: hi, label: `${lo.toLocaleString('en-US')} – ${(hi - 1).toLocaleString('en-US')}` });
  }
  return pieces;
}

function mapOption(data, names) {
  const max = Math.max(1, ...data.rows.map((r) => r[1]));
  return { animation: false, backgroundColor: 'transparent', textStyle: { color: '#dbe2ea' },
    tooltip: { trigger: 'item', formatter: (p) => `${names[p.name] || p.name} (${p.name}): ${Number.isFinite(p.value) ? p.value.toLocaleString('en-US') : 0} ${data.columns[1]}` },
    // Decades, not a linear scale: one country (usually where the cloud is) has most answers.
    visualMap: { type: 'piecewise', left: 8, bottom: 8, textStyle: { color: '#8b98a8' }, pieces: decades(max),
      inRange: { color: ['#1d3a57', '#2f6fa8', '#4aa3ff', '#ffd166', '#ff9f43', '#ff5d5d'] }, outOfRange: { color: '#222b35' } },
    series: [{ type: 'map', map: 'world', name: data.columns[1], roam: true, zoom: 1.15, emphasis: { label: { show: false }, itemStyle: { areaColor: '#ffd166' } },
      itemStyle: { areaColor: '#222b35', borderColor: '#34404d', borderWidth: 0.5 },
      data: data.rows.map((r) => ({ name: r[0], value: r[1] })) }] };
}

async function renderMap(data, body, def) {
  const geo = await loadWorld();
  const div = el('div', { class: 'chart map' });
  const list = table({ columns: ['country', 'name', data.columns[1]], rows: data.rows.map((r) => [r[0], geo.names[r[0]] || '', r[1]]) },
    def.drill, drill);
  body.append(el('div', { class: 'maprow' }, div, list));
  const chart = echarts.init(div, null, { renderer: 'canvas' });
  chart.setOption(mapOption(data, geo.names));
  if (def.drill) chart.on('click', (p) => { if (Number.isFinite(p.value)) drill(def.drill, p.name); });
}

async function renderPanel(id, box, gen) {
  const def = catalog.panels[id];
  const body = box.querySelector('.body');
  const meta = box.querySelector('.meta');
  try {
    const data = await api('/api/panel/' + id + '?' + query());
    if (gen !== generation) return;
    body.replaceChildren();
    window.dnslens.panels[id] = { columns: data.columns, rows: data.rows, sql: data.sql, chart: def.chart };
    box.dataset.rows = data.rows.length;
    if (data.note) {
      body.append(el('div', { class: 'note' }, data.note));
    } else if (def.chart === 'stat') {
      body.append(stats(data));
    } else if (def.chart === 'table') {
      body.append(data.rows.length ? table(data, def.drill, drill) : el('div', { class: 'note' }, 'no rows'));
    } else if (!data.rows.length) {
      body.append(el('div', { class: 'note' }, 'no data in this range'));
    } else if (def.chart === 'map') {
      await renderMap(data, body, def);
    } else {
      const div = el('div', { class: 'chart' });
      body.append(div);
      const chart = echarts.init(div, null, { renderer: 'canvas' });
      chart.setOption(chartOption(def.chart, data));
      if (def.drill && def.chart === 'bar') chart.on('click', (p) => drill(def.drill, p.name));
    }
    const sql = el('pre', { class: 'sql', hidden: '' }, data.sql || '');
    meta.replaceChildren(el('span', {}, data.ms !== undefined ? `${data.rows.length} rows, ${data.ms} ms` : ''),
      el('a', { onclick: () => sql.toggleAttribute('hidden') }, 'SQL'));
    box.append(sql);
  } catch (e) {
    body.replaceChildren(el('div', { class: 'error' }, 'Error: ' + e.message));
    window.dnslens.errors.push(id + ': ' + e.message);
  }
}

async function drill(kind, value) {
  const dlg = document.getElementById('drill');
  const bodyEl = document.getElementById('drill-body');
  document.getElementById('drill-title').textContent = 'Loading…';
  bodyEl.replaceChildren();
  dlg.classList.remove('hidden');
  dlg.dataset.ready = '';
  try {
    const extra = { limit: 500 };
    extra[kind] = value;
    const data = await api('/api/records?' + query(extra));
    document.getElementById('drill-title').textContent = `${data.title || kind + ' ' + value}: ${data.total.toLocaleString('en-US')} records` +
      (data.total > data.rows.length ? ` (newest ${data.rows.length} shown)` : '');
    bodyEl.append(table(data, '', null));
    window.dnslens.drill = { kind, value, total: data.total, rows: data.rows, columns: data.columns, sql: data.sql };
  } catch (e) {
    document.getElementById('drill-title').textContent = 'Error: ' + e.message;
    window.dnslens.errors.push('drill: ' + e.message);
  }
  dlg.dataset.ready = '1';
}

async function renderPage() {
  const gen = ++generation;
  document.body.dataset.ready = '';
  window.dnslens.panels = {};
  writeHash();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === state.page);
  const page = catalog.pages.find((p) => p.id === state.page) || catalog.pages[0];
  const grid = document.getElementById('grid');
  grid.replaceChildren();
  const jobs = page.panels.map((id) => {
    const def = catalog.panels[id];
    const wide = ['table', 'line', 'outlier', 'map'].includes(def.chart);
    const box = el('section', { class: 'panel' + (wide ? ' wide' : ''), 'data-panel': id },
      el('h3', {}, def.title), el('div', { class: 'body' }, el('div', { class: 'note' }, 'Loading…')), el('div', { class: 'meta' }));
    grid.append(box);
    return renderPanel(id, box, gen);
  });
  const start = performance.now();
  await Promise.all(jobs);
  if (gen !== generation) return;
  document.getElementById('status').textContent = `${page.panels.length} panels in ${Math.round(performance.now() - start)} ms`;
  document.body.dataset.ready = page.id;
}

function syncControls() {
  document.getElementById('preset').value = state.preset;
  const r = range();
  document.getElementById('from').value = r.from !== undefined ? utcInput(r.from) : '';
  document.getElementById('to').value = r.to !== undefined ? utcInput(r.to) : '';
  for (const f of FILTERS) document.getElementById(f).value = state[f];
}

// What the geo data's licenses ask the pages to show, next to the charting and map credits.
function renderCredits() {
  const footer = document.getElementById('credits');
  const parts = [];
  for (const s of catalog.geo.sources) {
    const items = s.attribution.length ? s.attribution : [{ text: `${s.kind === 'asn' ? 'AS' : 'Country'} data: ${s.file} (${s.description})`, url: '' }];
    for (const a of items) parts.push(a.url ? el('a', { href: a.url, rel: 'noopener noreferrer', target: '_blank' }, a.text) : el('span', {}, a.text));
  }
  const seen = new Set();
  for (const p of parts) {
    if (seen.has(p.textContent)) continue;
    seen.add(p.textContent);
    footer.append(' · ', p);
  }
}

async function main() {
  readHash();
  catalog = await api('/api/catalog');
  renderCredits();
  const nav = document.getElementById('pages');
  for (const p of catalog.pages) {
    nav.append(el('a', { href: '#', 'data-page': p.id, onclick: (e) => { e.preventDefault(); state.page = p.id; renderPage(); } }, p.title));
  }
  for (const f of FILTERS) {
    const sel = document.getElementById(f);
    for (const v of catalog.filters[f]) sel.append(el('option', { value: v }, v));
  }
  syncControls();
  document.getElementById('preset').addEventListener('change', (e) => { state.preset = e.target.value; if (state.preset !== 'custom') syncControls(); });
  for (const id of ['from', 'to']) document.getElementById(id).addEventListener('change', () => { document.getElementById('preset').value = 'custom'; });
  document.getElementById('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    state.preset = document.getElementById('preset').value;
    if (state.preset === 'custom') { state.from = document.getElementById('from').value; state.to = document.getElementById('to').value; }
    for (const f of FILTERS) state[f] = document.getElementById(f).value;
    syncControls();
    renderPage();
  });
  document.getElementById('drill-close').addEventListener('click', () => document.getElementById('drill').classList.add('hidden'));
  window.addEventListener('hashchange', () => { readHash(); syncControls(); renderPage(); });
  window.addEventListener('resize', () => document.querySelectorAll('.chart').forEach((c) => echarts.getInstanceByDom(c)?.resize()));
  await renderPage();
}

main().catch((e) => { window.dnslens.errors.push(e.message); document.getElementById('grid').textContent = 'Error: ' + e.message; });
