// `casebook serve` in a real browser: an open page reloads by itself when a
// file is saved, shows the build's problems while the last good page stays,
// and drops them once the file is fixed. Debian's Chromium, headless; the
// server on a free loopback port, always stopped at the end; every wait is
// bounded.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync, spawn } = require('child_process');
const t = require('./lib');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function git(repo, args) {
	execFileSync('git', ['-C', repo].concat(args), {
		stdio: 'ignore',
		env: Object.assign({}, process.env, {
			GIT_AUTHOR_NAME: 'A. Lead', GIT_AUTHOR_EMAIL: 'lead@example.org',
			GIT_COMMITTER_NAME: 'A. Lead', GIT_COMMITTER_EMAIL: 'lead@example.org',
			GIT_AUTHOR_DATE: '2024-01-15T10:00:00Z', GIT_COMMITTER_DATE: '2024-01-15T10:00:00Z',
		}),
	});
}

function writeDoc(file, title, date) {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, '---\ntitle: "' + title + '"\ntype: briefing\ndate: ' + date +
		'\n---\n\n## Key learning\n\n- Look at the whole record.\n');
}

// Polls fn (async, returning a value or null) every 200 ms for up to ms.
async function until(ms, fn) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		try {
			const v = await fn();
			if (v)
				return v;
		} catch (e) {
			// The page may be between two loads; try again.
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	return null;
}

async function main() {
	const work = t.tmpdir('cb-serve-');
	const repo = path.join(work, 'repo');
	fs.mkdirSync(repo);
	git(repo, ['init', '-q']);
	const first = path.join(repo, 'content', 'first.md');
	writeDoc(first, 'First briefing', '2024-01-10');
	writeDoc(path.join(repo, 'content', 'second.md'), 'Second briefing', '2024-01-11');
	git(repo, ['add', '-A']);
	git(repo, ['commit', '-q', '-m', 'content']);

	const server = spawn(t.CASEBOOK, ['serve', '--repo', repo, '--port', '0'],
		{ env: Object.assign({}, process.env, { NO_COLOR: '1' }), stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	server.stderr.on('data', (b) => { log += b; });
	const exited = new Promise((resolve) => server.on('exit', (code, sig) => resolve({ code, sig })));
	let browser = null;
	try {
		const addr = await until(30000, async () => {
			const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(log);
			return m && m[1];
		});
		t.check('serve prints its loopback address', addr, log);
		if (!addr)
			return;

		const { chromium } = require('playwright-core');
		browser = await chromium.launch({
			executablePath: CHROMIUM, headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
				'--no-first-run'],
		});
		const page = await browser.newPage();
		// Only the preview itself may be asked for anything.
		const outside = [];
		page.on('request', (r) => { if (!r.url().startsWith(addr)) outside.push(r.url()); });
		let loads = 0;
		page.on('load', () => { loads++; });
		await page.goto(addr + 'documents/first.html');
		t.eq('the page opens', await page.title(), 'First briefing — Learning from case reviews');

		writeDoc(first, 'First briefing, revised', '2024-01-10');
		const revised = await until(15000, async () =>
			(await page.title()).startsWith('First briefing, revised') && 'yes');
		t.check('saving a file reloads the open page with the change', revised === 'yes', 'loads: ' + loads + '\n' + log);
		// The new title can be read before the reloaded page's load event
		// fires (its stylesheet and scripts still loading): wait for it.
		await until(5000, async () => loads >= 2);
		t.check('it reloaded (a second load event)', loads >= 2, 'loads: ' + loads);

		writeDoc(first, 'First briefing, revised', '2024-13-40');
		const problem = await until(15000, async () => page.$('#cb-serve-problems'));
		t.check('a broken file shows its problem in the open page', !!problem, log);
		if (problem) {
			const text = await page.textContent('#cb-serve-problems');
			t.check('the problem names the file, line and column',
				text.includes("content/first.md:4:7: error: '2024-13-40' is not a real calendar date"), text);
			t.check('the last good page is still shown', (await page.title()).startsWith('First briefing, revised'));
		}

		writeDoc(first, 'First briefing, fixed', '2024-01-10');
		const fixed = await until(15000, async () =>
			(await page.title()).startsWith('First briefing, fixed') && !(await page.$('#cb-serve-problems')) && 'yes');
		t.check('once fixed, the page reloads without the problem', fixed === 'yes', log);
		t.eq('nothing outside the preview was requested', outside, []);
	} finally {
		if (browser)
			await browser.close();
		server.kill('SIGINT');
		const timer = setTimeout(() => server.kill('SIGKILL'), 10000);
		const r = await exited;
		clearTimeout(timer);
		t.eq('Ctrl-C stops the server cleanly', r, { code: 0, sig: null });
		fs.rmSync(work, { recursive: true, force: true });
	}
}

main().catch((e) => t.notOk('serve browser test', e && e.stack)).finally(() => t.finish('browser serve'));
