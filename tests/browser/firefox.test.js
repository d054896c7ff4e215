// An encrypted copy of the demo in Firefox (Debian's firefox-esr, driven
// by puppeteer-core over WebDriver BiDi; playwright-core cannot drive it),
// opened from file://: Firefox gives every file:// page an origin of its
// own, which is why the copy is one page (index.html#/…) rather than many.
// Checks a wrong passphrase, unlocking, a document, search and a reload.
'use strict';
const fs = require('fs');
const path = require('path');
const t = require('./lib');

const PASSPHRASE = 'lantern quarry violet harbour';
const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

async function main() {
	const work = t.tmpdir('cb-firefox-');
	const out = path.join(work, 'copy');
	const pf = path.join(work, 'pass');
	fs.writeFileSync(pf, PASSPHRASE + '\n');
	const r = t.casebook(['build', '-q', '--repo', t.ROOT, '--out', out, '--audience', 'restricted', '--encrypt',
		'--passphrase-file', pf]);
	t.eq('the encrypted demo builds', r.code, 0);
	const puppeteer = require('puppeteer-core');
	const profile = t.tmpdir('cb-ffprofile-');
	const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true,
		userDataDir: profile });
	const errors = [];
	try {
		const page = await browser.newPage();
		page.on('pageerror', (e) => errors.push(String(e)));
		await page.goto('file://' + fs.realpathSync(out) + '/index.html');
		t.check('Firefox: the unlock page asks for the passphrase', !!(await page.$('#lock-pass')));
		await page.type('#lock-pass', 'not the passphrase at all');
		await page.click('#lock-form button[type=submit]');
		await page.waitForFunction(() => /does not open/.test(document.getElementById('lock-status').textContent),
			{ timeout: 30000 });
		t.check('Firefox: a wrong passphrase says so', true);
		await page.evaluate(() => { document.getElementById('lock-pass').value = ''; });
		await page.type('#lock-pass', PASSPHRASE);
		await page.click('#lock-form button[type=submit]');
		await page.waitForFunction(() => window.CB_SHOWN && window.CB_SHOWN.path === 'index.html', { timeout: 30000 });
		console.log('# Firefox unlock took ' + Math.round(await page.evaluate(() => window.CB_UNLOCK_MS)) + ' ms');
		t.check('Firefox: unlocked, the home page is shown', !(await page.$('#lock-pass')));
		const href = await page.evaluate(() => document.querySelector('main a[href^="#/documents/"]').getAttribute('href'));
		await page.evaluate((h) => { location.hash = h; }, href);
		await page.waitForFunction((h) => window.CB_SHOWN && '#/' + window.CB_SHOWN.path === decodeURI(h),
			{ timeout: 30000 }, href);
		t.check('Firefox: a document opens', (await page.$$('main h1')).length === 1);
		await page.evaluate(() => { location.hash = '#/search.html?q=unseen%20partner'; });
		await page.waitForSelector('#search-results li', { timeout: 30000 });
		const titles = await page.evaluate(() => [...document.querySelectorAll('#search-results li h2')].map((x) => x.textContent));
		t.check('Firefox: search finds the restricted note', titles.some((x) => x.includes('an unseen partner')),
			titles.join('\n'));
		await page.reload();
		await page.waitForFunction(() => window.CB_SHOWN, { timeout: 30000 });
		t.check('Firefox: a reload stays unlocked in the tab', !(await page.$('#lock-pass')));
		t.eq('Firefox: no page error', errors, []);
	} finally {
		await browser.close();
		fs.rmSync(work, { recursive: true, force: true });
		fs.rmSync(profile, { recursive: true, force: true });
	}
	t.finish('browser firefox');
}

main().catch((e) => {
	t.notOk('firefox test crashed', e.stack);
	t.finish('browser firefox');
});
