// Browser test of the dashboards: a real `dnslens serve --read-only` over a demo store, driven in
// Debian's Chromium by playwright-core. Every page loads with no console error; every panel shows
// exactly what `dnslens sql` returns for the panel's SQL (read from the rendered ECharts option or
// the DOM, not from the API response); a few panels are also checked against SQL written here;
// drill-down from a bar and from a findings row opens the records behind them; a filter narrows
// the numbers. Screenshots of each page go to the artifacts directory.
// Usage: node dashboards.mjs <dnslens binary> <artifacts dir>
import { chromium } from 'playwright-core';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [binary, artifacts] = process.argv.slice(2);
if (!binary || !artifacts) throw new Error('usage: node dashboards.mjs <dnslens binary> <artifacts dir>');
fs.mkdirSync(artifacts, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dnslens-browser-'));
const db = path.join(work, 'dnslens.duckdb');
let failures = 0;
const check = (ok, what) => { if (!ok) { failures++; console.error('FAIL ' + what); } };
const sql = (q) => execFileSync(binary, ['sql', '--db', db, '--format', 'json', q], { encoding: 'utf8' })
  .split('\n').filter(Boolean).map((l) => JSON.parse(l));
const rowsOf = (objs) => objs.map((o) => Object.values(o));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

execFileSync(binary, ['demo', '--dir', work, '--records', '60000', '--seed', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
// Threat-intel hits on answer addresses (the demo feed names only domains): an IPv4 address, an IPv6
// address and an IPv4 range, each reached under a name no feed knows, stored beside the demo day.
const day = sql('SELECT strftime(min(query_ts), \'%Y-%m-%d\') AS d FROM route53query')[0].d;
const ipRecord = (time, name, type, rdata, i) => JSON.stringify({ version: '1.100000', account_id: '111122223333', region: 'us-east-1',
  vpc_id: 'vpc-0ip0test0000000001', query_timestamp: `${day}T${time}Z`, query_name: name, query_type: type, query_class: 'IN',
  rcode: 'NOERROR', answers: [{ Rdata: rdata, Type: type, Class: 'IN' }], srcaddr: '10.9.9.' + (10 + i), srcport: String(40000 + i),
  transport: 'UDP', srcids: { instance: 'i-0ipintel000000001' } });
const IP_HITS = { '203.0.113.7': 3, '2001:db8::bad': 2, '198.51.100.23': 2 };
const ipLines = [];
let n = 0;
for (const [ip, count] of Object.entries(IP_HITS)) {
  for (let i = 0; i < count; i++, n++) {
    ipLines.push(ipRecord(`06:${String(10 + n).padStart(2, '0')}:00`, `files-${n}.quiet-mirror.example.`, ip.includes(':') ? 'AAAA' : 'A', ip, n));
  }
}
fs.writeFileSync(path.join(work, 'ip-hits.jsonl'), ipLines.join('\n') + '\n');
fs.writeFileSync(path.join(work, 'ip-feed.csv'), 'indicator,type,confidence,actor,threat,source\n' +
  '203.0.113.7,ipv4,90,Crimson Kite,command-and-control,browser test\n2001:db8::bad,ipv6,80,,malware-delivery,browser test\n' +
  '198.51.100.0/24,ipv4-cidr,70,,suspicious-hosting,browser test\n');
execFileSync(binary, ['run', path.join(work, 'ip-hits.jsonl'), '-o', 'none', '--store', db, '--intel', 'ipfeed=' + path.join(work, 'ip-feed.csv'), '-q', '--no-detect'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
const portFile = path.join(work, 'port');
const server = spawn(binary, ['serve', '--db', db, '--read-only', '--listen', '127.0.0.1:0', '--port-file', portFile],
  { stdio: ['ignore', 'ignore', 'inherit'] });
let browser;
try {
  let port = 0;
  for (let i = 0; i < 200 && !port; i++) {
    await new Promise((r) => setTimeout(r, 50));
    if (fs.existsSync(portFile)) port = Number(fs.readFileSync(portFile, 'utf8').trim());
  }
  if (!port) throw new Error('dnslens serve did not start');
  const base = `http://127.0.0.1:${port}/`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const consoleErrors = [];
  const offsite = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('request', (r) => { if (!r.url().startsWith(base)) offsite.push(r.url()); });

  const catalog = await (await fetch(base + 'api/catalog')).json();
  let slowest = { ms: 0, id: '' };
  // Colours by meaning, on every page: severity and DNS Firewall actions have theirs wherever they are
  // drawn or listed, a blocked-only panel is red and an alerted-only one orange; no two series of a chart
  // share a colour, and a panel on two pages draws each name in the same colour on both.
  const MEANS = { high: '#ff5d5d', medium: '#ff9f43', low: '#ffd166', BLOCK: '#ff5d5d', ALERT: '#ff9f43', ALLOW: '#3ccf91' };
  const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
  const colorsOfPanel = new Map();
  let meaningful = 0;
  const checkColors = (pageId, id, kind, shown) => {
    const where = `${pageId}/${id}`;
    for (const [name, color] of kind === 'map' ? [] : shown.colors ?? []) {  // a map is shaded by value
      check(typeof color === 'string', `${where}: ${name} has a colour of its own`);
      if (kind === 'bar' || (kind === 'outlier' && name === 'count')) {
        const own = id.includes('block') ? MEANS.BLOCK : id.includes('alert') ? MEANS.ALERT : null;
        if (own) { meaningful++; check(color === own, `${where}: drawn ${color}, its action's colour is ${own}`); }
      } else if ((kind === 'line' || kind === 'pie') && MEANS[name]) {
        meaningful++;
        check(color === MEANS[name], `${where}: ${name} drawn ${color}, expected ${MEANS[name]}`);
      }
    }
    if (kind === 'line' || kind === 'pie') {
      const drawn = (shown.colors ?? []).map(([, c]) => c);
      check(new Set(drawn).size === drawn.length, `${where}: two series share a colour: ${JSON.stringify(shown.colors)}`);
      const key = JSON.stringify(shown.colors);
      if (!colorsOfPanel.has(id)) colorsOfPanel.set(id, { key, where });
      check(colorsOfPanel.get(id).key === key, `${where}: colours differ from ${colorsOfPanel.get(id).where}`);
    }
    for (const [column, text, color] of shown.tinted ?? []) {
      if (['severity', 'action', 'firewall'].includes(column) && MEANS[text]) {
        meaningful++;
        check(color === rgb(MEANS[text]), `${where}: ${column} ${text} shown in ${color}`);
      }
    }
  };
  for (const p of catalog.pages) {
    await page.goto(base + '#page=' + p.id);
    await page.waitForSelector(`body[data-ready="${p.id}"]`, { timeout: 60000 });
    const state = await page.evaluate(() => ({ errors: window.dnslens.errors, panels: window.dnslens.panels }));
    check(state.errors.length === 0, `${p.id}: panel errors ${state.errors}`);
    for (const id of p.panels) {
      const kind = catalog.panels[id].chart;
      const panel = state.panels[id];
      check(panel !== undefined, `${p.id}/${id}: not rendered`);
      if (!panel) continue;
      const expected = rowsOf(sql(panel.sql));
      check(same(panel.rows, expected), `${p.id}/${id}: API rows differ from dnslens sql`);
      // What is on screen, read back from the chart or the DOM.
      const shown = await page.evaluate(({ id, kind }) => {
        const box = document.querySelector(`[data-panel="${id}"]`);
        const div = box.querySelector('.chart');
        if (div) {
          const o = echarts.getInstanceByDom(div).getOption();
          const cells = [...box.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent));
          const shapes = kind === 'map' ? echarts.getMap('world').geoJSON.features.map((f) => f.properties.name) : [];
          // Each drawn item's name and colour: a pie's slices, a line or bar series.
          const colors = o.series.flatMap((s) => (s.type === 'pie' ? s.data.map((d) => [String(d.name), d.itemStyle?.color])
            : [[String(s.name), s.itemStyle?.color ?? s.color ?? s.lineStyle?.color]]));
          return { series: o.series.map((s) => ({ name: s.name, data: s.data })), categories: o.yAxis?.[0]?.data ?? null, cells, shapes, colors };
        }
        if (kind === 'stat') return { stats: [...box.querySelectorAll('.stat .value')].map((v) => v.textContent) };
        // Table cells coloured by meaning: [column, text, colour].
        const heads = [...box.querySelectorAll('thead th')].map((th) => th.textContent);
        const tinted = [...box.querySelectorAll('tbody tr')].flatMap((tr) => [...tr.children].map((td, i) => [heads[i], td.textContent, td.style.color]));
        return { cells: [...box.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)), tinted };
      }, { id, kind });
      checkColors(p.id, id, kind, shown);
      if (kind === 'bar' && expected.length) {
        check(same(shown.categories, expected.map((r) => String(r[0])).reverse()), `${p.id}/${id}: bar categories`);
        check(same(shown.series[0].data, expected.map((r) => r[1]).reverse()), `${p.id}/${id}: bar values`);
      } else if (kind === 'pie' && expected.length) {
        check(same(shown.series[0].data.map((d) => [d.name, d.value]), expected.map((r) => [String(r[0]), r[1]])), `${p.id}/${id}: pie`);
      } else if (kind === 'line' && expected.length) {
        const total = shown.series.reduce((s, x) => s + x.data.reduce((a, d) => a + d[1], 0), 0);
        check(total === expected.reduce((s, r) => s + r[2], 0), `${p.id}/${id}: line total`);
        check(shown.series.length === new Set(expected.map((r) => r[1])).size, `${p.id}/${id}: line series`);
      } else if (kind === 'outlier' && expected.length) {
        check(same(shown.series[0].data.map((d) => d[1]), expected.map((r) => r[1])), `${p.id}/${id}: outlier counts`);
        check(shown.series[2].data.length === expected.filter((r) => r[4]).length, `${p.id}/${id}: outlier points`);
      } else if (kind === 'map' && expected.length) {
        // ECharts adds an item without a value for every shape the data does not name.
        const valued = shown.series[0].data.filter((d) => d.value !== undefined).map((d) => [d.name, d.value]);
        check(same(valued, expected.map((r) => [String(r[0]), r[1]])), `${p.id}/${id}: map values`);
        check(same(shown.cells.map((c) => [c[0], Number(c[2])]), expected.map((r) => [r[0], r[1]])), `${p.id}/${id}: country list`);
        const unshaped = expected.filter((r) => !shown.shapes.includes(r[0])).map((r) => r[0]);
        check(unshaped.length <= 2, `${p.id}/${id}: countries without a shape on the map: ${unshaped}`);
      } else if (kind === 'stat') {
        check(same(shown.stats, expected[0].map((v) => (v === null ? '–' : Number(v).toLocaleString('en-US')))), `${p.id}/${id}: stat values`);
      } else if (kind === 'table' && expected.length) {
        check(shown.cells.length === expected.length, `${p.id}/${id}: table rows ${shown.cells.length} vs ${expected.length}`);
        check(same(shown.cells[0], expected[0].map((v) => (v === null ? '' : String(v)))), `${p.id}/${id}: first table row`);
      }
    }
    const times = await page.evaluate(() => [...document.querySelectorAll('.panel')].map((b) => [b.dataset.panel, b.querySelector('.meta span')?.textContent ?? '']));
    for (const [id, text] of times) {
      const m = /([\d.]+) ms/.exec(text);
      if (m && Number(m[1]) > slowest.ms) slowest = { ms: Number(m[1]), id };
    }
    await page.screenshot({ path: path.join(artifacts, `${p.id}.png`), fullPage: true });
  }

  check(meaningful >= 20, `colours by meaning checked on ${meaningful} items only`);
  // Independent SQL for the headline numbers.
  await page.goto(base + '#page=overview');
  await page.reload();
  await page.waitForSelector('body[data-ready="overview"]');
  const summary = await page.evaluate(() => window.dnslens.panels.summary.rows[0]);
  check(summary[0] === sql('SELECT count(*) AS n FROM route53query')[0].n, 'summary: queries = count(*)');
  check(summary[4] === sql('SELECT count(*) AS n FROM route53query WHERE threat_indicator IS NOT NULL')[0].n, 'summary: threat hits');

  // Drill-down from the first bar of "Top 10 queried domains".
  const top = sql("SELECT coalesce(registered_domain, query_name_normalized) AS d, count(*) AS n FROM route53query GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")[0];
  const point = await page.evaluate(() => {
    const div = document.querySelector('[data-panel="top_domains"] .chart');
    const chart = echarts.getInstanceByDom(div);
    const o = chart.getOption();
    const last = o.yAxis[0].data.length - 1;  // the biggest bar is drawn at the top
    const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [o.series[0].data[last] / 2, last]);
    const r = div.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y };
  });
  await page.mouse.click(point.x, point.y);
  await page.waitForSelector('#drill[data-ready="1"]:not(.hidden)');
  const drilled = await page.evaluate(() => window.dnslens.drill);
  check(drilled.kind === 'domain' && drilled.value === top.d, `drill: clicked ${drilled.kind}=${drilled.value}, expected ${top.d}`);
  check(drilled.total === top.n, `drill: ${drilled.total} records, SQL says ${top.n}`);
  await page.screenshot({ path: path.join(artifacts, 'drill-domain.png') });
  await page.click('#drill-close');

  // The world map: there is one, it has data, and clicking the United States drills to the records
  // with an IPv4 answer there.
  const usRecords = sql("SELECT count(*) AS n FROM route53query WHERE len(list_filter(answers, lambda a: a.Type = 'A' AND dnslens_country(a.Rdata) = 'US')) > 0")[0].n;
  const usAnswers = sql("SELECT count(*) AS n FROM (SELECT unnest(answers) AS a FROM route53query WHERE query_type = 'A') WHERE a.Type = 'A' AND dnslens_country(a.Rdata) = 'US'")[0].n;
  check(usRecords > 0, 'the demo has answers in the US');
  const geoPanel = await page.evaluate(() => window.dnslens.panels.geo.rows);
  check(same(geoPanel.find((r) => r[0] === 'US'), ['US', usAnswers]), `geo: US answers ${JSON.stringify(geoPanel[0])}, SQL says ${usAnswers}`);
  const usPoint = await page.evaluate(() => {
    const div = document.querySelector('[data-panel="geo"] .chart');
    const chart = echarts.getInstanceByDom(div);
    const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [-98.5, 39.5]);  // Kansas
    const r = div.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y };
  });
  await page.mouse.click(usPoint.x, usPoint.y);
  await page.waitForSelector('#drill[data-ready="1"]:not(.hidden)');
  const usDrill = await page.evaluate(() => window.dnslens.drill);
  check(usDrill.kind === 'country' && usDrill.value === 'US', `map drill: clicked ${usDrill.kind}=${usDrill.value}, expected country=US`);
  check(usDrill.total === usRecords, `map drill: ${usDrill.total} records, SQL says ${usRecords}`);
  await page.screenshot({ path: path.join(artifacts, 'drill-country.png') });
  await page.click('#drill-close');
  // The geo data's licenses: every attribution is on the page, with DB-IP's link.
  const credits = await page.evaluate(() => [...document.querySelectorAll('#credits > *')].map((a) => [a.textContent, a.getAttribute('href')]));
  for (const s of catalog.geo.sources) {
    for (const a of s.attribution) check(credits.some(([t, h]) => t === a.text && (h ?? '') === a.url), `credits: "${a.text}" is shown`);
  }
  check(credits.some(([, h]) => h === 'https://db-ip.com'), 'credits: the link to DB-IP');

  // Drill-down from the first finding.
  await page.goto(base + '#page=findings');
  await page.reload();
  await page.waitForSelector('body[data-ready="findings"]');
  await page.click('[data-panel="fi_table"] tbody tr.drillable');
  await page.waitForSelector('#drill[data-ready="1"]:not(.hidden)');
  const fd = await page.evaluate(() => window.dnslens.drill);
  const finding = sql(`SELECT source FROM findings WHERE rowid = ${fd.value}`)[0];
  check(fd.kind === 'finding' && fd.total > 0, `finding drill: ${fd.total} records`);
  const srcCol = fd.columns.indexOf('source');
  check(finding.source === null || fd.rows.every((r) => r[srcCol] === finding.source), 'finding drill: records are the finding source\'s');
  await page.screenshot({ path: path.join(artifacts, 'drill-finding.png') });

  // A filter narrows every number: pick the busiest instance.
  const busiest = sql("SELECT srcids.instance AS i, count(*) AS n FROM route53query WHERE srcids.instance IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")[0];
  await page.goto(base + '#page=overview');
  await page.reload();
  await page.waitForSelector('body[data-ready="overview"]');
  const typeColors = () => page.evaluate(() => Object.fromEntries(echarts.getInstanceByDom(
    document.querySelector('[data-panel="type_time"] .chart')).getOption().series.map((x) => [x.name, x.color])));
  const unfiltered = await typeColors();
  await page.selectOption('#instance', busiest.i);
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.click('#controls button[type=submit]');
  await page.waitForSelector('body[data-ready="overview"]');
  const filtered = await page.evaluate(() => window.dnslens.panels.summary.rows[0][0]);
  check(filtered === busiest.n, `instance filter: ${filtered} queries, SQL says ${busiest.n}`);
  // Under the filter, each query type keeps its colour.
  const narrowed = await typeColors();
  check(Object.keys(narrowed).length > 1 && Object.entries(narrowed).every(([t, c]) => unfiltered[t] === c),
    `query-type colours under a filter ${JSON.stringify(narrowed)} vs ${JSON.stringify(unfiltered)}`);
  check(page.url().includes('instance=' + busiest.i), 'the filter is in the URL');


  // --- What an analyst must be able to trust (each of these failed before the panels were fixed) ---
  const panelOf = async (pageId, id, hash = '') => {
    await page.goto(base + `#page=${pageId}${hash}`);
    await page.reload();
    await page.waitForSelector(`body[data-ready="${pageId}"]`, { timeout: 60000 });
    return page.evaluate((id) => window.dnslens.panels[id], id);
  };
  // Malicious IPs: IPv4, IPv6 and range indicators all show there, none under domains.
  const ips = await panelOf('threat', 'ti_ips');
  check(same(ips.rows.map((r) => r[0]).sort(), Object.keys(IP_HITS).sort()), `Malicious IPs: ${JSON.stringify(ips.rows.map((r) => r[0]))}`);
  check(ips.rows.every((r) => r[6] === IP_HITS[r[0]]), 'Malicious IPs: hits per address');
  const domainsPanel = await page.evaluate(() => window.dnslens.panels.ti_domains);
  check(!domainsPanel.rows.some((r) => Object.keys(IP_HITS).includes(r[0])), 'Malicious domains: no address among them');
  // Top queried domains count a name that is itself a public suffix (s3.amazonaws.com) as its own domain.
  const topPanel = await panelOf('overview', 'top_domains');
  const topSql = sql('SELECT coalesce(registered_domain, query_name_normalized) AS d, count(*) AS n FROM route53query GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1')[0];
  check(same(topPanel.rows[0], [topSql.d, topSql.n]), `Top domains: first is ${JSON.stringify(topPanel.rows[0])}, SQL says ${topSql.d} ${topSql.n}`);
  check(topPanel.rows.some((r) => r[0] === 's3.amazonaws.com'), 'Top domains: s3.amazonaws.com is there');
  // Alerted and blocked apart: each panel counts its own action only, and blocks are drawn.
  const ov = await page.evaluate(() => window.dnslens.panels);
  const actionCount = (a) => sql(`SELECT count(*) AS n FROM route53query WHERE firewall_rule_action = '${a}'`)[0].n;
  const blocks = actionCount('BLOCK');
  check(blocks > 0 && blocks < 50, `the demo has a few blocked queries (${blocks})`);
  check(ov.fw_block_top_domains.rows.reduce((a, r) => a + r[1], 0) === blocks, 'Top blocked domains: the blocked queries only');
  check(ov.fw_alert_top_domains.rows.reduce((a, r) => a + r[1], 0) <= actionCount('ALERT'), 'Top alerted domains: alerts only');
  check(ov.fw_block_source_time.rows.reduce((a, r) => a + r[2], 0) === blocks, 'Blocked by instance over time: every block');
  check(ov.fw_block_outlier.rows.reduce((a, r) => a + r[1], 0) === blocks, 'Anomalies within blocked: every block counted');
  // Top entropy: one row per domain, and an exfiltration's example scored on the label that varies (the
  // stored dga_score scores its registered label, near 0 for a tunnel's domain).
  const entropyDomains = ov.entropy.rows.map((r) => r[0]);
  check(new Set(entropyDomains).size === entropyDomains.length, 'Top entropy: one row per domain');
  const exfil = sql("SELECT domain FROM findings WHERE finding_type = 'DNSDataExfiltration' AND domain IS NOT NULL LIMIT 1")[0];
  check(exfil !== undefined, 'the test day has an exfiltration finding');
  if (exfil) {
    const row = ov.entropy.rows.find((r) => r[0] === exfil.domain);
    const score = row && row[ov.entropy.columns.indexOf('example_dga_score')];
    const stored = sql(`SELECT max(dga_score) AS s FROM route53query WHERE registered_domain = '${exfil.domain}'`)[0].s;
    check(score >= 0.75 && stored < 0.5, `Top entropy: ${exfil.domain}'s example scores ${score} on its varying label (registered label ${stored})`);
  }
  // Time series: a value in every bucket of the range (zero-filled), the axis pinned to the range, and a
  // series with a single event drawn.
  const lineCheck = await page.evaluate(() => {
    const out = [];
    for (const box of document.querySelectorAll('[data-panel]')) {
      const id = box.dataset.panel;
      const p = window.dnslens.panels[id];
      const div = box.querySelector('.chart');
      if (!p || !div || (p.chart !== 'line' && p.chart !== 'outlier')) continue;
      const o = echarts.getInstanceByDom(div).getOption();
      const earliest = Math.min(Date.parse(p.from), ...p.rows.map((r) => Date.parse(r[0].replace(' ', 'T') + 'Z')));
      out.push({ id, chart: p.chart, from: p.from, to: p.to, bucket: p.bucket_seconds, min: o.xAxis[0].min, max: o.xAxis[0].max, earliest,
        lengths: o.series.filter((x) => x.type === 'line').map((x) => x.data.length), symbols: o.series.map((x) => x.showSymbol) });
    }
    return out;
  });
  check(lineCheck.length >= 6, `time series on the overview: ${lineCheck.length}`);
  for (const c of lineCheck) {
    const buckets = Math.ceil((Date.parse(c.to) - c.min) / 1000 / c.bucket);
    check(c.min <= c.earliest && c.earliest - c.min < c.bucket * 1000 && c.max === Date.parse(c.to),
      `${c.id}: time axis pinned to the range (from its first whole bucket)`);
    if (c.chart === 'line') check(c.lengths.every((l) => Math.abs(l - buckets) <= 1), `${c.id}: a value in every bucket (${c.lengths} vs ${buckets})`);
  }
  const fiTime = await panelOf('findings', 'fi_time');
  const fiSeries = await page.evaluate(() => echarts.getInstanceByDom(document.querySelector('[data-panel="fi_time"] .chart')).getOption().series
    .map((x) => ({ name: x.name, events: x.data.filter((d) => d[1] > 0).length, symbols: x.showSymbol })));
  const singles = sql("SELECT finding_type AS t FROM findings GROUP BY 1 HAVING count(*) = 1 ORDER BY 1").map((r) => r.t);
  check(singles.length > 0, 'the demo has a finding type with one finding');
  for (const t of singles) {
    const series = fiSeries.find((x) => x.name === t);
    check(series && series.events === 1 && series.symbols, `Findings over time: the single ${t} is drawn`);
  }
  check(fiTime.rows.length > 0, 'Findings over time has rows');
  // Colours follow meaning: severity red/orange/yellow whatever the order of the slices.
  const sevColors = await page.evaluate(() => echarts.getInstanceByDom(document.querySelector('[data-panel="fi_by_severity"] .chart'))
    .getOption().series[0].data.map((d) => [d.name, d.itemStyle.color]));
  const SEV = { high: '#ff5d5d', medium: '#ff9f43', low: '#ffd166' };
  check(sevColors.length > 0 && sevColors.every(([name, color]) => SEV[name] === color), `severity colours: ${JSON.stringify(sevColors)}`);
  // Incidents: findings of one source that overlap in time are one row, with every finding once.
  const incidents = await page.evaluate(() => window.dnslens.panels.fi_incidents);
  const allFindings = sql('SELECT count(*) AS n FROM findings')[0].n;
  check(incidents.rows.reduce((a, r) => a + r[2], 0) === allFindings, 'Incidents: every finding in one incident');
  check(incidents.rows.some((r) => r[2] > 1), 'Incidents: related findings grouped');
  for (const r of incidents.rows) {
    const ids = r[7].split(' ').map(Number);
    const sources = sql(`SELECT DISTINCT source FROM findings WHERE rowid IN (${ids.join(',')})`);
    check(sources.length === 1 && sources[0].source === r[0], `Incident of ${r[0]}: its findings are its source's`);
  }
  // A finding opens on its evidence: the DGA finding's own card and the DGA names first; Escape closes.
  const dga = sql("SELECT rowid AS id, json_array_length(evidence) AS n FROM findings WHERE finding_type = 'DGADomainRequest' LIMIT 1")[0];
  const dgaRow = await page.evaluate((id) => window.dnslens.panels.fi_table.rows.findIndex((r) => r[0] === id), dga.id);
  check(dgaRow >= 0, 'the DGA finding is in the findings table');
  await page.locator('[data-panel="fi_table"] tbody tr.drillable').nth(dgaRow).click();
  await page.waitForSelector('#drill[data-ready="1"]:not(.hidden)');
  const dd = await page.evaluate(() => ({ ...window.dnslens.drill, card: !!document.querySelector('#drill-finding'),
    evidenceRows: document.querySelectorAll('#drill-finding .tablewrap tbody tr').length, csv: document.querySelector('#drill-csv')?.getAttribute('download') }));
  check(dd.kind === 'finding' && dd.value === dga.id && dd.card, 'DGA finding: its card is shown');
  check(dd.evidenceRows === dga.n, `DGA finding: ${dd.evidenceRows} evidence rows shown, ${dga.n} stored`);
  const scoreCol = dd.columns.indexOf('dga_score');
  const dgaNames = JSON.parse(sql(`SELECT metrics FROM findings WHERE rowid = ${dga.id}`)[0].metrics).distinct_domains;
  check(dd.rows.slice(0, Math.min(dgaNames, 50)).every((r) => r[scoreCol] >= 0.75), 'DGA finding: the machine-looking names come first');
  check(dd.columns.includes('answers'), 'drill: the answers are shown');
  check(typeof dd.csv === 'string' && dd.csv.endsWith('.csv'), 'drill: the records can be downloaded');
  await page.screenshot({ path: path.join(artifacts, 'drill-dga-finding.png') });
  await page.keyboard.press('Escape');
  check(await page.evaluate(() => document.getElementById('drill').classList.contains('hidden')), 'Escape closes the drill-down');
  // Outliers: the first bucket of a range is compared with the hours before it, and the store's very
  // first buckets (no history) are never outliers.
  const allOutlier = await panelOf('overview', 'threat_outlier');
  check(allOutlier.rows.length > 3 && allOutlier.rows.slice(0, 3).every((r) => r[4] === false), 'outliers: the first buckets of the store are not outliers');
  const mid = `${day}T06:00`, midEnd = `${day}T11:00`;
  const midOutlier = await panelOf('overview', 'threat_outlier', `&preset=custom&from=${mid}&to=${midEnd}`);
  check(midOutlier.rows[0][2] > 0 && midOutlier.rows[0][4] === false, `outliers: a range starting mid-day has a history (first row ${JSON.stringify(midOutlier.rows[0])})`);
  // Time controls: a preset applies at once and counts back from now; Back returns to the last view.
  await page.goto(base + '#page=overview');
  await page.reload();
  await page.waitForSelector('body[data-ready="overview"]');
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.selectOption('#preset', '24');
  await page.waitForSelector('body[data-ready="overview"]');
  const presetRange = await page.evaluate(() => window.dnslens.panels.type_time);
  check(Math.abs(Date.parse(presetRange.to) - Date.now()) < 120000, `Last 24 hours ends now (${presetRange.to})`);
  check(page.url().includes('preset=24'), 'the preset is in the URL');
  check((await page.textContent('#status')).includes('newest record'), 'the status line says how old the newest record is');
  await page.click('nav a[data-page="findings"]');
  await page.waitForSelector('body[data-ready="findings"]');
  await page.goBack();
  await page.waitForSelector('body[data-ready="overview"]');
  check(page.url().includes('page=overview') && page.url().includes('preset=24'), `Back returns to the previous view (${page.url()})`);
  check(await page.evaluate(() => document.getElementById('preset').value) === '24', 'Back restores the controls');

  // Static files: compressed at build time, cacheable, revalidated with a 304.
  const vendor = await fetch(base + 'vendor/echarts.min.js', { headers: { 'accept-encoding': 'br' } });
  await vendor.arrayBuffer();
  check(vendor.headers.get('content-encoding') === 'br' && /max-age=\d+/.test(vendor.headers.get('cache-control') || ''), 'echarts: Brotli, cacheable');
  const etag = vendor.headers.get('etag');
  const again = await fetch(base + 'vendor/echarts.min.js', { headers: { 'accept-encoding': 'br', 'if-none-match': etag } });
  check(again.status === 304, `echarts revalidated: ${again.status}`);
  // Cold first paint: a fresh browser context (empty cache) on every page.
  let slowestPaint = 0;
  for (const p of catalog.pages) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cold = await context.newPage();
    cold.on('pageerror', (e) => consoleErrors.push(e.message));
    await cold.goto(base + '#page=' + p.id);
    await cold.waitForSelector(`body[data-ready="${p.id}"]`, { timeout: 60000 });
    const fcp = await cold.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    slowestPaint = Math.max(slowestPaint, fcp);
    check(fcp > 0 && fcp < 2000, `${p.id}: cold first paint ${Math.round(fcp)} ms`);
    await cold.screenshot({ path: path.join(artifacts, `${p.id}-1280.png`), fullPage: true });
    await context.close();
  }
  console.log(`dashboards: slowest cold first paint ${Math.round(slowestPaint)} ms (1280 px, empty cache)`);

  check(consoleErrors.length === 0, 'console errors: ' + consoleErrors.join(' | '));
  check(offsite.length === 0, 'requests left the machine: ' + offsite.join(' '));
  console.log(`dashboards: ${catalog.pages.length} pages, ${Object.keys(catalog.panels).length} panels checked against SQL, ${meaningful} colours by meaning; ` +
    `slowest panel ${slowest.id} ${slowest.ms} ms on ${catalog.range.records} records; screenshots in ${artifacts}`);
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
if (failures) { console.error(`${failures} check(s) failed`); process.exit(1); }
