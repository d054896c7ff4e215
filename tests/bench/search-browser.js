// Part of `make bench` (tests/bench/search.sh): the browser search on a
// built site opened from file:// in headless Chromium. For each query, on
// a fresh page (nothing cached but the page itself):
//  - typing→on screen, the headline: from the input event to the first
//    frame after the results (or "No results") went into the page, as
//    "frame/drawn": when that frame starts (requestAnimationFrame) and a
//    task after it (a little late rather than early: other tasks, such as
//    the documents' texts arriving, may run first);
//  - in page: the page's own figure (CBS_LAST.ms: the results put in the
//    page, not yet drawn), split into loading the shards and ranking;
//  - →snippets: until the snippets are filled in;
//  - the shards and texts the query loaded with their bytes, and what
//    parsing the shards costs (the same bytes compiled and run by V8 here,
//    in node: the engine Chromium parses them with).
// Change of method (issue 22): requests are now only watched (playwright's
// request events), not intercepted. Before, every request was routed
// through playwright so that it could be counted, which holds each file
// up until node answers it, and the headline was the in-page figure,
// which stops before the frame is drawn. --intercept measures the old way
// (the in-page column is the old headline), to compare on one site.
//   node search-browser.js [--intercept] SITE [FIGURES]
// FIGURES: KEY=VALUE lines appended.
'use strict';
const fs = require('fs');
const path = require('path');
const { launch } = require('../browser/lib');

const args = process.argv.slice(2).filter((a) => a !== '--intercept');
const intercept = args.length < process.argv.length - 2;
const site = fs.realpathSync(args[0]);
const figures = args[1];
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
	const b = await launch(site, { intercept });
	const rows = [];
	try {
		for (const q of QUERIES) {
			const page = await b.context.newPage();
			await page.goto('file://' + site + '/search.html');
			await page.waitForFunction(() => document.getElementById('search-type').options.length > 1);
			// On screen: the first frame after the results (or "No
			// results") went into the page, timed from the input event
			// (seen here first, before the page's own listener).
			await page.evaluate(() => {
				let t0 = 0;
				document.addEventListener('input', () => (t0 = t0 || performance.now()), true);
				new MutationObserver((_, obs) => {
					obs.disconnect();
					requestAnimationFrame(() => {
						window.BENCH_FRAME = performance.now() - t0;
						setTimeout(() => (window.BENCH_SHOWN = performance.now() - t0));
					});
				}).observe(document.getElementById('search-status'), { childList: true, characterData: true, subtree: true });
			});
			const before = b.requests.length;
			await page.fill('#search-q', q);
			// The results show first (titles, links, dates), their
			// snippets when the documents' texts have loaded.
			await page.waitForFunction(() => window.CBS_LAST && window.CBS_LAST.full >= 0 && window.BENCH_SHOWN >= 0);
			const last = await page.evaluate(() => Object.assign({ shown: window.BENCH_SHOWN, frame: window.BENCH_FRAME }, window.CBS_LAST));
			const files = b.requests.slice(before).map((u) => decodeURIComponent(u.replace('file://', '')));
			const size = (re) => files.filter((f) => re.test(f)).reduce((s, f) => s + fs.statSync(f).size, 0);
			const shardFiles = files.filter((f) => /\/t-\d+\.js$/.test(f));
			rows.push({ q, ms: last.ms, shown: last.shown, frame: last.frame, full: last.full, load: last.load, rank: last.rank, results: last.total, shards: size(/\/t-\d+\.js$/), texts: size(/\/d-\d+\.js$/),
				nshards: shardFiles.length, parse: parseMs(shardFiles) });
			await page.close();
		}
	} finally {
		await b.close();
	}
	const kb = (f) => (fs.statSync(path.join(site, 'search', f)).size / 1024).toFixed(0);
	console.log('  browser (fresh page a query' + (intercept ? ', requests intercepted' : '') + '; meta.js ' + kb('meta.js') + ' KB and heads.js ' + kb('heads.js') +
		' KB loaded once with the page):');
	console.log('    ' + 'query'.padEnd(22) + 'typing→on screen  (in page: loading  ranking)  →snippets   shards loaded   shard parse   texts loaded   results');
	const opt = (x) => (x === undefined ? '-' : x.toFixed(0) + ' ms');
	for (const r of rows)
		console.log('    ' + r.q.padEnd(22) + (r.frame.toFixed(0) + '/' + r.shown.toFixed(0) + ' ms').padStart(16) + (r.ms.toFixed(0) + ' ms').padStart(15) +
			opt(r.load).padStart(10) + opt(r.rank).padStart(9) + (r.full.toFixed(0) + ' ms').padStart(11) +
			((r.shards / 1024).toFixed(0) + ' KB in ' + r.nshards).padStart(16) +
			(r.parse.toFixed(1) + ' ms').padStart(14) +
			((r.texts / 1024).toFixed(0) + ' KB').padStart(15) + String(r.results).padStart(10));
	const ms = rows.map((r) => r.shown).sort((a, c) => a - c);
	const most = rows.reduce((a, r) => (r.shards > a.shards ? r : a), rows[0]);
	const median = ms[Math.floor(ms.length / 2)], slowest = ms[ms.length - 1];
	const inPage = rows.map((r) => r.ms).sort((a, c) => a - c);
	console.log('    median typing→on screen ' + median.toFixed(0) + ' ms, slowest ' + slowest.toFixed(0) + ' ms (in the page: median ' +
		inPage[Math.floor(inPage.length / 2)].toFixed(0) + ' ms, slowest ' + inPage[inPage.length - 1].toFixed(0) + ' ms)');
	if (figures) {
		fs.appendFileSync(figures, 'BROWSER_MEDIAN_MS=' + median.toFixed(0) + '\nBROWSER_MAX_MS=' + slowest.toFixed(0) +
			'\nBROWSER_MAX_Q=' + rows.find((r) => r.shown === slowest).q +
			'\nBROWSER_MOST_KB=' + (most.shards / 1024).toFixed(0) + '\nBROWSER_MOST_SHARDS=' + most.nshards +
			'\nBROWSER_MOST_PARSE_MS=' + most.parse.toFixed(1) + '\n');
	}
})().catch((e) => {
	console.log('  browser: failed: ' + (e && e.stack));
	process.exitCode = 1;
});
