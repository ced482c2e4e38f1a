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
          return { series: o.series.map((s) => ({ name: s.name, data: s.data })), categories: o.yAxis?.[0]?.data ?? null, cells, shapes };
        }
        if (kind === 'stat') return { stats: [...box.querySelectorAll('.stat .value')].map((v) => v.textContent) };
        return { cells: [...box.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)) };
      }, { id, kind });
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

  // Independent SQL for the headline numbers.
  await page.goto(base + '#page=overview');
  await page.reload();
  await page.waitForSelector('body[data-ready="overview"]');
  const summary = await page.evaluate(() => window.dnslens.panels.summary.rows[0]);
  check(summary[0] === sql('SELECT count(*) AS n FROM route53query')[0].n, 'summary: queries = count(*)');
  check(summary[4] === sql('SELECT count(*) AS n FROM route53query WHERE threat_indicator IS NOT NULL')[0].n, 'summary: threat hits');

  // Drill-down from the first bar of "Top 10 queried domains".
  const top = sql("SELECT registered_domain AS d, count(*) AS n FROM route53query WHERE registered_domain IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")[0];
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
  await page.selectOption('#instance', busiest.i);
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.click('#controls button[type=submit]');
  await page.waitForSelector('body[data-ready="overview"]');
  const filtered = await page.evaluate(() => window.dnslens.panels.summary.rows[0][0]);
  check(filtered === busiest.n, `instance filter: ${filtered} queries, SQL says ${busiest.n}`);
  check(page.url().includes('instance=' + busiest.i), 'the filter is in the URL');

  check(consoleErrors.length === 0, 'console errors: ' + consoleErrors.join(' | '));
  check(offsite.length === 0, 'requests left the machine: ' + offsite.join(' '));
  console.log(`dashboards: ${catalog.pages.length} pages, ${Object.keys(catalog.panels).length} panels checked against SQL; ` +
    `slowest panel ${slowest.id} ${slowest.ms} ms on ${catalog.range.records} records; screenshots in ${artifacts}`);
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
if (failures) { console.error(`${failures} check(s) failed`); process.exit(1); }
