// Browser search (search.html from file://) in Debian's Chromium: typing,
// results, highlighting, synonyms, filters, keyboard use, the address, the
// search box on every page, escaping, which files load; and the one-ranking
// check: the browser's top five equal `casebook search --json`'s (over the
// build's .casebook/search-public.db) for many queries over the demo site
// and over a 1,000-document synthetic corpus.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const t = require('./lib');

const work = t.tmpdir('cb-browser-');
const demo = t.build(t.ROOT, path.join(work, 'demo'));
// What `casebook search` reads: the build's database in the repository's
// private folder (the output holds none).
const demoDb = path.join(t.ROOT, '.casebook', 'search-public.db');

// Queries over the demo site: words, stems, phrases, prefixes, exclusions,
// OR, synonyms (one word, several words, quoted), odd spacing and case.
const DEMO_QUERIES = [
	'missed appointments', 'DNA', 'WNB', 'did not attend', '"did not attend"', 'NAI', 'bruising',
	'bruise OR bruising', 'safer sleep', 'co-sleeping', 'safeguard*', 'neglect', 'neglect -audit',
	'information sharing', '"information sharing" -GP', 'professional curiosity', 'escalation',
	'father*', 'hidden men', 'child death', 'supervision', 'voice of the child', 'exploitation',
	'county lines', 'MASH', 'strategy discussion', 'health visitor', 'school nurse', 'consent',
	'  Missed   APPOINTMENT  ', 'sudi', 'perplexing presentations', 'fabricated OR induced', 'learning*',
	'escalat*', 'investigat*', 'communicat*', 'educat*', '"missed appoint"*', 'neglect -escalat*', 'vulnerab*',
];

// Queries whose best results include learning points: words of points,
// synonyms that find points through their own themes (ranked by the share
// of their document's points on the theme), phrases, prefixes, exclusions.
const POINT_QUERIES = [
	'toolkit', 'neglect toolkit', 'DNA', 'WNB', 'NAI', 'SUDI', 'co-sleeping', 'missed appointments',
	'"lead professional"', 'escal*', 'neglect -drift', 'GP', 'health visitor', 'hidden men',
	'supervision', 'bed sharing', 'father*',
];

// The browser's top five, as t.resultKey makes them.
async function browserTop(page, query, filter) {
	return page.evaluate(([q, f]) => new Promise((resolve) => {
		CBS.search(q, f, (err, res) => {
			if (err)
				return resolve({ error: err.message });
			const hits = res.hits.slice(0, 5);
			CBS.details(hits, (e2, infos) => {
				resolve(e2 ? { error: e2.message } : infos.map((d, i) =>
					hits[i].kind === 'point' ? d.path + '#' + d.point.anchor + '/' + (hits[i].k + 1) : d.path));
			});
		});
	}), [query, filter || {}]);
}

// casebook search --json's answer, whole.
function cliJson(db, q, extra) {
	return JSON.parse(t.casebook(['search', '--db', db, '--json', '--limit', '100'].concat(extra || []).concat(['--', q])).stdout);
}

async function statusText(page) {
	await page.waitForFunction(() => {
		const s = document.getElementById('search-status');
		return s && s.textContent.length > 0;
	});
	return page.textContent('#search-status');
}

// Types a query into the search page's box (replacing what is there) and
// waits for the live region to report it.
async function typeQuery(page, q) {
	await page.fill('#search-q', '');
	await page.evaluate(() => {
		document.getElementById('search-status').textContent = '';
		window.CBS_LAST = null;
	});
	await page.focus('#search-q');
	await page.keyboard.type(q);
	// Results appear while typing; wait for the answer to the whole query.
	await page.waitForFunction((want) => window.CBS_LAST && window.CBS_LAST.q === want && window.CBS_LAST.full >= 0, q);
	return page.textContent('#search-status');
}

