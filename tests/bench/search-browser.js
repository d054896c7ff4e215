// Part of `make bench` (tests/bench/search.sh): the browser search on a
// built site opened from file:// in headless Chromium. For each query, on
// a fresh page (nothing cached but the page itself): the time from typing
// to the first results on screen, the bytes of index files it loaded,
// and what parsing those files costs (the same bytes compiled and run by
// V8 here, in node: the engine Chromium parses them with).
//   node search-browser.js SITE [FIGURES]   (FIGURES: KEY=VALUE lines appended)
'use strict';
const fs = require('fs');
const path = require('path');
const { launch } = require('../browser/lib');

const site = fs.realpathSync(process.argv[2]);
const figures = process.argv[3];
// The three (a common word, a theme, two words) first, then a mix.
const QUERIES = ['escalation', 'neglect', 'information sharing', 'missed appointments', 'bruising', 'MASH',
	'DNA', '"discharge plan"', 'escalat*', 'neglect -audit', 'GP OR police', 'school', 'health assessment'];

// Milliseconds to compile and run the shard files (best of three), with a
// stand-in for the page's CBS.shard/CBS.docs, so only V8's work counts.
// Each run's source ends with a comment of its own, so that V8 cannot
// reuse what it compiled before.
let runs = 0;
function parseMs(files) {
	const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
	let best = Infinity;
	for (let k = 0; k < 3; k++) {
		const t0 = process.hrtime.bigint();
		for (const t of texts)
			new Function('CBS', t + '\n// ' + ++runs)({ shard() {}, docs() {} });
		best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
	}
	return best;
}

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
			// The results show first (titles, links, dates), their
			// snippets when the documents' texts have loaded.
			await page.waitForFunction(() => window.CBS_LAST && window.CBS_LAST.full >= 0);
			const last = await page.evaluate(() => window.CBS_LAST);
			const files = b.requests.slice(before).map((u) => decodeURIComponent(u.replace('file://', '')));
			const size = (re) => files.filter((f) => re.test(f)).reduce((s, f) => s + fs.statSync(f).size, 0);
			const shardFiles = files.filter((f) => /\/t-\d+\.js$/.test(f));
			rows.push({ q, ms: last.ms, full: last.full, load: last.load, rank: last.rank, results: last.total, shards: size(/\/t-\d+\.js$/), texts: size(/\/d-\d+\.js$/),
				nshards: shardFiles.length, parse: parseMs(shardFiles) });
			await page.close();
		}
	} finally {
		await b.close();
	}
	const kb = (f) => (fs.statSync(path.join(site, 'search', f)).size / 1024).toFixed(0);
	console.log('  browser (fresh page a query; meta.js ' + kb('meta.js') + ' KB and heads.js ' + kb('heads.js') +
		' KB loaded once with the page):');
	console.log('    ' + 'query'.padEnd(22) + 'typing→results  →snippets   (loading  ranking)   shards loaded   shard parse   texts loaded   results');
	const opt = (x) => (x === undefined ? '-' : x.toFixed(0) + ' ms');
	for (const r of rows)
		console.log('    ' + r.q.padEnd(22) + (r.ms.toFixed(0) + ' ms').padStart(14) + (r.full.toFixed(0) + ' ms').padStart(11) +
			opt(r.load).padStart(11) + opt(r.rank).padStart(10) +
			((r.shards / 1024).toFixed(0) + ' KB in ' + r.nshards).padStart(16) +
			(r.parse.toFixed(1) + ' ms').padStart(14) +
			((r.texts / 1024).toFixed(0) + ' KB').padStart(15) + String(r.results).padStart(10));
	const ms = rows.map((r) => r.ms).sort((a, c) => a - c);
	const most = rows.reduce((a, r) => (r.shards > a.shards ? r : a), rows[0]);
	const median = ms[Math.floor(ms.length / 2)], slowest = ms[ms.length - 1];
	console.log('    median typing→results ' + median.toFixed(0) + ' ms, slowest ' + slowest.toFixed(0) + ' ms');
	if (figures) {
		fs.appendFileSync(figures, 'BROWSER_MEDIAN_MS=' + median.toFixed(0) + '\nBROWSER_MAX_MS=' + slowest.toFixed(0) +
			'\nBROWSER_MAX_Q=' + rows.find((r) => r.ms === slowest).q +
			'\nBROWSER_MOST_KB=' + (most.shards / 1024).toFixed(0) + '\nBROWSER_MOST_SHARDS=' + most.nshards +
			'\nBROWSER_MOST_PARSE_MS=' + most.parse.toFixed(1) + '\n');
	}
})().catch((e) => {
	console.log('  browser: failed: ' + (e && e.stack));
	process.exitCode = 1;
});
