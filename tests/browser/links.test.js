// A crawler over the demo site's files (Node, no network): every internal
// link and asset of every page resolves to a file of the site, and every
// #fragment to an id on its page; links are relative and name a file
// (never "/x" or "x/"); nothing is loaded from outside the site; and every
// page is reachable from the home page (except the 404 page).
'use strict';
const fs = require('fs');
const path = require('path');
const t = require('./lib');
const { demoSite, htmlFiles } = require('./pages');

function decode(s) {
	return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

// The links of an HTML page: [{attr, tag, value}].
function linksOf(html) {
	const out = [];
	let m;
	// A tag may have both; scan every attribute of every tag.
	const tagRe = /<([a-zA-Z]+)\b([^>]*)>/g;
	while ((m = tagRe.exec(html))) {
		const attrRe = /\s(href|src)="([^"]*)"/g;
		let a;
		while ((a = attrRe.exec(m[2])))
			out.push({ tag: m[1].toLowerCase(), attr: a[1], value: decode(a[2]) });
	}
	return out;
}

function idsOf(html) {
	const ids = new Set();
	const re = /\sid="([^"]*)"/g;
	let m;
	while ((m = re.exec(html)))
		ids.add(decode(m[1]));
	return ids;
}

function main() {
	const site = demoSite('cb-links-');
	try {
		const root = site.out;
		const pages = htmlFiles(root);
		const cache = new Map();
		const read = (rel) => {
			if (!cache.has(rel))
				cache.set(rel, fs.readFileSync(path.join(root, rel), 'utf8'));
			return cache.get(rel);
		};
		const broken = [], notRelative = [], outside = [], reached = new Set(['index.html']);
		let checked = 0, external = 0;
		for (const rel of pages) {
			for (const l of linksOf(read(rel))) {
				const v = l.value;
				if (/^(https?|mailto):/i.test(v)) {
					// Outside links are allowed only as links people follow, never loaded.
					if (l.tag !== 'a')
						outside.push(rel + ': <' + l.tag + ' ' + l.attr + '="' + v + '">');
					external++;
					continue;
				}
				if (/^[a-z][a-z0-9+.-]*:/i.test(v) || v.startsWith('/') || v.startsWith('//')) {
					notRelative.push(rel + ': ' + v);
					continue;
				}
				const [pathPart, frag] = v.split('#');
				const file = pathPart.split('?')[0];
				if (file && (file.endsWith('/') || !/\.[a-z]+$/.test(file)))
					notRelative.push(rel + ': ' + v + ' (does not name a file)');
				const target = file ? path.normalize(path.join(path.dirname(rel), file)) : rel;
				checked++;
				if (target.startsWith('..') || !fs.existsSync(path.join(root, target)) || !fs.statSync(path.join(root, target)).isFile()) {
					broken.push(rel + ': ' + v);
					continue;
				}
				if (target.endsWith('.html'))
					reached.add(target);
				if (frag && target.endsWith('.html') && !idsOf(read(target)).has(decodeURIComponent(frag)))
					broken.push(rel + ': ' + v + ' (no id "' + frag + '")');
			}
		}
		t.check(`every internal link and asset resolves (${checked} checked in ${pages.length} pages)`, broken.length === 0 && checked > 1000, broken.slice(0, 30).join('\n'));
		t.eq('links are relative and name a file', notRelative.slice(0, 20), []);
		t.eq('nothing is loaded from outside the site', outside, []);
		t.check('outside links exist only as links to full reports (' + external + ')', external > 0);
		// Reachability: follow links from the home page only.
		const seen = new Set(['index.html']);
		const queue = ['index.html'];
		while (queue.length) {
			const rel = queue.shift();
			for (const l of linksOf(read(rel))) {
				if (/^[a-z][a-z0-9+.-]*:/i.test(l.value) || l.value.startsWith('#'))
					continue;
				const file = l.value.split('#')[0].split('?')[0];
				const target = path.normalize(path.join(path.dirname(rel), file));
				if (target.endsWith('.html') && !seen.has(target) && fs.existsSync(path.join(root, target))) {
					seen.add(target);
					queue.push(target);
				}
			}
		}
		const orphans = pages.filter((p) => !seen.has(p) && p !== '404.html');
		t.eq('every page is reachable from the home page', orphans, []);
		// The crawler is really looking: a broken link in a copy of a page is found.
		const probe = path.join(root, 'probe.html');
		fs.writeFileSync(probe, '<a href="documents/no-such-page.html">x</a><img src="assets/none.png" alt="">');
		const missing = linksOf(fs.readFileSync(probe, 'utf8')).filter((l) => !fs.existsSync(path.join(root, l.value)));
		t.eq('a missing page and a missing image are detected', missing.length, 2);
	} catch (e) {
		t.notOk('links test ran to the end', e.stack);
	} finally {
		fs.rmSync(site.work, { recursive: true, force: true });
	}
	t.finish('browser/links');
}

main();
