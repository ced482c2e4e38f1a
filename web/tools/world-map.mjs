// Builds dist/vendor/world.json for the dashboards' maps: Natural Earth's 1:50m country shapes (public
// domain, from the world-atlas package) as GeoJSON whose feature names are ISO 3166-1 alpha-2 codes,
// the codes dnslens_country() returns, plus English names for every code (tooltips, and countries too
// small to have a shape). Coordinates are rounded to 0.01 degrees, which a dashboard map cannot show.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';

const require = createRequire(import.meta.url);
const countries = require('i18n-iso-countries');
countries.registerLocale(require('i18n-iso-countries/langs/en.json'));

const out = process.argv[2];
const topo = JSON.parse(readFileSync(require.resolve('world-atlas/countries-50m.json'), 'utf8'));
const shapes = feature(topo, topo.objects.countries);
// Shapes Natural Earth gives no ISO number.
const byName = { Kosovo: 'XK' };
const round = (c) => (typeof c[0] === 'number' ? [Math.round(c[0] * 100) / 100, Math.round(c[1] * 100) / 100] : c.map(round));
// A ring crossing the antimeridian (Chukotka, Fiji, the Aleutians) would be drawn across the whole flat
// map: move its points to the side most of them are on, past +-180.
function unwrapRing(ring) {
  let crosses = false;
  for (let i = 1; i < ring.length && !crosses; i++) crosses = Math.abs(ring[i][0] - ring[i - 1][0]) > 180;
  if (!crosses) return ring;
  const east = ring.filter((p) => p[0] > 0).length * 2 >= ring.length;
  return ring.map(([x, y]) => [east && x < 0 ? x + 360 : !east && x > 0 ? x - 360 : x, y]);
}
const unwrap = (geometry) => geometry.type === 'Polygon' ? geometry.coordinates.map(unwrapRing)
  : geometry.coordinates.map((polygon) => polygon.map(unwrapRing));
const features = [];
for (const f of shapes.features) {
  const code = (f.id && countries.numericToAlpha2(f.id)) || byName[f.properties.name];
  if (!code || code === 'AQ') continue;  // no answers come from Antarctica; its outline spans the map
  features.push({ type: 'Feature', properties: { name: code, title: f.properties.name },
    geometry: { type: f.geometry.type, coordinates: round(unwrap(f.geometry)) } });
}
const names = countries.getNames('en', { select: 'official' });
names.XK = 'Kosovo';
writeFileSync(out, JSON.stringify({ type: 'FeatureCollection', features, names }));
console.log(`dnslens: world map with ${features.length} countries in ${out}`);
