// axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) on every page kind of
// the demo site, at 1280 and 320 px wide: zero violations. Also writes
// screenshots of the home, a document, a theme and the search page at 1280
// and 360 px into build/screenshots/ for people to look at.
'use strict';
const fs = require('fs');
const path = require('path');
const t = require('./lib');
const { demoSite, KINDS, settle } = require('./pages');

const AXE = require.resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SHOTS = path.join(t.ROOT, 'build', 'screenshots');

async function axe(page) {
	await page.addScriptTag({ path: AXE });
	return page.evaluate(async (tags) => {
		const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
		return r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help + '\n' +
			v.nodes.slice(0, 3).map((n) => '  ' + n.target.join(' ') + ' ' + n.failureSummary.replace(/\n/g, ' ')).join('\n'));
	}, TAGS);
}

async function main() {
	const site = demoSite('cb-a11y-');
	const b = await t.launch(site.work);
	try {
		const page = await b.context.newPage();
		for (const width of [1280, 320]) {
			await page.setViewportSize({ width, height: 900 });
			for (const [kind, rel] of Object.entries(KINDS)) {
				await page.goto(site.url(rel));
				await settle(page, rel);
				const v = await axe(page);
				t.check(`axe: ${kind} at ${width} px has no WCAG 2.2 A/AA violations`, v.length === 0, v.join('\n'));
				if (width === 320) {
					// Usable at 320 px: nothing wider than the window.
					const wide = await page.evaluate(() => document.documentElement.scrollWidth);
					t.check(`${kind} at 320 px needs no sideways scrolling (scroll width ${wide})`, wide <= 320);
					// A heatmap's labels and counts stay readable: drawn at no
					// less than 11 px, the picture scrolling sideways instead.
					const small = await page.evaluate(() => [...document.querySelectorAll('.heatmap__svg')].map((s) => {
						const scale = s.getBoundingClientRect().width / s.width.baseVal.value;
						return Math.min(...[...s.querySelectorAll('text')].map((x) => scale * parseFloat(getComputedStyle(x).fontSize)));
					}).filter((px) => px < 11));
					if (rel.startsWith('analysis/'))
						t.check(`${kind} at 320 px: heatmap text at 11 px or more (${small.map((px) => px.toFixed(1)).join(', ')})`, small.length === 0);
				}
			}
		}
		// Screenshots to look at (not compared).
		fs.mkdirSync(SHOTS, { recursive: true });
		const shots = { home: 'index.html', document: KINDS['document (case review)'], theme: KINDS.theme,
			search: KINDS['search (with results)'] };
		let n = 0;
		for (const width of [1280, 360]) {
			await page.setViewportSize({ width, height: 900 });
			for (const [name, rel] of Object.entries(shots)) {
				await page.goto(site.url(rel));
				await settle(page, rel);
				await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
				n++;
			}
		}
		t.eq('screenshots written to build/screenshots', fs.readdirSync(SHOTS).filter((f) => /-(1280|360)\.png$/.test(f)).length >= n, true);
	} catch (e) {
		t.notOk('a11y test ran to the end', e.stack);
	} finally {
		await b.close();
		fs.rmSync(site.work, { recursive: true, force: true });
	}
	t.finish('browser/a11y');
}

main();
