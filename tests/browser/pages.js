// The demo site built once for a test file, and the pages that stand for
// every page kind of it (used by the accessibility, offline and keyboard
// tests). Paths are relative to the site's root.
'use strict';
const fs = require('fs');
const path = require('path');
const t = require('./lib');

function demoSite(prefix) {
	const work = t.tmpdir(prefix || 'cb-theme-');
	const out = t.build(t.ROOT, path.join(work, 'demo'));
	return { work, out: fs.realpathSync(out), url: (p) => 'file://' + fs.realpathSync(out) + '/' + p };
}

// Every page kind of the demo: name -> path.
const KINDS = {
	'home': 'index.html',
	'document (case review)': 'documents/reviews-lcspr-child-a-2023.html',
	'document (7-minute briefing)': 'documents/briefings-7mb-was-not-brought.html',
	'document (action plan)': 'documents/action-plans-cqc-lac-health-action-plan.html',
	'theme': 'themes/was-not-brought.html',
	'themes index': 'themes/index.html',
	'type listing': 'types/seven-minute-briefing.html',
	'types index': 'types/index.html',
	'area listing': 'areas/harrowdene.html',
	'areas index': 'areas/index.html',
	'audience listing': 'audiences/gp.html',
	'audiences index': 'audiences/index.html',
	"what's new": 'whatsnew.html',
	'glossary': 'glossary.html',
	'actions': 'actions.html',
	'learning': 'learning/index.html',
	'search (with results)': 'search.html?q=bruising',
	'accessibility statement': 'accessibility.html',
	'404': '404.html',
	'thematic analysis': 'analysis/index.html',
	'thematic analysis (an area)': 'analysis/harrowdene.html',
};

// Every .html file of a site, relative to its root, sorted.
function htmlFiles(root) {
	const out = [];
	(function walk(dir) {
		for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
			const p = path.join(dir, e.name);
			if (e.isDirectory())
				walk(p);
			else if (e.name.endsWith('.html'))
				out.push(path.relative(root, p));
		}
	})(root);
	return out.sort();
}

// Waits until a search page has shown its results (other pages: at once).
async function settle(page, rel) {
	if (rel.startsWith('search.html?q='))
		await page.waitForSelector('#search-results li', { timeout: 10000 });
}

module.exports = { demoSite, KINDS, htmlFiles, settle };
