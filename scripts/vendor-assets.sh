#!/usr/bin/env bash
# Installs the web pages' JS/CSS from the npm registry (package-lock.json pins the versions)
# and copies them into src/sdgcities/web/static/vendor, where the package serves them itself.
# Nothing is loaded from a CDN at run time, and nothing copied here is committed (.gitignore).
# Idempotent: a stamp of package.json, package-lock.json and this script makes a second run
# return at once. The folder is built beside its place and moved in whole, so a failed run
# leaves the previous copy (and no stamp). Needs only node/npm and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=src/sdgcities/web/static/vendor
STAMP="$DEST/.stamp"
want=$( (cat package.json package-lock.json "$0") | sha1sum | cut -c1-16)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f node_modules/axe-core/axe.min.js ]; then
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: install Node.js (Debian: apt-get install nodejs npm) and run again" >&2
  exit 1
fi

echo "Installing web assets from the npm registry (npm ci)"
npm ci --no-audit --no-fund --loglevel=error

FINAL=$DEST
DEST=$FINAL.partial
rm -rf "$DEST"
mkdir -p "$DEST/leaflet/images" "$DEST/markercluster" "$DEST/htmx" "$DEST/uplot" "$DEST/world" \
  "$DEST/swagger-ui" "$DEST/bootstrap"
cp node_modules/htmx.org/dist/htmx.min.js "$DEST/htmx/"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$DEST/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$DEST/leaflet/images/"
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css "$DEST/markercluster/"
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css "$DEST/uplot/"
# country outlines (Natural Earth, public domain, via world-atlas) for maps without tiles
cp node_modules/world-atlas/countries-110m.json node_modules/world-atlas/countries-50m.json \
   node_modules/topojson-client/dist/topojson-client.min.js "$DEST/world/"
# the API's documentation page (/api/v1/docs) and the OGC API's pages (/ogc)
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
   node_modules/swagger-ui-dist/favicon-32x32.png "$DEST/swagger-ui/"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$DEST/bootstrap/"
for pkg in htmx.org leaflet leaflet.markercluster uplot world-atlas topojson-client \
    swagger-ui-dist bootstrap; do
  lic=$(ls node_modules/$pkg/LICENSE* 2>/dev/null | head -1 || true)
  [ -n "$lic" ] && cp "$lic" "$DEST/LICENSE.$pkg.txt"
done
echo "$want" > "$DEST/.stamp"
rm -rf "$FINAL"
mv "$DEST" "$FINAL"
echo "Web assets copied to $FINAL"