async function main() {
	const b = await t.launch(work);
	try {
		const page = await b.context.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));
		const searchUrl = 'file://' + fs.realpathSync(demo) + '/search.html';
		await page.goto(searchUrl);

		// Typing shows results with highlighting, and the address follows.
		let st = await typeQuery(page, 'missed appointments');
		const missed = cliJson(demoDb, 'missed appointments');
		t.eq('results appear as you type, with the count announced', st, missed.total + ' results for “missed appointments”.');
		const hrefs = await page.$$eval('#search-results li h2 a', (as) => as.map((a) => a.getAttribute('href')));
		t.eq('the results link to the document pages, and points to their sections, best first', hrefs,
			missed.results.slice(0, 10).map((r) => r.url));
		t.check('learning points are among the results', missed.results.slice(0, 10).some((r) => r.kind === 'point'), JSON.stringify(missed.results.map((r) => r.kind)));
		const pointLi = await page.$$eval('#search-results li.search-result--point', (ls) => ls.map((l) => [l.querySelector('h2 a').getAttribute('href'), l.querySelector('.search-result__meta').textContent]));
		const firstPoint = missed.results.find((r) => r.kind === 'point');
		t.eq('a point result links to its section and names it', pointLi[0],
			[firstPoint.url, 'Learning point ' + firstPoint.heading + ' · ' + firstPoint.type_label + ' ' + pointLi[0][1].split(firstPoint.type_label + ' ')[1]]);
		const first = await page.$eval('#search-results li h2 a', (a) => a.textContent);
		const want = JSON.parse(t.casebook(['search', '--db', demoDb, '--json', 'missed appointments']).stdout).results[0].title;
		t.eq('the first result is the command line\'s first', first, want);
		const marks = await page.$$eval('#search-results li:first-child mark', (ms) => ms.map((m) => m.textContent.toLowerCase()));
		t.check('matched words are highlighted in the snippet', marks.length > 0 && marks.every((m) => /^(missed|missing|appointments?)$/.test(m)), JSON.stringify(marks));
		t.check('the query is kept in the address', page.url().endsWith('search.html?q=missed%20appointments'), page.url());
		const meta = await page.$eval('#search-results li:first-child .search-result__meta', (p) => p.textContent);
		t.check('each result shows its type and date', /7-minute briefing \d{1,2} \w+ \d{4}/.test(meta), meta);

		// The results show before the documents' texts load (one round of
		// loading after typing: the query's shards); their snippets come
		// when the texts are in. The texts' files are held back here.
		const page4 = await b.context.newPage();
		page4.on('pageerror', (e) => errors.push(e.message));
		const held = [];
		await page4.route(/\/search\/d-\d+\.js$/, (r) => held.push(r));
		await page4.goto(searchUrl);
		await page4.waitForFunction(() => document.getElementById('search-type').options.length > 1);
		await page4.fill('#search-q', 'missed appointments');
		await page4.waitForFunction(() => window.CBS_LAST && /results? for/.test(document.getElementById('search-status').textContent));
		const early = await page4.evaluate(() => ({
			hrefs: [...document.querySelectorAll('#search-results li h2 a')].map((a) => a.getAttribute('href')),
			snippets: [...document.querySelectorAll('#search-results .search-result__snippet')].map((p) => p.textContent),
			full: window.CBS_LAST.full,
		}));
		t.eq('the results (titles, links) are shown while the texts are still loading', [early.hrefs, early.full],
			[missed.results.slice(0, 10).map((r) => r.url), -1]);
		t.check('their snippets are not there yet', held.length > 0 && early.snippets.every((x) => x === ''), JSON.stringify([held.length, early.snippets]));
		held.forEach((r) => r.continue());
		await page4.waitForFunction(() => window.CBS_LAST.full >= 0);
		const late = await page4.$$eval('#search-results .search-result__snippet', (ps) => ps.map((p) => p.textContent));
		t.check('the snippets are filled in when the texts have loaded', late.length === early.snippets.length && late.every((x) => x.length > 0), JSON.stringify(late));
		await page4.close();

		// Synonyms: the theme that matched is shown.
		st = await typeQuery(page, 'DNA');
		const themes = await page.$$eval('#search-results .search-result__theme', (ps) => ps.map((p) => p.textContent));
		const dna = cliJson(demoDb, 'DNA');
		t.check('a synonym finds its theme, and says so', themes.length === Math.min(10, dna.total) && themes.every((x) => x === 'Theme: Was not brought (matched “DNA”)'), JSON.stringify(themes));
		const snips = await page.$$eval('#search-results .search-result__snippet', (ps) => ps.map((p) => p.textContent));
		t.eq('a match through a synonym shows words from the text, as the command line does', snips[1], dna.results[1].text);

		// Filters, compared with the command line's.
		await typeQuery(page, 'child');
		await page.evaluate(() => { document.getElementById('search-status').textContent = ''; });
		await page.selectOption('#search-type', 'audit');
		await statusText(page);
		const typeTags = await page.$$eval('#search-results .tag--type', (s) => s.map((x) => x.textContent));
		const cliAudits = t.cliTop(demoDb, 'child', 50, ['--type', 'audit']);
		t.check('the type filter keeps only that type', typeTags.length === Math.min(10, cliAudits.length) && typeTags.every((x) => x === 'Audit'), JSON.stringify(typeTags));
		t.check('the filter is kept in the address', page.url().includes('type=audit'), page.url());
		await page.evaluate(() => { document.getElementById('search-status').textContent = ''; });
		await page.selectOption('#search-type', '');
		await page.selectOption('#search-theme', 'was-not-brought');
		await statusText(page);
		const themed = await page.$$eval('#search-results li h2 a', (as) => as.length);
		t.eq('the theme filter matches the command line', themed, Math.min(10, t.cliTop(demoDb, 'child', 50, ['--theme', 'was-not-brought']).length));
		await page.selectOption('#search-theme', '');

		// Malformed queries and no hits: a plain message, no error.
		st = await typeQuery(page, '"did not');
		t.eq('an unclosed quote is explained', st, 'This search cannot be read: the quote at column 1 is never closed: add a closing " after the phrase, or remove the quote.');
		st = await typeQuery(page, 'zzqqxx');
		t.eq('no hits says so', st, 'No results for “zzqqxx”.');
		st = await typeQuery(page, 'neglect OR');
		t.check('OR at the end is explained', st.startsWith('This search cannot be read: OR at column 9 needs a word'), st);

		// The browser explains a malformed query in the command line's words.
		for (const bad of ['"did not', 'neglect - audit', 'OR neglect', 'neglect OR OR abuse', 'neglect OR -audit', '-audit', 'safe*guard', '!!!']) {
			const cliMsg = t.casebook(['search', '--db', demoDb, '--', bad]).stderr.trim().replace(/^casebook search: /, '');
			st = await typeQuery(page, bad);
			t.eq('the browser and the command line explain ' + JSON.stringify(bad) + ' alike', st, 'This search cannot be read: ' + cliMsg + '.');
		}

		// A search of thousands of words is refused at once, in the command
		// line's words (its cap, CB_QUERY_MAX_WORDS), and the page goes on
		// working; a search at the cap is still run.
		const many = Array(5000).fill('neglect').join(' ');
		const cliMany = t.casebook(['search', '--db', demoDb, '--', many]).stderr.trim().replace(/^casebook search: /, '');
		t.check('the command line refuses 5,000 words', /more than 64 words/.test(cliMany), cliMany);
		const direct = await page.evaluate((q) => new Promise((resolve) => {
			CBS.search(q, {}, (err, res) => resolve(err ? { error: err.message } : { total: res.total }));
		}), many);
		t.eq('the browser refuses 5,000 words as the command line does', direct, { error: cliMany });
		await page.fill('#search-q', many);
		await page.evaluate(() => { window.CBS_LAST = null; });
		await page.dispatchEvent('#search-q', 'input');
		await page.waitForFunction((n) => window.CBS_LAST && window.CBS_LAST.q.length === n, many.length);
		st = await page.textContent('#search-status');
		t.eq('the search page explains a 5,000-word search', st, 'This search cannot be read: ' + cliMany + '.');
		const atCap = Array(64).fill('neglect').join(' ');
		const capped = await page.evaluate((q) => new Promise((resolve) => {
			CBS.search(q, {}, (err, res) => resolve(err ? { error: err.message } : { total: res.total }));
		}), atCap);
		t.eq('a search of 64 words is run, with the command line\'s count', capped, { total: t.cliTop(demoDb, atCap, 1000).length });

		// Escaping: markup in a query stays text.
		st = await typeQuery(page, '<img src=x onerror=alert(1)>');
		const imgs = await page.$$eval('main img', (x) => x.length);
		t.check('a query with markup is shown as text, never as HTML', imgs === 0 && st.includes('<img src=x onerror=alert(1)>'), st);

		// Keyboard: from the box, Tab reaches the filters, the button and the results.
		await typeQuery(page, 'safer sleep');
		await page.focus('#search-q');
		const order = [];
		for (let i = 0; i < 4; i++) {
			await page.keyboard.press('Tab');
			order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.tagName + ':' + document.activeElement.textContent));
		}
		const firstTitle = await page.$eval('#search-results li h2 a', (a) => a.textContent);
		t.eq('Tab moves through the filters, the button and then the results', order, ['search-theme', 'search-type', 'BUTTON:Search', 'A:' + firstTitle]);
		await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
		t.check('Enter on a result opens the document', page.url().includes('/documents/') && (await page.title()).startsWith(firstTitle), page.url());

		// A bookmarked search opens with its results and filters.
		await page.goto(searchUrl + '?q=NAI&type=seven-minute-briefing');
		st = await statusText(page);
		const nai = cliJson(demoDb, 'NAI', ['--type', 'seven-minute-briefing']).total;
		t.eq('a bookmarked search shows its results', st, nai + (nai === 1 ? ' result' : ' results') + ' for “NAI”.');
		t.eq('the bookmarked filter is selected', await page.$eval('#search-type', (s) => s.value), 'seven-minute-briefing');
		t.eq('the bookmarked query is in the box', await page.$eval('#search-q', (s) => s.value), 'NAI');

		// The search box on every page.
		await page.goto('file://' + fs.realpathSync(demo) + '/index.html');
		await page.fill('#site-search-q', 'safer sleep');
		await Promise.all([page.waitForNavigation(), page.press('#site-search-q', 'Enter')]);
		st = await statusText(page);
		t.check('the header search box opens the search page with results', /search\.html\?q=safer(\+|%20)sleep$/.test(page.url()) && /results? for “safer sleep”/.test(st), page.url() + ' ' + st);

		// One ranking: the browser's top five are the command line's.
		let same = 0;
		const diffs = [];
		for (const q of DEMO_QUERIES) {
			const got = await browserTop(page, q);
			const exp = t.cliTop(demoDb, q, 5);
			if (JSON.stringify(got) === JSON.stringify(exp))
				same++;
			else
				diffs.push(q + '\n  cli:     ' + exp.join(' ') + '\n  browser: ' + JSON.stringify(got));
		}
		t.check('demo site: browser and casebook search agree on the top 5 for all ' + DEMO_QUERIES.length + ' queries', same === DEMO_QUERIES.length, diffs.join('\n'));

		// A prefix cut inside a word's suffix finds what the whole word's
		// stem finds: escalat* (stem "escalat") matches escalation ("escal").
		const counts = await page.evaluate((qs) => Promise.all(qs.map((q) => new Promise((resolve) => {
			CBS.search(q, {}, (err, res) => resolve(err ? -1 : res.total));
		}))), ['escalat*', 'escal*']);
		t.check('escalat* finds in the browser what escal* finds', counts[0] > 0 && counts[0] === counts[1], JSON.stringify(counts));

		// Learning points: each query's top five holds points, and the
		// browser ranks them as the command line does.
		same = 0;
		diffs.length = 0;
		for (const q of POINT_QUERIES) {
			const got = await browserTop(page, q);
			const exp = t.cliTop(demoDb, q, 5);
			if (JSON.stringify(got) === JSON.stringify(exp) && exp.some((k) => k.includes('#')))
				same++;
			else
				diffs.push(q + '\n  cli:     ' + exp.join(' ') + '\n  browser: ' + JSON.stringify(got));
		}
		t.check('learning points: browser and casebook search agree on the top 5 for all ' + POINT_QUERIES.length + ' queries', same === POINT_QUERIES.length, diffs.join('\n'));

		// The tokenizer: every word of the demo content (and some accented
		// ones) tokenizes in the browser exactly as SQLite's FTS5 does it.
		const words = wordsOf(path.join(t.ROOT, 'content')).concat(['café', 'naïve', 'Zoë', 'façade', 'Ångström', 'résumé', 'coöperate', 'CAFÉ', 'sleeping', 'agreed', 'happily', 'relational', 'conditional', 'generalization', 'hopefulness', 'formality', 'electrical', 'adjustment', 'controlling', 'rolling', 'filing', 'failing', 'hopping', 'sky', 'skies', 'ponies', 'caresses']);
		const sqlite = sqliteTokens(words);
		const js = await page.evaluate((ws) => ws.map((w) => CBS.tokenize(w).join(' ')), words);
		const bad = words.filter((w, i) => js[i] !== sqlite[i]).map((w) => w + ': sqlite "' + sqlite[words.indexOf(w)] + '" browser "' + js[words.indexOf(w)] + '"');
		t.check('the browser tokenizes all ' + words.length + ' words of the demo content as SQLite does', bad.length === 0, bad.slice(0, 20).join('\n'));

		t.eq('no script errors on the pages', errors, []);
		const outside = b.requests.filter((u) => !u.startsWith(b.allowed));
		t.eq('no request leaves the output folder', outside, []);

		// A 1,000-document corpus: consistency, and loading only what a query needs.
		const corpus = path.join(work, 'corpus');
		execFileSync('python3', [path.join(t.ROOT, '..', 'shared', 'bench', 'make-corpus.py'), corpus, '--docs', '1000', '--commits', '50'], { stdio: 'ignore' });
		const big = t.build(corpus, path.join(work, 'big'));
		const bigDb = path.join(corpus, '.casebook', 'search-public.db');
		const page2 = await b.context.newPage();
		page2.on('pageerror', (e) => errors.push(e.message));
		await page2.goto('file://' + fs.realpathSync(big) + '/search.html');
		await page2.waitForFunction(() => document.getElementById('search-type').options.length > 1);
		const BIG_QUERIES = ['missed appointments', 'bruising', 'MASH', 'CAMHS', 'DNA', 'was not brought', 'neglect -audit',
			'"discharge plan"', 'strategy discussion', 'escalat*', 'supervision', 'father*', 'GP OR police', 'school',
			'consent decision', 'the sibling', 'domestic abuse', '"repeated attendances"', 'weight loss', 'health assessment',
			'practitioners', 'emergency department', 'out-of-hours', 'learning disability', 'self-harm', 'housing'];
		same = 0;
		diffs.length = 0;
		for (const q of BIG_QUERIES) {
			const got = await browserTop(page2, q);
			const exp = t.cliTop(bigDb, q, 5);
			if (JSON.stringify(got) === JSON.stringify(exp))
				same++;
			else
				diffs.push(q + '\n  cli:     ' + exp.join(' ') + '\n  browser: ' + JSON.stringify(got));
		}
		t.check('1,000 documents: browser and casebook search agree on the top 5 for all ' + BIG_QUERIES.length + ' queries', same === BIG_QUERIES.length, diffs.join('\n'));
		const filtered = await browserTop(page2, 'child', { type: 'audit' });
		t.eq('1,000 documents: a type filter gives the same top 5', filtered, t.cliTop(bigDb, 'child', 5, ['--type', 'audit']));

		const page3 = await b.context.newPage();
		await page3.goto('file://' + fs.realpathSync(big) + '/search.html');
		await page3.waitForFunction(() => document.getElementById('search-type').options.length > 1);
		const before = b.requests.length;
		await page3.fill('#search-q', 'safeguarding');
		await page3.waitForFunction(() => /results? for/.test(document.getElementById('search-status').textContent));
		const loaded = b.requests.slice(before).filter((u) => /\/search\/t-\d+\.js$/.test(u));
		const nshards = fs.readdirSync(path.join(big, 'search')).filter((f) => /^t-\d+\.js$/.test(f)).length;
		t.check('a one-word query loads only its own shard (' + loaded.length + ' of ' + nshards + ')', loaded.length === 1 && nshards > 10, loaded.join(' '));
		t.eq('no request leaves the output folders', b.requests.filter((u) => !u.startsWith(b.allowed)), []);
		t.eq('no script errors on the 1,000-document site', errors, []);
	} finally {
		await b.close();
		fs.rmSync(work, { recursive: true, force: true });
	}
}

