// The Nu HTML Checker (npm vnu-jar, run with Java) over every generated
// .html page of the demo site in one run: zero errors. A page with a known
// mistake is checked too, so the test is seen to catch one.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const t = require('./lib');
const { demoSite, htmlFiles } = require('./pages');

const VNU = require.resolve('vnu-jar/build/dist/vnu.jar');

// Runs the checker on files; returns its messages of type "error".
function vnu(files) {
	const r = spawnSync('java', ['-jar', VNU, '--errors-only', '--format', 'json', ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
	if (r.error)
		throw r.error;
	// The report goes to stderr as one JSON object.
	const report = JSON.parse(r.stderr || '{"messages":[]}');
	return report.messages.filter((m) => m.type === 'error' || m.subType === 'fatal');
}

function main() {
	const site = demoSite('cb-vnu-');
	try {
		const files = htmlFiles(site.out);
		t.check('the demo site has every page kind (' + files.length + ' pages)', files.length >= 60 &&
			['index.html', 'whatsnew.html', 'accessibility.html', 'types/index.html', 'areas/index.html',
				'audiences/index.html', '404.html', 'search.html', 'glossary.html'].every((f) => files.includes(f)), files.join(' '));
		const errors = vnu(files.map((f) => path.join(site.out, f)));
		t.check('Nu HTML Checker: no errors in ' + files.length + ' pages', errors.length === 0,
			errors.slice(0, 20).map((m) => m.url.replace('file:' + site.out + '/', '') + ':' + m.lastLine + ': ' + m.message).join('\n'));
		// The checker is really looking: a duplicate id and a stray end tag are reported.
		const bad = path.join(site.work, 'bad.html');
		fs.writeFileSync(bad, '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><p id="a">x</p><p id="a">y</div></body></html>');
		const found = vnu([bad]);
		t.check('Nu HTML Checker reports the mistakes of a broken page', found.length >= 2, JSON.stringify(found));
	} catch (e) {
		t.notOk('validate test ran to the end', e.stack);
	} finally {
		fs.rmSync(site.work, { recursive: true, force: true });
	}
	t.finish('browser/validate');
}

main();
