/*
 * casebook browser search: the search page (search.html). Results appear
 * as the user types; the query and filters are kept in the address
 * (?q=…&theme=…&type=…) so a search can be bookmarked and shared; the
 * number of results is announced through a live region. Everything from
 * the index is inserted as text (textContent), never as HTML.
 */
(function () {
	'use strict';
	var form = document.getElementById('search-form');
	if (!form || typeof CBS === 'undefined')
		return;
	var input = document.getElementById('search-q');
	var themeSel = document.getElementById('search-theme');
	var typeSel = document.getElementById('search-type');
	var status = document.getElementById('search-status');
	var list = document.getElementById('search-results');
	var moreWrap = document.getElementById('search-more-wrap');
	var moreBtn = document.getElementById('search-more');
	var PAGE = 10;
	var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
		'October', 'November', 'December'];
	var seq = 0, timer = null, current = null, shown = 0, started = 0, lastRun = 0;

	/* The index files live in search/ beside this page. */
	var here = document.currentScript && document.currentScript.src;
	if (here)
		CBS.setBase(here.replace(/[^/]*$/, ''));

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function dateLabel(d) {
		var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || '');
		return m ? +m[3] + ' ' + MONTHS[+m[2] - 1] + ' ' + m[1] : d || '';
	}

	function params() {
		var out = {q: '', theme: '', type: ''};
		/* In an encrypted copy the page is index.html#/search.html?q=…
		 * and search/lock.js keeps the query (window.CBLOCK). */
		var qs = window.CBLOCK ? window.CBLOCK.query() : location.search;
		(qs || '').replace(/^\?/, '').split('&').forEach(function (kv) {
			if (!kv)
				return;
			var i = kv.indexOf('='), k = decodeURIComponent((i < 0 ? kv : kv.slice(0, i)).replace(/\+/g, ' '));
			var v = i < 0 ? '' : decodeURIComponent(kv.slice(i + 1).replace(/\+/g, ' '));
			if (Object.prototype.hasOwnProperty.call(out, k))
				out[k] = v;
		});
		return out;
	}

	/* Keeps the search in the address without adding history entries. */
	function remember() {
		var parts = [];
		if (input.value)
			parts.push('q=' + encodeURIComponent(input.value));
		if (themeSel.value)
			parts.push('theme=' + encodeURIComponent(themeSel.value));
		if (typeSel.value)
			parts.push('type=' + encodeURIComponent(typeSel.value));
		if (window.CBLOCK)
			return window.CBLOCK.setQuery(parts.join('&'));
		var url = location.pathname + (parts.length ? '?' + parts.join('&') : '');
		try {
			history.replaceState(null, '', url);
		} catch (e) {
			/* Some browsers refuse this on file://; the search still works. */
		}
	}

	function setStatus(text) {
		status.textContent = text;
	}

	/* A result as it shows at once (info from CBS.summaries): its title,
	 * link, type, date, area and matched themes; the snippet comes with
	 * its text (fillSnippet). */
	function renderHit(h, info) {
		var li = el('li', 'search-result' + (info.point ? ' search-result--point' : ''));
		var h2 = el('h2', 'search-result__title');
		var a = el('a', null, info.title);
		a.href = info.point ? info.point.url : info.url;
		h2.appendChild(a);
		li.appendChild(h2);
		var meta = el('p', 'search-result__meta');
		if (info.point) {
			meta.appendChild(el('span', 'tag tag--point', 'Learning point'));
			meta.appendChild(document.createTextNode(' ' + info.point.heading + ' · '));
		}
		meta.appendChild(el('span', 'tag tag--type', info.typeLabel));
		meta.appendChild(document.createTextNode(' '));
		var t = el('time', null, dateLabel(info.date));
		t.setAttribute('datetime', info.date);
		meta.appendChild(t);
		/* As lists of documents do: a partner's document names its
		 * partnership where others name their area. */
		if (info.partnership || info.area)
			meta.appendChild(document.createTextNode(' · ' + (info.partnership || info.area)));
		li.appendChild(meta);
		h.themes.forEach(function (th) {
			li.appendChild(el('p', 'search-result__theme', 'Theme: ' + th.label + ' (matched “' + th.typed + '”)'));
		});
		li.appendChild(el('p', 'search-result__snippet'));
		return li;
	}

	/* Fills in a result's snippet once its text is loaded (info from
	 * CBS.details). A point shows its own words; a match only through a
	 * theme's synonym shows the point it was found by, as the command
	 * line. */
	function fillSnippet(li, q, info) {
		var text = info.point ? info.point.text : info.text;
		var pieces = info.themeText === undefined &&
			(CBS.snippet(q, text, info.point ? 64 : 32) || (!info.point && CBS.snippet(q, info.summary)));
		var p = li.querySelector('.search-result__snippet');
		if (pieces) {
			pieces.forEach(function (x) {
				p.appendChild(x.mark ? el('mark', null, x.text) : document.createTextNode(x.text));
			});
		} else {
			p.textContent = info.themeText !== undefined ? info.themeText : info.point ? info.point.text : info.summary;
		}
	}

	/* Shows the next page of results: at once what needs no more loading
	 * (titles, links, dates: CBS.summaries), then the snippets when the
	 * documents' texts have loaded. t0 is when the user typed, for the
	 * timings kept in window.CBS_LAST (read by the benchmark and the
	 * tests): ms to the results on screen, full when the snippets are in. */
	function showMore(first, t0, q) {
		var res = current, my = seq, hits = res.slice(shown, shown + PAGE);
		var frag = document.createDocumentFragment(), items = [];
		CBS.summaries(hits).forEach(function (info, i) {
			items.push(frag.appendChild(renderHit(hits[i], info)));
		});
		list.appendChild(frag);
		shown += hits.length;
		moreWrap.hidden = shown >= res.total;
		var last = null;
		if (first) {
			var n = res.total;
			setStatus(n === 0 ? 'No results for “' + input.value.trim() + '”.'
				: n + (n === 1 ? ' result' : ' results') + ' for “' + input.value.trim() + '”.');
			last = window.CBS_LAST = {ms: performance.now() - t0, full: -1, files: res.files, total: n, q: q, load: res.ms.load,
				rank: res.ms.rank};
		}
		CBS.details(hits, function (err, infos) {
			if (my !== seq)
				return;
			if (err) {
				setStatus('The search index could not be loaded: ' + err.message);
				return;
			}
			infos.forEach(function (info, i) {
				fillSnippet(items[i], res.query, info);
			});
			if (last)
				last.full = performance.now() - t0;
		});
	}

	function run() {
		var my = ++seq, q = input.value, t0 = started || performance.now();
		started = 0;
		lastRun = performance.now();
		if (!q.trim()) {
			remember();
			list.textContent = '';
			moreWrap.hidden = true;
			setStatus('');
			return;
		}
		CBS.search(q, {theme: themeSel.value, type: typeSel.value}, function (err, res) {
			if (my !== seq)
				return;
			list.textContent = '';
			shown = 0;
			moreWrap.hidden = true;
			if (err) {
				current = null;
				setStatus(err instanceof CBS.QueryError ? 'This search cannot be read: ' + err.message + '.'
					: 'The search index could not be loaded: ' + err.message);
				var ms = performance.now() - t0;
				window.CBS_LAST = {ms: ms, full: ms, files: [], total: -1, q: q};
				remember();
				return;
			}
			current = res;
			showMore(true, t0, q);
			/* After the results: changing the address is not free. */
			remember();
		});
	}

	/* Searches at once on the first key, then at most every 60 ms while
	 * the user keeps typing (older answers are dropped by seq). */
	function later() {
		started = started || performance.now();
		clearTimeout(timer);
		if (performance.now() - lastRun > 120)
			run();
		else
			timer = setTimeout(run, 60);
	}

	function fill(sel, items, value) {
		items.forEach(function (it) {
			var o = el('option', null, it[1]);
			o.value = it[0];
			sel.appendChild(o);
		});
		sel.value = value;
		if (sel.value !== value)
			sel.value = '';
	}

	var start = params();
	input.value = start.q;
	CBS.ready(function (err) {
		if (err) {
			setStatus('The search index could not be loaded: ' + err.message);
			return;
		}
		var m = CBS.info();
		fill(themeSel, m.themes, start.theme);
		fill(typeSel, m.types, start.type);
		if (input.value)
			run();
	});
	input.addEventListener('input', later);
	themeSel.addEventListener('change', run);
	typeSel.addEventListener('change', run);
	moreBtn.addEventListener('click', function () {
		var first = list.children.length;
		showMore(false);
		/* Move focus to the first new result once it is there. */
		var tries = 0, wait = setInterval(function () {
			var li = list.children[first];
			if (li || ++tries > 50) {
				clearInterval(wait);
				if (li)
					li.querySelector('a').focus();
			}
		}, 20);
	});
	form.addEventListener('submit', function (e) {
		e.preventDefault();
		clearTimeout(timer);
		run();
	});
})();
