// An encrypted copy of the demo (restricted audience) opened from file://
// in Chromium with the network blocked: the unlock page, a wrong
// passphrase, unlocking, navigating by links and the back button, search
// finding a restricted supervision note by its title words, a reload that
// stays unlocked in the tab, the Lock control, and changed and truncated
// files that show an error and nothing of their content. The key is kept
// in sessionStorage only: never in localStorage, IndexedDB or cookies.
'use strict';
const fs = require('fs');
const path = require('path');
const t = require('./lib');

const PASSPHRASE = 'lantern quarry violet harbour';

async function unlock(page, pass) {
	await page.fill('#lock-pass', pass);
	await page.click('#lock-form button[type=submit]');
}

async function shown(page, what) {
	await page.waitForFunction((w) => window.CB_SHOWN && (w === undefined || window.CB_SHOWN.path === w ||
		window.CB_SHOWN.error === w), what, { timeout: 15000 });
	return page.evaluate(() => window.CB_SHOWN);
}

async function main() {
	const work = t.tmpdir('cb-encrypt-');
	const out = path.join(work, 'locked copy');
	const pf = path.join(work, 'pass');
	fs.writeFileSync(pf, PASSPHRASE + '\n');
	const r = t.casebook(['build', '-q', '--repo', t.ROOT, '--out', out, '--audience', 'restricted', '--encrypt',
		'--passphrase-file', pf]);
	t.eq('the encrypted demo builds', r.code, 0);
	const url = 'file://' + fs.realpathSync(out) + '/index.html';
	const b = await t.launch(work);
	const errors = [];
	try {
		const page = await b.context.newPage();
		page.on('pageerror', (e) => errors.push(String(e)));
		await page.goto(url);
		t.check('the unlock page asks for the passphrase', await page.isVisible('#lock-pass'));
		t.eq('the unlock page shows the library title only', await page.textContent('h1'),
			'Harrowdene Safeguarding Children Partnership — learning library (fictional demo)');

		await unlock(page, 'not the passphrase at all');
		await page.waitForFunction(() => /does not open/.test(document.getElementById('lock-status').textContent));
		t.check('a wrong passphrase says so', true);

		await unlock(page, PASSPHRASE);
		await shown(page, 'index.html');
		const ms = await page.evaluate(() => window.CB_UNLOCK_MS);
		console.log(`# unlock took ${Math.round(ms)} ms (PBKDF2, 600,000 iterations, and the home page)`);
		t.check('unlocked: the home page is shown', (await page.textContent('main')).includes('Themes') ||
			(await page.locator('main a').count()) > 5);
		t.check('a Lock control is on the page', await page.isVisible('#lock-now'));

		// A link to a document, then the back button.
		const link = page.locator('main a[href^="#/documents/"]').first();
		const target = (await link.getAttribute('href')).replace(/^#\//, '');
		await link.click();
		await shown(page, decodeURI(target));
		t.check('a link opens the document inside the shell', (await page.url()).includes('#/documents/'));
		t.check('  ... with its heading', (await page.locator('main h1').count()) === 1);
		await page.goBack();
		await shown(page, 'index.html');
		t.check('the back button returns to the home page', (await page.url()).endsWith('#/index.html') ||
			!(await page.url()).includes('#/documents/'));

		// Search for a restricted supervision note by its title words.
		await page.evaluate(() => { location.hash = '#/search.html?q=unseen%20partner'; });
		await shown(page, 'search.html');
		await page.waitForSelector('#search-results li', { timeout: 15000 });
		const titles = await page.locator('#search-results li h2').allTextContents();
		t.check('search finds the restricted note by its title words',
			titles.some((x) => x.includes('missed contacts and an unseen partner')), titles.join('\n'));
		await page.locator('#search-results li h2 a').first().click();
		await shown(page);
		t.check('a search result opens inside the shell', (await page.url()).includes('#/documents/'));
		// Searching again runs the page's script, not the engine's again.
		const again = [];
		const onRequest = (r) => again.push(r.url());
		page.on('request', onRequest);
		await page.evaluate(() => { location.hash = '#/search.html?q=partner%20unseen'; });
		await shown(page, 'search.html');
		await page.waitForSelector('#search-results li', { timeout: 15000 });
		page.off('request', onRequest);
		t.eq('a second search loads the page script again and none of the engine scripts',
			['tokenizer', 'query', 'search', 'ui'].map((n) => again.filter((u) => u.endsWith(`/search/${n}.js`)).length), [0, 0, 0, 1]);

		// A reload in the same tab stays unlocked.
		await page.reload();
		await shown(page);
		t.check('a reload stays unlocked in this tab', !(await page.isVisible('#lock-pass')));
		const stores = await page.evaluate(async () => ({
			local: localStorage.length,
			cookies: document.cookie,
			idb: indexedDB.databases ? (await indexedDB.databases()).length : 0,
			session: sessionStorage.length,
		}));
		t.eq('the key is in sessionStorage only (no localStorage, IndexedDB or cookies)', stores,
			{ local: 0, cookies: '', idb: 0, session: 1 });

		await page.click('#lock-now');
		await page.waitForSelector('#lock-pass');
		t.eq('Lock forgets the key', await page.evaluate(() => sessionStorage.length), 0);
		await page.reload();
		t.check('after Lock, a reload asks again', await page.isVisible('#lock-pass'));

		// A changed file and a truncated file: an error, none of the content.
		// The home page's file is named as generator/seal.h says, worked out
		// here with Node's own crypto.
		const crypto = require('crypto');
		const lockp = JSON.parse(/var CB_LOCK = (\{.*?\});/.exec(fs.readFileSync(path.join(out, 'index.html'), 'utf8'))[1]);
		const dk = crypto.pbkdf2Sync(PASSPHRASE, Buffer.from(lockp.salt, 'base64'), lockp.iterations, 64, 'sha256');
		const homeFile = crypto.createHmac('sha256', dk.subarray(32)).update(Buffer.from('casebook-name\0index.html'))
			.digest('hex').slice(0, 32) + '.js';
		await unlock(page, PASSPHRASE);
		await shown(page, 'index.html');
		t.check('the home page comes from the file named as the format says',
			fs.existsSync(path.join(out, 'e', homeFile)));
		const hp = path.join(out, 'e', homeFile);
		const good = fs.readFileSync(hp, 'utf8');
		const i = good.length >> 1;
		fs.writeFileSync(hp, good.slice(0, i) + (good[i] === 'A' ? 'B' : 'A') + good.slice(i + 1));
		await page.evaluate(() => { location.hash = '#/whatsnew.html'; });
		await shown(page, 'whatsnew.html');
		await page.evaluate(() => { location.hash = '#/index.html'; });
		const bad = await shown(page, 'damaged');
		t.eq('a changed file shows an error', bad, { error: 'damaged' });
		t.check('  ... and nothing of its content', (await page.locator('main a').count()) === 1);
		fs.writeFileSync(hp, good.slice(0, good.length >> 1));
		await page.evaluate(() => { location.hash = '#/whatsnew.html'; });
		await shown(page, 'whatsnew.html');
		await page.evaluate(() => { location.hash = '#/index.html'; });
		t.eq('a truncated file shows an error', await shown(page, 'damaged'), { error: 'damaged' });
		fs.writeFileSync(hp, good);
		t.eq('no page error in the shell', errors.filter((e) => !/SyntaxError/.test(e)), []);
		t.eq('no request left the copy', b.requests.filter((u) => !u.startsWith(b.allowed)), []);
	} finally {
		await b.close();
		fs.rmSync(work, { recursive: true, force: true });
	}
	t.finish('browser encrypt');
}

main().catch((e) => {
	t.notOk('encrypt test crashed', e.stack);
	t.finish('browser encrypt');
});
