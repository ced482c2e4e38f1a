#!/usr/bin/env bash
# Builds the dashboards' front end into web/dist: our static files, ECharts, and the world map made
# from Natural Earth's shapes (world-atlas), all from the npm registry (package-lock.json pins them).
# Nothing is fetched by the browser from the internet.
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ ! -d node_modules/echarts ] || [ ! -d node_modules/world-atlas ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
rm -rf dist
mkdir -p dist/vendor
cp src/*.html src/*.js src/*.css dist/
cp node_modules/echarts/dist/echarts.min.js dist/vendor/
cp node_modules/echarts/LICENSE dist/vendor/ECHARTS-LICENSE
cp node_modules/world-atlas/LICENSE dist/vendor/WORLD-ATLAS-LICENSE
node tools/world-map.mjs dist/vendor/world.json
node tools/precompress.mjs dist
echo "dnslens: dashboards built in web/dist"
