// dnslens dashboards: pages and panels come from /api/catalog; each panel's data from
// /api/panel/<id> for the chosen range and filters; clicking a bar or a table row drills down to
// the records behind it (/api/records). State lives in the URL hash, so a view can be shared.
'use strict';

const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const DEFAULTS = { page: 'overview', preset: 'all', from: '', to: '', account: '', vpc: '', instance: '', srcaddr: '' };
const state = { ...DEFAULTS };
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
  for (const k of Object.keys(state)) state[k] = h.has(k) ? h.get(k) : DEFAULTS[k];
}
// A new view (page, range, filter) is a new history entry, so Back returns to the previous view.
// (A view reached by Back or Forward replaces its entry instead.)
function writeHash(push) {
  const h = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v) h.set(k, v);
  const hash = '#' + h.toString();
  if (location.hash === hash) return;
  if (push) history.pushState(null, '', hash); else history.replaceState(null, '', hash);
}

// The range as Unix ms. "Last hour" and the other presets count back from now, so a stall in ingest
// shows as an empty end of the charts (the status line says how old the newest record is); "All data"
// spans the stored records.
function range() {
  if (state.preset === 'custom' && state.from && state.to) return { from: inputMs(state.from), to: inputMs(state.to) };
  if (state.preset === 'all') return catalog.range.max ? { from: catalog.range.min, to: catalog.range.max + 1000 } : {};
  const to = Math.ceil(Date.now() / 60000) * 60000;
  return { from: to - Number(state.preset) * 3600 * 1000, to };
}

