#!/usr/bin/env bash
# Browser tests (part of `make test`): Node with playwright-core driving
# Debian's Chromium, headless, on sites built into temporary folders and
# opened from file://. Prints "browser: N passed, M failed".
set -u
cd "$(dirname "$0")"
missing=""
command -v node >/dev/null || missing="$missing nodejs"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
command -v java >/dev/null || missing="$missing default-jre-headless"
command -v pdfinfo >/dev/null || missing="$missing poppler-utils"
[ -x "${FIREFOX:-/usr/bin/firefox-esr}" ] || missing="$missing firefox-esr"
if [ -n "$missing" ]; then
	echo "browser: missing Debian packages:$missing; run 'make deps'"
	echo "browser: 0 passed, 1 failed"
	exit 1
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ] || [ ! -d node_modules/vnu-jar ] || [ ! -d node_modules/puppeteer-core ]; then
	# Installs exactly what package-lock.json pins.
	npm ci --no-audit --no-fund >/dev/null 2>&1 || {
		echo "browser: 'npm ci' failed in tests/browser; run it there to see why"
		echo "browser: 0 passed, 1 failed"
		exit 1
	}
fi
if [ ! -x ../../casebook ]; then
	echo "browser: build casebook first (make)"
	echo "browser: 0 passed, 1 failed"
	exit 1
fi
status=0
for t in *.test.js; do
	node "$t" || status=1
done
exit $status
