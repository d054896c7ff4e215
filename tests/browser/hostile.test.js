// Hostile content in a real browser: the site built from
// tests/fixtures/hostile (markup that would run a script in every field)
// is opened page by page from file:// in Chromium, and searched. Nothing
// may run: no dialog, no window.__pwned, no element made from the content;
// the hostile text must be shown as text, in the pages and in the search
// results.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const t = require('./lib');

const TITLE = 'Hostile <script>window.__pwned=1</script> title "quoted" & \'single\' </title> zqxtitle';
const SUMMARY = 'Summary "><img src=x onerror="window.__pwned=1"> & </script> zqxsumm';
const THEME = 'Theme <script>window.__pwned=1</script> label';

function pages(dir) {
	const out = [];
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory())
			out.push(...pages(p));
		else if (e.name.endsWith('.html'))
			out.push(p);
	}
	return out.sort();
}

async function main() {
	const work = t.tmpdir('cb-hostile-');
	const repo = path.join(work, 'repo');
	fs.cpSync(path.join(t.ROOT, 'tests', 'fixtures', 'hostile'), repo, { recursive: true });
	const git = (...args) => execFileSync('git', ['-C', repo, ...args], {
		stdio: 'ignore',
		env: Object.assign({}, process.env, { GIT_AUTHOR_NAME: 'A. Lead', GIT_AUTHOR_EMAIL: 'lead@example.org', GIT_COMMITTER_NAME: 'A. Lead', GIT_COMMITTER_EMAIL: 'lead@example.org' }),
	});
	git('init', '-q');
	git('add', '-A');
	git('commit', '-q', '-m', 'hostile content');
	const site = t.build(repo, path.join(work, 'site'));
	const real = fs.realpathSync(site);

	const b = await t.launch(work);
	try {
		const page = await b.context.newPage();
		const dialogs = [];
		const errors = [];
		page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
		page.on('pageerror', (e) => errors.push(e.message));

		// Every page: nothing ran, nothing was made from the content.
		const all = pages(real);
		const ran = [];
		for (const p of all) {
			await page.goto('file://' + p);
			await page.waitForLoadState('load');
			const r = await page.evaluate(() => ({
				pwned: window.__pwned !== undefined,
				// Elements the theme never writes, which only the content could make.
				made: document.querySelectorAll('iframe, svg:not(.chart__svg):not(.heatmap__svg), object, embed, script:not([src]), b[onmouseover], [onerror], [onload], [onclick], [onmouseover]').length,
				hidden: getComputedStyle(document.body).display === 'none',
			}));
			if (r.pwned || r.made || r.hidden)
				ran.push(path.relative(real, p) + ' ' + JSON.stringify(r));
		}
		t.check('all ' + all.length + ' pages load without running or making anything from the content', all.length > 5 && ran.length === 0, ran.join('\n'));

		await page.goto('file://' + real + '/documents/hostile.html');
		const h1 = await page.$eval('h1', (h) => h.textContent);
		t.eq('the document title is shown as text', h1, TITLE);
		t.eq('the browser tab shows the title as text', (await page.title()).startsWith(TITLE), true);
		const text = await page.$eval('main', (m) => m.textContent);
		t.check('the summary is shown as text', text.includes(SUMMARY), text.slice(0, 400));
		const hrefs = await page.$$eval('main a', (as) => as.map((a) => a.href).filter((h) => /^(javascript|data|vbscript):/i.test(h)));
		t.eq('no link in the page has a javascript:, data: or vbscript: target', hrefs, []);

		await page.goto('file://' + real + '/themes/xss-theme.html');
		t.eq('the theme label is shown as text', await page.$eval('h1', (h) => h.textContent), THEME);

		// Search: the results show the hostile title and summary as text.
		await page.goto('file://' + real + '/search.html?q=zqxtitle');
		await page.waitForFunction(() => {
			const s = document.getElementById('search-status');
			/* The snippets come after the titles: wait for them too. */
			return s && /result/.test(s.textContent) && window.CBS_LAST && window.CBS_LAST.full >= 0;
		});
		const res = await page.evaluate(() => {
			const box = document.getElementById('search-results');
			return {
				titles: Array.from(box.querySelectorAll('li h2 a')).map((a) => a.textContent),
				text: box.textContent,
				made: box.querySelectorAll('img, script, svg, iframe, b, [onerror], [onload], [onmouseover]').length,
			};
		});
		t.eq('the search result title is the hostile title, as text', res.titles, [TITLE]);
		t.check('the search result snippet shows the markup as text', res.text.includes('window.__pwned=1'), res.text);
		t.eq('no element was made from the result', res.made, 0);
		// A search for words inside the summary's markup.
		await page.goto('file://' + real + '/search.html?q=onerror');
		await page.waitForFunction(() => /result/.test(document.getElementById('search-status').textContent) && window.CBS_LAST && window.CBS_LAST.full >= 0);
		const made = await page.$$eval('#search-results img, #search-results [onerror]', (x) => x.length);
		t.eq('a snippet around markup makes no element', made, 0);
		t.eq('no search ran the payload', await page.evaluate(() => window.__pwned), undefined);

		t.eq('no dialog opened', dialogs, []);
		t.eq('no script errors', errors, []);
		t.eq('no request left the output folder', b.requests.filter((u) => !u.startsWith(b.allowed)), []);
	} finally {
		await b.close();
		fs.rmSync(work, { recursive: true, force: true });
	}
	t.finish('browser hostile');
}

main().catch((e) => {
	t.notOk('hostile browser test crashed', e.stack);
	t.finish('browser hostile');
});