function newestRecordNote() {
  if (!catalog.range.max) return 'no records stored';
  const age = Date.now() - catalog.range.max;
  const ago = age < 120000 ? `${Math.max(0, Math.round(age / 1000))} s` : age < 7200000 ? `${Math.round(age / 60000)} min`
    : age < 172800000 ? `${Math.round(age / 3600000)} h` : `${Math.round(age / 86400000)} days`;
  return `newest record ${new Date(catalog.range.max).toISOString().slice(0, 19).replace('T', ' ')} UTC (${ago} ago)`;
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

// Columns whose values are colour-coded by meaning.
const MEANING_COLUMNS = new Set(['severity', 'confidence', 'action', 'firewall', 'logged', 'simulated']);

function table(data, drill, onDrill) {
  // A column of numbers is right-aligned, its header too.
  const numeric = data.columns.map((_, i) => typeof data.rows.find((r) => r[i] !== null)?.[i] === 'number');
  const head = el('tr', {}, ...data.columns.map((c, i) => el('th', numeric[i] ? { class: 'num' } : {}, c)));
  const col = drill ? data.columns.indexOf(DRILL_COLUMN[drill]) : -1;
  const rows = data.rows.map((row) => {
    const tr = el('tr', col >= 0 && row[col] !== null ? { class: 'drillable' } : {},
      ...row.map((v, i) => {
        const attrs = typeof v === 'number' ? { class: 'num' } : { title: v === null ? '' : String(v) };
        if (MEANING_COLUMNS.has(data.columns[i]) && v !== null && MEANING[v]) attrs.style = `color: ${MEANING[v]}`;
        return el('td', attrs, v === null ? '' : String(v));
      }));
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

// Colours by meaning, the same on every page and under every filter: severity and confidence levels,
// DNS Firewall actions; any other series (a VPC, an instance, a query type) gets the colour its name
// hashes to, so it keeps its colour when other series come and go.
const MEANING = { high: '#ff5d5d', medium: '#ff9f43', low: '#ffd166', informational: '#4aa3ff', unknown: '#8b98a8',
  BLOCK: '#ff5d5d', ALERT: '#ff9f43', ALLOW: '#3ccf91', NONE: '#8b98a8' };
// 20 colours for names without a meaning, none of them the severity or action colours (red, orange, yellow,
// green), so an instance or a query type never reads as blocked or high.
// Neighbours differ in hue, since a name whose slot is taken moves to the next one.
const PALETTE = ['#4aa3ff', '#e377c2', '#17becf', '#c9a27e', '#b48cff', '#9bd34a', '#f7b6d2', '#2f6fa8', '#dbe2ea', '#bcbd22',
  '#8c6bb1', '#7fd4ff', '#a6761d', '#9edae5', '#6a8caf', '#d4a5ff', '#b8e186', '#8dd3c7', '#c7c7ff', '#a1887f'];
const OTHER = '#8b98a8';
function slotOf(key) {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % PALETTE.length;
}
// The colour each name was first drawn in during this visit to the page: the same name keeps it on every
// page and under every filter.
const drawnIn = new Map();
// The colours of one chart's series: a meaning's own colour; else the name's colour from earlier charts,
// else the slot the name hashes to. When the colour is already used in this chart (by a name drawn before,
// which keeps it, or earlier in name order), the name takes the next free slot here only, so no two series
// of a chart look alike.
function seriesColors(names) {
  const colors = new Map();
  const taken = new Set();
  for (const n of names) {
    const key = String(n);
    if (MEANING[key]) { colors.set(key, MEANING[key]); taken.add(MEANING[key]); }
    if (key === '(other)') colors.set(key, OTHER);
  }
  // Names drawn before first, so a new name never takes an earlier one's colour from it.
  const rest = names.map(String).filter((k) => !colors.has(k)).sort();
  for (const key of [...rest.filter((k) => drawnIn.has(k)), ...rest.filter((k) => !drawnIn.has(k))]) {
    let slot = drawnIn.has(key) ? PALETTE.indexOf(drawnIn.get(key)) : slotOf(key);
    for (let i = 0; i < PALETTE.length && taken.has(PALETTE[slot]); i++) slot = (slot + 1) % PALETTE.length;
    colors.set(key, PALETTE[slot]);
    taken.add(PALETTE[slot]);
    if (!drawnIn.has(key)) drawnIn.set(key, PALETTE[slot]);
  }
  return colors;
}
// The panel's own colour, for single-series charts: blocked red, alerted orange, threat intel pink, the
// rest blue; the same for a panel's count and its outliers' count.
const panelColor = (id) => (id.includes('block') ? MEANING.BLOCK : id.includes('alert') ? MEANING.ALERT
  : id.startsWith('threat') || id.startsWith('ti_') ? '#f78fb3' : '#4aa3ff');
// Value axes count things: whole ticks, written short (1.5M) so they never run together.
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const countAxis = (extra = {}) => ({ type: 'value', minInterval: 1, ...axisStyle, axisLabel: { color: '#8b98a8', formatter: (v) => compact.format(v) }, ...extra });

// The time buckets of a series panel: DuckDB's time_bucket() counts buckets from 2000-01-03 UTC (for
// buckets under a month), so the same bucket starts are made here, from the range's first bucket to its
// end. Every series gets a value in every bucket: an hour without events is a 0, not a line drawn
// across it, and one event is a spike, not an undrawn point.
const BUCKET_ORIGIN = Date.UTC(2000, 0, 3);
// (A panel may have a row before the range: findings overlapping it are bucketed by first seen.)
const bucketStart = (t, step) => BUCKET_ORIGIN + Math.floor((t - BUCKET_ORIGIN) / step) * step;
function bucketStarts(data) {
  const step = data.bucket_seconds * 1000;
  const from = Math.min(Date.parse(data.from), ...data.rows.map((r) => rowTime(r[0])));
  const to = Date.parse(data.to);
  const out = [];
  for (let t = bucketStart(from, step); t < to && out.length < 10000; t += step) out.push(t);
  return out;
}
// The time axis: the range, widened to whole buckets so the first and any earlier bucket are drawn.
function timeAxis(data) {
  const step = data.bucket_seconds * 1000;
  const first = Math.min(Date.parse(data.from), ...data.rows.map((r) => rowTime(r[0])));
  // A day boundary is labelled with its date ("Dec 4"), not a bare day of the month.
  return { type: 'time', min: bucketStart(first, step), max: Date.parse(data.to), ...axisStyle,
    axisLabel: { color: '#8b98a8', hideOverlap: true, formatter: { year: '{yyyy}', month: '{MMM} {yyyy}', day: '{MMM} {d}', hour: '{HH}:{mm}', minute: '{HH}:{mm}' } } };
}
const rowTime = (text) => Date.parse(text.replace(' ', 'T') + 'Z');

const axisStyle = { axisLine: { lineStyle: { color: '#2a3440' } }, axisLabel: { color: '#8b98a8' }, splitLine: { lineStyle: { color: '#222b35' } } };

function chartOption(kind, data, id) {
  // useUTC: the axes and tooltips in UTC, as the tables and the time controls are.
  const base = { animation: false, useUTC: true, backgroundColor: 'transparent', textStyle: { color: '#dbe2ea' }, tooltip: { trigger: kind === 'pie' ? 'item' : 'axis' },
    grid: { left: 8, right: 28, top: 28, bottom: 8, containLabel: true } };
  if (kind === 'bar') {
    const rows = data.rows.slice().reverse();
    return { ...base, xAxis: countAxis(), yAxis: { type: 'category', data: rows.map((r) => String(r[0])), ...axisStyle, axisLabel: { color: '#8b98a8', width: 220, overflow: 'truncate' } },
      series: [{ type: 'bar', name: data.columns[1], data: rows.map((r) => r[1]), itemStyle: { color: panelColor(id) },
        barMinHeight: 2 }] };
  }
  if (kind === 'pie') {
    const colors = seriesColors(data.rows.map((r) => r[0]));
    return { ...base, legend: { bottom: 0, textStyle: { color: '#8b98a8' } },
      series: [{ type: 'pie', radius: ['35%', '65%'], minShowLabelAngle: 0, label: { color: '#dbe2ea', textBorderWidth: 0 },
        labelLayout: { hideOverlap: true }, data: data.rows.map((r) => ({ name: String(r[0]), value: r[1], itemStyle: { color: colors.get(String(r[0])) } })) }] };
  }
  const xAxis = kind === 'line' || kind === 'outlier' ? timeAxis(data) : null;
  if (kind === 'line') {  // long format: t, series, n
    // The biggest series first, so a paged legend starts with what dominates the chart.
    const totals = new Map();
    for (const r of data.rows) totals.set(r[1], (totals.get(r[1]) ?? 0) + r[2]);
    const names = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || String(a).localeCompare(String(b)));
    const colors = seriesColors(names);
    const starts = bucketStarts(data);
    const series = names.map((name) => {
      const counts = new Map(data.rows.filter((r) => r[1] === name).map((r) => [rowTime(r[0]), r[2]]));
      const points = starts.map((t) => [t, counts.get(t) ?? 0]);
      // A sparse series also gets its points drawn, so one event stands out.
      // A single series is the panel's own count: its colour, as its outlier panel draws it.
      const color = names.length === 1 && !MEANING[String(name)] ? panelColor(id) : colors.get(String(name));
      return { type: 'line', name: String(name), showSymbol: counts.size <= 12, symbolSize: (v) => (v[1] > 0 ? 6 : 0), color, data: points };
    });
    return { ...base, legend: { type: 'scroll', top: 0, textStyle: { color: '#8b98a8' } }, xAxis, yAxis: countAxis(), series };
  }
  if (kind === 'outlier') {  // t, n, mean, upper, outlier
    const t = (r) => r[0].replace(' ', 'T') + 'Z';
    return { ...base, legend: { top: 0, textStyle: { color: '#8b98a8' } }, xAxis, yAxis: countAxis(),
      series: [
        // The count in the panel's own colour (blocked red, alerted orange); outliers ringed in white so
        // they stand out on a red line too.
        { type: 'line', name: 'count', showSymbol: false, color: panelColor(id), data: data.rows.map((r) => [t(r), r[1]]) },
        { type: 'line', name: 'mean + 3σ', showSymbol: false, color: '#8b98a8', lineStyle: { type: 'dashed' }, data: data.rows.map((r) => [t(r), r[3]]) },
        { type: 'scatter', name: 'outlier', symbolSize: 10, itemStyle: { color: '#ff5d5d', borderColor: '#ffffff', borderWidth: 1.5 },
          data: data.rows.filter((r) => r[4]).map((r) => [t(r), r[1]]) },
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

// One colour per decade whatever the largest value, so 1,000 - 9,999 looks the same on every page: one hue
// from dark to light (not the severity colours: a busy country is not a bad one).
const DECADE_COLORS = ['#1d3a57', '#22507a', '#2f6fa8', '#4aa3ff', '#7cc0ff', '#b3dcff', '#e6f4ff'];
function decades(max) {
  const pieces = [];
  for (let lo = 1, i = 0; lo <= max; lo *= 10, i++) {
    const hi = lo * 10;
    pieces.push({ gte: lo, lt: hi, label: `${lo.toLocaleString('en-US')} – ${(hi - 1).toLocaleString('en-US')}`,
      color: DECADE_COLORS[Math.min(i, DECADE_COLORS.length - 1)] });
  }
  return pieces;
}

function mapOption(data, names) {
  const max = Math.max(1, ...data.rows.map((r) => r[1]));
  return { animation: false, backgroundColor: 'transparent', textStyle: { color: '#dbe2ea' },
    tooltip: { trigger: 'item', formatter: (p) => `${names[p.name] || p.name} (${p.name}): ${Number.isFinite(p.value) ? p.value.toLocaleString('en-US') : 0} ${data.columns[1]}` },
    // Decades, not a linear scale: one country (usually where the cloud is) has most answers.
    visualMap: { type: 'piecewise', left: 8, bottom: 8, textStyle: { color: '#8b98a8' }, pieces: decades(max), outOfRange: { color: '#222b35' } },
    series: [{ type: 'map', map: 'world', name: data.columns[1], roam: true, zoom: 1.15, emphasis: { label: { show: false }, itemStyle: { areaColor: '#00c2c7' } },
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
    window.dnslens.panels[id] = { columns: data.columns, rows: data.rows, sql: data.sql, chart: def.chart, from: data.from, to: data.to,
      bucket_seconds: data.bucket_seconds };
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
      chart.setOption(chartOption(def.chart, data, id));
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

// A finding, as it was reported: what it is, why, its measurements and the records it cites.
function findingCard(f) {
  const rows = [['type', f.type], ['severity', f.severity], ['confidence', f.confidence], ['score', f.score], ['source', f.source],
    ['domain', f.domain], ['first seen', f.first_seen], ['last seen', f.last_seen], ['events', f.events]].filter(([, v]) => v !== null && v !== undefined);
  const card = el('div', { class: 'finding', id: 'drill-finding' },
    el('p', { class: 'explanation' }, f.explanation || ''),
    el('table', {}, el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k),
      el('td', MEANING_COLUMNS.has(k) && MEANING[v] ? { style: `color: ${MEANING[v]}` } : {},
        typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)))))));
  if (f.metrics && typeof f.metrics === 'object') {
    card.append(el('h4', {}, 'Measurements'), el('pre', { class: 'metrics' }, JSON.stringify(f.metrics, null, 2)));
  }
  if (Array.isArray(f.evidence) && f.evidence.length) {
    const cols = ['query_timestamp', 'query_name', 'query_type', 'rcode', 'srcaddr', 'answers'];
    const ev = { columns: cols, rows: f.evidence.map((r) => cols.map((c) => (c === 'answers' ? (Array.isArray(r.answers) ? r.answers : []).map((a) => a?.Rdata ?? a?.rdata ?? '').join(' ')
      : (r[c] ?? null)))) };
    card.append(el('h4', {}, `Evidence (${f.evidence.length} records the finding cites)`), table(ev, '', null));
  }
  card.append(el('h4', {}, 'Records of the finding\'s source and time, the most relevant first'));
  return card;
}

// RFC 4180 CSV. Query names and answers are attacker-controlled: a text cell that a spreadsheet would
// run as a formula (=, +, -, @, tab, carriage return first) gets a leading apostrophe.
function toCsv(columns, rows) {
  const cell = (v) => {
    if (v === null || v === undefined) return '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\n\r]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
  };
  return [columns, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

let drillCsvUrl = null;  // the drill-down's CSV download, released when the drill-down closes or changes
function closeDrill() {
  document.getElementById('drill').classList.add('hidden');
  if (drillCsvUrl) { URL.revokeObjectURL(drillCsvUrl); drillCsvUrl = null; }
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
      (data.total > data.rows.length ? ` (${data.rows.length} shown)` : '');
    if (data.finding) bodyEl.append(findingCard(data.finding));
    const csv = new Blob([toCsv(data.columns, data.rows)], { type: 'text/csv' });
    if (drillCsvUrl) URL.revokeObjectURL(drillCsvUrl);
    drillCsvUrl = URL.createObjectURL(csv);
    bodyEl.append(el('div', { class: 'drill-tools' },
      el('a', { href: drillCsvUrl, download: `dnslens-${kind}-${String(value).replace(/[^\w.-]+/g, '_')}.csv`, id: 'drill-csv' },
        `Download these ${data.rows.length} records (CSV)`)));
    bodyEl.append(table(data, '', null));
    window.dnslens.drill = { kind, value, total: data.total, rows: data.rows, columns: data.columns, sql: data.sql, finding: data.finding };
  } catch (e) {
    document.getElementById('drill-title').textContent = 'Error: ' + e.message;
    window.dnslens.errors.push('drill: ' + e.message);
  }
  dlg.dataset.ready = '1';
}

async function renderPage(push = true) {
  const gen = ++generation;
  document.body.dataset.ready = '';
  window.dnslens.panels = {};
  writeHash(push);
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
  document.getElementById('status').textContent = `${page.panels.length} panels in ${Math.round(performance.now() - start)} ms; ${newestRecordNote()}`;
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
  // A preset applies at once; Custom waits for From/To and Apply.
  document.getElementById('preset').addEventListener('change', (e) => {
    if (e.target.value !== 'custom') document.getElementById('controls').requestSubmit();
  });
  for (const id of ['from', 'to']) document.getElementById(id).addEventListener('change', () => { document.getElementById('preset').value = 'custom'; });
  document.getElementById('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    state.preset = document.getElementById('preset').value;
    if (state.preset === 'custom') { state.from = document.getElementById('from').value; state.to = document.getElementById('to').value; }
    for (const f of FILTERS) state[f] = document.getElementById(f).value;
    syncControls();
    renderPage();
  });
  document.getElementById('drill-close').addEventListener('click', closeDrill);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeDrill(); });
  document.getElementById('drill').addEventListener('click', (e) => { if (e.target.id === 'drill') closeDrill(); });
  window.addEventListener('popstate', () => { readHash(); syncControls(); renderPage(false); });
  window.addEventListener('resize', () => document.querySelectorAll('.chart').forEach((c) => echarts.getInstanceByDom(c)?.resize()));
  await renderPage(false);
}

main().catch((e) => { window.dnslens.errors.push(e.message); document.getElementById('grid').textContent = 'Error: ' + e.message; });
