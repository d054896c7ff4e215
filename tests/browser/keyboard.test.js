// Keyboard only: from the top of a page, Tab reaches the skip link first,
// then every link, the search box and (on search.html) the filters, in the
// order of the page; each one is visibly focused (its outline, shadow,
// colours or underline differ from when it is not focused). The skip link
// moves focus to the main content.
'use strict';
const fs = require('fs');
const t = require('./lib');
const { demoSite, KINDS, settle } = require('./pages');

const FOCUSABLE = 'a[href], input:not([type=hidden]), select, button, textarea, summary, [tabindex]:not([tabindex="-1"])';

// The look of an element: what changes when it is focused.
function lookOf(el) {
	const c = getComputedStyle(el);
	return [c.outlineStyle + ' ' + c.outlineWidth + ' ' + c.outlineColor, c.boxShadow, c.backgroundColor, c.color,
		c.textDecorationLine + ' ' + c.textDecorationThickness, c.borderColor].join(' | ');
}

async function main() {
	const site = demoSite('cb-keys-');
	const b = await t.launch(site.work);
	try {
		const page = await b.context.newPage();
		await page.setViewportSize({ width: 1280, height: 900 });
		const pages = ['index.html', KINDS['document (case review)'], KINDS['document (action plan)'], KINDS.theme, 'search.html?q=bruising', 'glossary.html', 'whatsnew.html'];
		for (const rel of pages) {
			await page.goto(site.url(rel));
			await settle(page, rel);
			// Every focusable, visible element in page order, and its unfocused look.
			const expected = await page.evaluate(([sel, lookSrc]) => {
				const look = new Function('return ' + lookSrc)();
				document.activeElement && document.activeElement.blur();
				const els = [...document.querySelectorAll(sel)].filter((e) => (e.checkVisibility({ visibilityProperty: true }) && e.getClientRects().length > 0) || e.classList.contains('skip-link'));
				return els.map((e, i) => { e.setAttribute('data-kb', String(i)); return { i, look: look(e), tag: e.tagName, text: (e.textContent || e.id || '').trim().slice(0, 40) }; });
			}, [FOCUSABLE, lookOf.toString()]);
			// Start from the top of the document.
			await page.evaluate(() => { window.scrollTo(0, 0); document.body.focus(); });
			const visited = [], unseen = [];
			for (let k = 0; k < expected.length; k++) {
				await page.keyboard.press('Tab');
				const f = await page.evaluate((lookSrc) => {
					const look = new Function('return ' + lookSrc)();
					const e = document.activeElement;
					return e ? { i: Number(e.getAttribute('data-kb')), look: look(e) } : null;
				}, lookOf.toString());
				if (!f || Number.isNaN(f.i))
					break;
				visited.push(f.i);
				if (f.look === expected[f.i].look)
					unseen.push(expected[f.i].tag + ' "' + expected[f.i].text + '"');
			}
			t.eq(`${rel}: the skip link is the first stop`, expected.length && visited[0] === 0 && expected[0].text, 'Skip to main content');
			t.eq(`${rel}: Tab reaches all ${expected.length} links and controls in page order`, visited, expected.map((e) => e.i));
			t.eq(`${rel}: every stop is visibly focused`, unseen, []);
			if (rel.startsWith('search.html')) {
				const kinds = expected.filter((e) => ['INPUT', 'SELECT'].includes(e.tag)).length;
				t.check(`${rel}: the search box and both filters are among the stops`, kinds >= 3);
			}
		}
		// The skip link takes focus to the main content.
		await page.goto(site.url('index.html'));
		await page.keyboard.press('Tab');
		await page.keyboard.press('Enter');
		t.eq('the skip link moves focus to main', await page.evaluate(() => document.activeElement.id), 'main');
		// The header search box, by keyboard, opens search.html with results.
		await page.goto(site.url('index.html'));
		await page.focus('#site-search-q');
		await page.keyboard.type('bruising');
		await page.keyboard.press('Enter');
		await page.waitForSelector('#search-results li', { timeout: 10000 });
		t.check('typing in the header search box and pressing Enter shows results', (await page.$$('#search-results li')).length > 0);
	} catch (e) {
		t.notOk('keyboard test ran to the end', e.stack);
	} finally {
		await b.close();
		fs.rmSync(site.work, { recursive: true, force: true });
	}
	t.finish('browser/keyboard');
}

main();
