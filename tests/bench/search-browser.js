// Part of `make bench` (tests/bench/search.sh): the browser search on a
// built site opened from file:// in headless Chromium. For each query, on
// a fresh page (nothing cached but the page itself): the time from typing
// to the first results on screen, and the bytes of index files it loaded.
'use strict';
const fs = require('fs');
const path = require('path');
const { launch } = require('../browser/lib');

const site = fs.realpathSync(process.argv[2]);
const QUERIES = ['missed appointments', 'bruising', 'MASH', 'DNA', '"discharge plan"', 'escalat*',
	'neglect -audit', 'GP OR police', 'school', 'health assessment'];

(async () => {
	const b = await launch(site);
	const rows = [];
	try {
		for (const q of QUERIES) {
			const page = await b.context.newPage();
			await page.goto('file://' + site + '/search.html');
			await page.waitForFunction(() => document.getElementById('search-type').options.length > 1);
			const before = b.requests.length;
			await page.fill('#search-q', q);
			await page.waitForFunction(() => window.CBS_LAST);
			const last = await page.evaluate(() => window.CBS_LAST);
			const files = b.requests.slice(before).map((u) => decodeURIComponent(u.replace('file://', '')));
			const size = (re) => files.filter((f) => re.test(f)).reduce((s, f) => s + fs.statSync(f).size, 0);
			rows.push({ q, ms: last.ms, results: last.total, shards: size(/\/t-\d+\.js$/), texts: size(/\/d-\d+\.js$/),
				nshards: files.filter((f) => /\/t-\d+\.js$/.test(f)).length });
			await page.close();
		}
	} finally {
		await b.close();
	}
	const meta = fs.statSync(path.join(site, 'search', 'meta.js')).size;
	console.log('  browser (fresh page a query; meta.js ' + (meta / 1024).toFixed(0) + ' KB loaded once with the page):');
	console.log('    ' + 'query'.padEnd(22) + 'typing→results   shards loaded          texts loaded   results');
	for (const r of rows)
		console.log('    ' + r.q.padEnd(22) + (r.ms.toFixed(0) + ' ms').padStart(14) +
			((r.shards / 1024).toFixed(0) + ' KB in ' + r.nshards).padStart(19) +
			((r.texts / 1024).toFixed(0) + ' KB').padStart(17) + String(r.results).padStart(10));
	const ms = rows.map((r) => r.ms).sort((a, c) => a - c);
	console.log('    median typing→results ' + ms[Math.floor(ms.length / 2)].toFixed(0) + ' ms, slowest ' + ms[ms.length - 1].toFixed(0) + ' ms');
})().catch((e) => {
	console.log('  browser: failed: ' + (e && e.stack));
	process.exitCode = 1;
});
