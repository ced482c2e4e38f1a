// Precompresses the dashboards' static files at build time: next to each file of dist/ that compression
// shrinks, FILE.br (Brotli, best quality) and FILE.gz (gzip -9). dnslens serve sends the one the browser
// accepts, so no request is ever compressed on the fly.
// Usage: node precompress.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: node precompress.mjs DIR');
const compressible = /\.(html|js|css|json|svg|txt)$/;
let files = 0, before = 0, after = 0;
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) { walk(p); continue; }
    if (!compressible.test(e.name)) continue;
    const data = fs.readFileSync(p);
    const br = zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } });
    const gz = zlib.gzipSync(data, { level: 9 });
    if (br.length < data.length) fs.writeFileSync(p + '.br', br);
    if (gz.length < data.length) fs.writeFileSync(p + '.gz', gz);
    files++; before += data.length; after += Math.min(br.length, data.length);
  }
};
walk(dir);
console.log(`dnslens: precompressed ${files} files, ${before} bytes -> ${after} bytes (Brotli)`);