// The distinct words of the Markdown under dir.
function wordsOf(dir) {
	const seen = new Set();
	(function walk(d) {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory())
				walk(p);
			else if (/\.(md|yml)$/.test(e.name))
				for (const w of fs.readFileSync(p, 'utf8').split(/[\s"'()[\]{}<>,;:!?*_#|`=/\\]+/))
					if (w)
						seen.add(w);
		}
	})(dir);
	return Array.from(seen).sort();
}

// SQLite's own tokens for each word (python3's sqlite3 is Debian's SQLite).
function sqliteTokens(words) {
	const py = `
import json, sqlite3, sys
words = json.load(sys.stdin)
db = sqlite3.connect(':memory:')
db.execute("CREATE VIRTUAL TABLE f USING fts5(w, tokenize='porter unicode61 remove_diacritics 2')")
db.executemany('INSERT INTO f(rowid, w) VALUES(?, ?)', [(i + 1, w) for i, w in enumerate(words)])
db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, instance)")
out = [[] for _ in words]
for term, doc, col, off in db.execute('SELECT term, doc, col, offset FROM v'):
    out[doc - 1].append((off, term))
print(json.dumps([' '.join(t for _, t in sorted(x)) for x in out]))
`;
	return JSON.parse(execFileSync('python3', ['-c', py], { input: JSON.stringify(words), encoding: 'utf8', maxBuffer: 64 << 20 }));
}

main().catch((e) => {
	t.notOk('the browser tests ran to the end', e && e.stack);
}).finally(() => t.finish('browser'));
