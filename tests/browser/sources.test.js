// Partner repositories in the browser's search: a hub with no documents of
// its own builds two fictional partnerships' repositories (one with a
// label, one without), and each search result names the partnership its
// document comes from — the label, else the source's area — as the lists
// of documents do.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const t = require('./lib');

const GIT_ENV = Object.assign({}, process.env, {
	GIT_AUTHOR_NAME: 'Lead', GIT_AUTHOR_EMAIL: 'lead@example.org',
	GIT_COMMITTER_NAME: 'Lead', GIT_COMMITTER_EMAIL: 'lead@example.org',
	GIT_AUTHOR_DATE: '2024-01-15T10:00:00Z', GIT_COMMITTER_DATE: '2024-01-15T10:00:00Z',
});

function git(dir, args) {
	execFileSync('git', ['-C', dir].concat(args), { env: GIT_ENV, stdio: 'ignore' });
}

// A partnership's repository with one briefing.
function partner(dir, name) {
	fs.mkdirSync(path.join(dir, 'content'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'content', 'lantern.md'),
		`---\ntitle: "Lantern visits in ${name}"\ntype: briefing\ndate: 2024-01-10\n---\n\n` +
		`Practitioners in ${name} missed the lantern visits the family needed.\n`);
	git(dir, ['init', '-q']);
	git(dir, ['add', '-A']);
	git(dir, ['commit', '-q', '-m', 'Learning']);
}

async function main() {
	const work = t.tmpdir('cb-sources-');
	partner(path.join(work, 'walsby'), 'Walsby');
	partner(path.join(work, 'orrin'), 'Orrin');
	const hub = path.join(work, 'hub');
	fs.mkdirSync(hub);
	fs.writeFileSync(path.join(hub, 'casebook.yml'), 'title: Regional learning\nsources:\n' +
		'  - name: walsby\n    label: Walsby Safeguarding Partnership\n    area: Walsby\n    url: ../walsby\n' +
		'  - name: orrin\n    area: Orrin\n    url: ../orrin\n');
	git(hub, ['init', '-q']);
	git(hub, ['add', '-A']);
	git(hub, ['commit', '-q', '-m', 'Hub']);
	const f = t.casebook(['fetch', '-q', '--repo', hub]);
	t.eq('the hub fetches its partners', f.code, 0);
	git(hub, ['add', 'casebook.lock']);
	git(hub, ['commit', '-q', '-m', 'Pins']);
	const out = t.build(hub, path.join(work, 'site'));

	const b = await t.launch(work);
	try {
		const page = await b.context.newPage();
		await page.goto(require('url').pathToFileURL(path.join(out, 'search.html')).href + '?q=lantern');
		await page.waitForSelector('#search-results li', { timeout: 10000 });
		const rows = await page.$$eval('#search-results li', (ls) => ls.map((l) => [
			l.querySelector('h2 a').textContent, l.querySelector('.search-result__meta').textContent]));
		const meta = (title) => (rows.find((r) => r[0] === title) || [null, ''])[1];
		t.eq('both partners\' documents are found', rows.length, 2);
		t.check('a labelled partnership is named on its result', meta('Lantern visits in Walsby').endsWith(' · Walsby Safeguarding Partnership'), JSON.stringify(rows));
		t.check('one with no label is named by its area', meta('Lantern visits in Orrin').endsWith(' · Orrin'), JSON.stringify(rows));
	} finally {
		await b.close();
		fs.rmSync(work, { recursive: true, force: true });
	}
	t.finish('browser sources');
}

main().catch((e) => {
	t.notOk('browser sources test crashed', e.stack);
	t.finish('browser sources');
});
