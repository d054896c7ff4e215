// With the network blocked (every request that is not a file of the site
// is aborted), every page of the demo loads with no failed request, no
// request outside the site and no console error. The site is then moved to
// another folder (with spaces in its name) and still works from file://.
'use strict';
const fs = require('fs');
const path = require('path');
const t = require('./lib');
const { demoSite, htmlFiles, KINDS, settle } = require('./pages');

async function load(b, page, url, rel) {
	const failed = [], errors = [];
	const onFail = (r) => failed.push(r.url() + ' ' + (r.failure() || {}).errorText);
	const onConsole = (m) => { if (m.type() === 'error') errors.push(m.text()); };
	const onError = (e) => errors.push(String(e));
	page.on('requestfailed', onFail);
	page.on('console', onConsole);
	page.on('pageerror', onError);
	await page.goto(url, { waitUntil: 'load' });
	await settle(page, rel);
	page.off('requestfailed', onFail);
	page.off('console', onConsole);
	page.off('pageerror', onError);
	return { failed, errors };
}

async function main() {
	const site = demoSite('cb-offline-');
	let b = await t.launch(site.work);
	try {
		const page = await b.context.newPage();
		const pages = htmlFiles(site.out).concat(['search.html?q=bruising', 'search.html?q=DNA&type=seven-minute-briefing']);
		const problems = [];
		for (const rel of pages) {
			const r = await load(b, page, site.url(rel), rel);
			for (const f of r.failed)
				problems.push(rel + ': failed request ' + f);
			for (const e of r.errors)
				problems.push(rel + ': console error ' + e);
		}
		t.check(`${pages.length} pages load offline with no failed request and no console error`, problems.length === 0, problems.slice(0, 30).join('\n'));
		const outside = b.requests.filter((u) => !u.startsWith(b.allowed));
		t.eq('no request left the output folder', outside, []);
		t.check('stylesheets and scripts were loaded from the site', b.requests.some((u) => u.endsWith('/assets/style.css')) &&
			['tokenizer', 'query', 'search', 'ui'].every((n) => b.requests.some((u) => u.endsWith(`/search/${n}.js`))));
		await b.close();

		// The same site from another folder, whose name has spaces.
		const moved = path.join(site.work, 'a copy with spaces', 'learning site');
		fs.mkdirSync(path.dirname(moved), { recursive: true });
		fs.cpSync(site.out, moved, { recursive: true });
		// (The allowed folder is the one above, as the browser writes spaces as %20.)
		b = await t.launch(site.work);
		const p2 = await b.context.newPage();
		const base = require('url').pathToFileURL(fs.realpathSync(moved)).href + '/';
		const bad = [];
		for (const rel of Object.values(KINDS)) {
			const r = await load(b, p2, base + rel, rel);
			const styled = await p2.evaluate(() => getComputedStyle(document.querySelector('.skip-link')).position);
			if (r.failed.length || r.errors.length || styled !== 'absolute')
				bad.push(rel + ' ' + JSON.stringify(r) + ' skip-link position ' + styled);
		}
		t.eq('every page kind works from another folder (styles applied, no failures)', bad, []);
		await p2.goto(base + 'search.html?q=DNA');
		await p2.waitForSelector('#search-results li', { timeout: 10000 });
		const hits = await p2.evaluate(() => document.querySelectorAll('#search-results li').length);
		t.check('search works from the moved folder (' + hits + ' results for "DNA")', hits > 0);
		// The block is real: a page asking for an outside address gets a failed request.
		const probe = path.join(moved, 'probe.html');
		fs.writeFileSync(probe, '<!DOCTYPE html><html lang="en"><title>p</title><img src="https://example.org/x.png" alt="">');
		const r = await load(b, p2, base + 'probe.html', 'probe.html');
		t.eq('an outside request is blocked and seen as failed', r.failed.length, 1);
	} catch (e) {
		t.notOk('offline test ran to the end', e.stack);
	} finally {
		await b.close();
		fs.rmSync(site.work, { recursive: true, force: true });
	}
	t.finish('browser/offline');
}

main();
