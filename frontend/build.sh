#!/bin/sh
# Rebuild the portal's GOV.UK Frontend assets from npm (run by hand when the
# pinned versions change; the output is committed so nothing is fetched at run
# time). Councils are not GOV.UK: the GDS Transport font and the crown are left
# out (govuk.scss sets Arial), as the Design System asks of services off GOV.UK.
set -eu
cd "$(dirname "$0")"
npm ci --silent
out=../src/cld/portal/static/govuk
rm -rf "$out"
mkdir -p "$out/assets/images"
node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map \
  --quiet govuk.scss "$out/govuk-frontend.min.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$out/"
cp node_modules/govuk-frontend/dist/govuk/assets/images/favicon.ico "$out/assets/images/"
printf "govuk-frontend (MIT licence, Crown copyright): https://github.com/alphagov/govuk-frontend\n" > "$out/NOTICE"
node -e 'console.log(require("./node_modules/govuk-frontend/package.json").version)' > "$out/VERSION"
