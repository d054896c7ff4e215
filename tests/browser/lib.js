// Shared helpers for the browser tests: a tiny test runner that prints
// "ok - …" / "not ok - …" lines and a closing "NAME: N passed, M failed",
// Debian's Chromium launched headless through playwright-core with a fresh
// profile, and the casebook command line.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const CASEBOOK = path.join(ROOT, 'casebook');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let passed = 0;
let failed = 0;

function ok(name) {
	passed++;
	console.log('ok - ' + name);
}

function notOk(name, detail) {
	failed++;
	console.log('not ok - ' + name);
	if (detail)
		console.log(String(detail).split('\n').slice(0, 40).map((l) => '    ' + l).join('\n'));
}

function check(name, cond, detail) {
	if (cond)
		ok(name);
	else
		notOk(name, detail);
}

function eq(name, got, want) {
	const g = JSON.stringify(got), w = JSON.stringify(want);
	if (g === w)
		ok(name);
	else
		notOk(name, 'expected: ' + w + '\ngot:      ' + g);
}

function finish(suite) {
	console.log(suite + ': ' + passed + ' passed, ' + failed + ' failed');
	process.exitCode = failed ? 1 : 0;
}

function tmpdir(prefix) {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Runs casebook; returns {code, stdout, stderr}.
function casebook(args, opts) {
	const r = spawnSync(CASEBOOK, args, Object.assign({ encoding: 'utf8', env: Object.assign({}, process.env, { NO_COLOR: '1' }) }, opts || {}));
	return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A search result as one string: a document's source path, or for a
// learning point the path, its heading's anchor and its number there
// (content/a.md#key-learning/2).
function resultKey(kind, path, anchor, point) {
	return kind === 'point' ? path + '#' + anchor + '/' + point : path;
}

// The top results of `casebook search --json` (see resultKey).
function cliTop(db, query, limit, extra) {
	const r = casebook(['search', '--db', db, '--json', '--limit', String(limit || 5)].concat(extra || []).concat(['--', query]));
	if (r.code === 2)
		throw new Error('casebook search failed for ' + query + ': ' + r.stderr);
	return JSON.parse(r.stdout).results.map((x) => resultKey(x.kind, x.path, x.anchor, x.point));
}

// Builds a repository into a fresh folder; returns the folder.
function build(repo, out) {
	execFileSync(CASEBOOK, ['build', '-q', '--repo', repo, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
	return out;
}

// Launches Chromium headless with a fresh profile. Every request is
// recorded; any that is not a file inside allowDir is aborted. With
// { intercept: false } (the benchmark's) requests are only watched and
// recorded, not routed through playwright (which holds each one up until
// node answers it), and none is aborted.
async function launch(allowDir, opts) {
	const { chromium } = require('playwright-core');
	const profile = tmpdir('cb-profile-');
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
			'--no-first-run', '--allow-file-access-from-files'],
	});
	const requests = [];
	const allowed = 'file://' + fs.realpathSync(allowDir) + '/';
	if (opts && opts.intercept === false) {
		context.on('request', (request) => requests.push(request.url()));
	} else {
		await context.route('**/*', (route) => {
			const url = route.request().url();
			requests.push(url);
			if (url.startsWith(allowed))
				route.continue();
			else
				route.abort();
		});
	}
	return {
		context,
		requests,
		allowed,
		async close() {
			await context.close();
			fs.rmSync(profile, { recursive: true, force: true });
		},
	};
}

module.exports = { ROOT, CASEBOOK, ok, notOk, check, eq, finish, tmpdir, casebook, resultKey, cliTop, build, launch };
