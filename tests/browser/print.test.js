// Printing: every 7-minute briefing of the demo prints on exactly one A4
// page (Chromium's PDF, pages counted by pdfinfo); print styles hide the
// navigation and search, print link addresses after outside links, and
// show the publication and review-by dates and "Uncontrolled when printed".
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const t = require('./lib');
const { demoSite, htmlFiles } = require('./pages');

function pdfPages(file) {
	const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
	const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
	return { pages: Number(/Pages:\s+(\d+)/.exec(info)[1]), size: size ? [Math.round(size[1]), Math.round(size[2])] : null };
}

async function main() {
	const site = demoSite('cb-print-');
	const b = await t.launch(site.work);
	try {
		const page = await b.context.newPage();
		const briefings = htmlFiles(site.out).filter((f) => f.startsWith('documents/') &&
			/<body class="[^"]*\bseven-minute-briefing\b/.test(fs.readFileSync(path.join(site.out, f), 'utf8')));
		t.check('the demo has 7-minute briefings (' + briefings.length + ')', briefings.length >= 4, briefings.join(' '));
		for (const rel of briefings) {
			await page.goto(site.url(rel));
			await page.emulateMedia({ media: 'print' });
			const pdf = path.join(site.work, path.basename(rel, '.html') + '.pdf');
			await page.pdf({ path: pdf, format: 'A4', preferCSSPageSize: true });
			const r = pdfPages(pdf);
			t.eq(`${rel} prints on one A4 page`, r, { pages: 1, size: [595, 842] });
		}
		// What printing shows and hides, on a briefing and on a review.
		for (const rel of [briefings[0], 'documents/reviews-lcspr-child-a-2023.html', 'index.html']) {
			await page.emulateMedia({ media: 'screen' });
			await page.goto(site.url(rel));
			await page.emulateMedia({ media: 'print' });
			const s = await page.evaluate(() => {
				const shown = (sel) => { const e = document.querySelector(sel); return !!e && getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0; };
				const ext = document.querySelector('main a[href^="http"]');
				const text = document.body.innerText;
				return {
					nav: shown('.site-nav'), search: shown('.site-header__search'), skip: shown('.skip-link'),
					uncontrolled: /Uncontrolled when printed/.test(text),
					linkAddress: ext ? getComputedStyle(ext, '::after').content.includes(ext.getAttribute('href')) : null,
					published: /Published|First published/.test(text),
					reviewBy: /Review by/.test(text),
					hasReviewBy: !!document.querySelector('time[datetime]') && /Review by/.test(document.documentElement.outerHTML),
				};
			});
			t.eq(`${rel}: navigation, search and skip link hidden in print`, [s.nav, s.search, s.skip], [false, false, false]);
			t.check(`${rel}: "Uncontrolled when printed" shown in print`, s.uncontrolled);
			if (rel.startsWith('documents/')) {
				t.eq(`${rel}: address printed after an outside link`, s.linkAddress, true);
				t.check(`${rel}: publication date printed`, s.published);
				t.eq(`${rel}: review-by date printed when it has one`, s.reviewBy, s.hasReviewBy);
			}
		}
		// The screen shows none of the print-only lines.
		await page.emulateMedia({ media: 'screen' });
		await page.goto(site.url(briefings[0]));
		const onScreen = await page.evaluate(() => /Uncontrolled when printed/.test(document.body.innerText));
		t.eq('"Uncontrolled when printed" is not shown on screen', onScreen, false);
	} catch (e) {
		t.notOk('print test ran to the end', e.stack);
	} finally {
		await b.close();
		fs.rmSync(site.work, { recursive: true, force: true });
	}
	t.finish('browser/print');
}

main();
