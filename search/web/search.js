/*
 * casebook browser search: the engine. A plain script (no modules, no
 * fetch) so that it works from file://. It loads the index files that
 * `casebook build` wrote beside it (search/meta.js, search/heads.js,
 * search/t-N.js, search/d-N.js) by inserting <script> elements, and
 * implements the same rules as the command line so both give the same
 * ranking:
 *
 *  - tokens as SQLite FTS5's "porter unicode61 remove_diacritics 2" makes
 *    them (search/tokenizer.js);
 *  - the query language and synonym expansion of search/query.c
 *    (search/query.js);
 *  - FTS5's bm25() with the same column weights, ranked by the score
 *    rounded to 1e-6, then by site order.
 *
 * Everything the page uses is in one global, CBS; search/ui.js drives
 * the page.
 */
var CBS = (function () {
	'use strict';

	/* The tokenizer (search/tokenizer.js) and the query language
	 * (search/query.js), loaded before this script. */
	var tokenizer = typeof CBSTokenizer !== 'undefined' ? CBSTokenizer : require('./tokenizer.js');
	var query = typeof CBSQuery !== 'undefined' ? CBSQuery : require('./query.js');
	var TOKEN = tokenizer.TOKEN, stem = tokenizer.stem, tokenize = tokenizer.tokenize;
	var QueryError = query.QueryError, parse = query.parse, fts = query.fts;

	/* ---- loading the index ---- */

	var base = 'search/';
	var meta = null, heads = null;
	var shards = {}, docBlocks = {};
	var loading = {};
	var loader = null; /* for tests outside a browser */

	function loadScript(file, done) {
		if (loading[file]) {
			loading[file].push(done);
			return;
		}
		loading[file] = [done];
		var finish = function (err) {
			var w = loading[file];
			loading[file] = null;
			if (err)
				delete loading[file];
			w.forEach(function (f) {
				f(err);
			});
		};
		if (loader) {
			loader(base + file, finish);
			return;
		}
		var s = document.createElement('script');
		s.src = base + file;
		s.async = true;
		s.onload = function () {
			finish(null);
		};
		s.onerror = function () {
			finish(new Error('cannot load ' + base + file));
		};
		document.head.appendChild(s);
	}

	/* Calls done(err) once every file has loaded. */
	function loadAll(files, done) {
		var need = files.filter(function (f) {
			return loading[f] !== null; /* null: loaded already */
		});
		var left = need.length, failed = null;
		if (!left)
			return done(null);
		need.forEach(function (f) {
			loadScript(f, function (err) {
				failed = failed || err;
				if (--left === 0)
					done(failed);
			});
		});
	}

	function metaLoaded(m) {
		meta = m;
		meta.avgdl = m.n ? m.total / m.n : 0;
		meta.syns = m.syn.map(function (s) {
			return {phrase: s[0], theme: m.themes[s[1]][0], label: m.themes[s[1]][1], tokens: tokenize(s[0])};
		});
		meta.themeIdx = {};
		meta.labelToks = m.themes.map(function (t, i) {
			meta.themeIdx[t[0]] = i;
			return tokenize(t[1]);
		});
		loadPoints(m);
	}

	/* The learning points (see shards.c), as columns (meta.pt, each
	 * indexed by point, so that they are a few arrays of numbers rather
	 * than thousands of objects): doc, its document; k, its number there;
	 * a and n, its span in the body column (first token, number of
	 * tokens); th0 and thn, where its own themes are in th; len, its
	 * length as FTS5 counts it (its words and its themes' labels).
	 * meta.ptStart[d] is document d's first point (its points end where
	 * the next document's start). */
	function loadPoints(m) {
		var lp = m.lp || [], i = 0, total = 0, start = [], themed = [];
		var P = {doc: [], k: [], a: [], n: [], len: [], th0: [], thn: [], th: []};
		for (var d = 0; d < m.n; d++) {
			var cnt = lp[i++] || 0, k = 0, end = 0;
			start.push(P.doc.length);
			for (var j = 0; j < cnt; j++) {
				var a = end + lp[i++], n = lp[i++], c = lp[i++], nt = c >> 1, len = n;
				if (c & 1)
					k += lp[i++];
				if (nt)
					themed.push(P.doc.length);
				P.th0.push(P.th.length);
				P.thn.push(nt);
				for (var x = 0; x < nt; x++) {
					P.th.push(lp[i]);
					len += meta.labelToks[lp[i++]].length;
				}
				P.doc.push(d);
				P.k.push(k);
				P.a.push(a);
				P.n.push(n);
				P.len.push(len);
				total += len;
				k++;
				end = a + n;
			}
		}
		start.push(P.doc.length);
		meta.pt = P;
		meta.np = P.doc.length;
		meta.ptStart = start;
		meta.themedPts = themed;
		meta.pavgdl = meta.np ? total / meta.np : 0;
	}

	/* Point j's own themes (indices into meta.themes). */
	function ptThemes(j) {
		return meta.pt.th.slice(meta.pt.th0[j], meta.pt.th0[j] + meta.pt.thn[j]);
	}

	/* Whether point j is on theme ti. */
	function ptHas(j, ti) {
		for (var x = meta.pt.th0[j], e = x + meta.pt.thn[j]; x < e; x++)
			if (meta.pt.th[x] === ti)
				return true;
		return false;
	}

	/* The tokens of point j's themes column: its themes' labels, one
	 * after another. */
	function ptLabelToks(j) {
		var out = [];
		ptThemes(j).forEach(function (ti) {
			out = out.concat(meta.labelToks[ti]);
		});
		return out;
	}

	/* What results show before their text is loaded (search/heads.js):
	 * each document's title, address, date, area and partnership, and
	 * the headings of its learning points. */
	function headsLoaded(h) {
		heads = h;
	}

	/* The index of the heading of point k (its number in the document)
	 * of document d in heads.hd; the runs of its points under one
	 * heading are found once a document. */
	function headingOf(d, k) {
		var at = heads.runAt;
		if (!at) {
			/* Where each document's runs start in heads.hs. */
			at = heads.runAt = new Int32Array(meta.n);
			for (var i = 0, x = 0; i < meta.n; i++) {
				at[i] = x;
				x += 1 + 2 * heads.hs[x];
			}
		}
		var r = at[d], runs = heads.hs[r];
		for (var j = 0; j < runs; j++) {
			var n = heads.hs[r + 2 + 2 * j];
			if (k < n)
				return heads.hs[r + 1 + 2 * j];
			k -= n;
		}
		return -1;
	}

	/* Loads meta.js and heads.js, side by side, once. */
	function ready(done) {
		if (meta && heads)
			return done(null);
		loadAll(['meta.js', 'heads.js'], function (err) {
			done(err || (meta && heads ? null : new Error('the search index is missing')));
		});
	}

	/* The shards that may hold term, or every term with the prefix. */
	function shardsFor(term, prefix) {
		var b = meta.shards, lo = 0, hi = b.length - 1, at = 0;
		if (!b.length)
			return []; /* an empty site */
		while (lo <= hi) {
			var mid = (lo + hi) >> 1;
			if (b[mid] <= term) {
				at = mid;
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
		var out = [at];
		if (prefix)
			for (var i = at + 1; i < b.length && b[i].slice(0, term.length) === term; i++)
				out.push(i);
		return out;
	}

	/* A term's postings in a shard are one string of numbers (shards.c):
	 * each is its bits above the last five in groups of four, the most
	 * significant first, as characters of MORE, then its last five bits
	 * as a character of END. */
	var END = "abcdefghijklmnopqrstuvwxyz!#$%'*", MORE = ',-./:;=?[]^_`{|}';
	var DIGIT = new Int8Array(128);
	END.split('').forEach(function (c, i) {
		DIGIT[c.charCodeAt(0)] = i;
	});
	MORE.split('').forEach(function (c, i) {
		DIGIT[c.charCodeAt(0)] = 32 + i;
	});

	function decode(s) {
		var out = [], v = 0;
		for (var i = 0; i < s.length; i++) {
			var d = DIGIT[s.charCodeAt(i)];
			if (d >= 32) {
				v = v * 16 + d - 32;
			} else {
				out.push(v * 32 + d);
				v = 0;
			}
		}
		return out;
	}

	/* The postings of a term as numbers (see search/README.md), decoded
	 * once, or null. */
	var decoded = new Map();

	function raw(term) {
		var a = decoded.get(term);
		if (a === undefined) {
			var idx = shardsFor(term, false)[0], sh = idx === undefined ? null : shards[idx];
			if (!sh)
				return null; /* not loaded (yet) */
			a = Object.prototype.hasOwnProperty.call(sh, term) ? decode(sh[term]) : null;
			decoded.set(term, a);
		}
		return a;
	}

	/* Every term of the loaded shards with the given prefix. */
	function termsWithPrefix(p, idxs) {
		var out = [];
		idxs.forEach(function (i) {
			var sh = shards[i];
			for (var t in sh)
				if (Object.prototype.hasOwnProperty.call(sh, t) && t.slice(0, p.length) === p)
					out.push(t);
		});
		return out;
	}

	/* The index terms a query token stands for. */
	function termsFor(tok, prefix) {
		return prefix ? termsWithPrefix(tok, shardsFor(tok, true)) : [tok];
	}

	/* Every term (and whether it is a prefix) a query needs. */
	function queryTokens(q) {
		var out = [];
		function term(t) {
			t.tokens.forEach(function (tok, i) {
				out.push([tok, t.prefix && i === t.tokens.length - 1]);
			});
		}
		q.groups.forEach(function (g) {
			g.forEach(function (alt) {
				alt.forEach(term);
			});
		});
		q.excluded.forEach(term);
		return out;
	}

	function shardFiles(q) {
		var want = {};
		queryTokens(q).forEach(function (x) {
			shardsFor(x[0], x[1]).forEach(function (i) {
				want['t-' + i + '.js'] = true;
			});
		});
		return Object.keys(want).sort();
	}

	/* ---- matching and scoring (FTS5 semantics) ---- */

	/* A row's f for a term, over every row of a table (documents or
	 * points): {f: f by row, 0 where the term does not match; rows: the
	 * rows it matches, in no particular order; n: their number}. */
	function freqs(size) {
		return {f: new Float64Array(size), rows: [], n: 0};
	}

	/* Adds v to row's f. */
	function add(x, row, v) {
		if (!x.f[row])
			x.rows.push(row);
		x.f[row] += v;
	}

	function fromMap(map, size) {
		var out = freqs(size);
		map.forEach(function (f, row) {
			add(out, row, f);
		});
		out.n = out.rows.length;
		return out;
	}

	/* How often a one-token term t occurs in each theme's label. */
	function labelHits(t) {
		var tok = t.tokens[0];
		return meta.labelToks.map(function (toks) {
			var c = 0;
			for (var i = 0; i < toks.length; i++)
				c += t.prefix ? toks[i].slice(0, tok.length) === tok : toks[i] === tok;
			return c;
		});
	}

	/* A one-token term over documents and points at once, decoding each
	 * of its postings once: {docs, pts} (see freqs). A document's f is the
	 * sum of the column weights of its occurrences (each an FTS5
	 * instance); a point's, its occurrences within its span of the body
	 * column and in its themes' labels, weighted (meta.pw). */
	function oneToken(t) {
		var w = meta.weights, pw = meta.pw, st = meta.ptStart, pa = meta.pt.a, pn = meta.pt.n;
		var docs = freqs(meta.n), pf = freqs(meta.np);
		termsFor(t.tokens[0], t.prefix).forEach(function (term) {
			var a = raw(term), doc = 0, i = 0;
			while (a && i < a.length) {
				doc += a[i];
				var c = a[i + 1], n = a[i + 2];
				i += 3;
				if (!t.themes || c === 2)
					add(docs, doc, n * w[c]);
				if (!t.themes && c === 3 && st[doc] < st[doc + 1]) {
					/* Points and positions are both in order: one sweep. */
					for (var j = st[doc], end = st[doc + 1], p = 0, k = 0; k < n && j < end; k++) {
						p += a[i + k];
						while (j < end && p >= pa[j] + pn[j])
							j++;
						if (j < end && p >= pa[j])
							add(pf, j, pw[0]);
					}
				}
				i += n;
			}
		});
		var lh = labelHits(t);
		if (lh.some(function (c) {
			return c > 0;
		}))
			meta.themedPts.forEach(function (j) {
				var th = meta.pt.th, c = 0;
				for (var x = meta.pt.th0[j], e = x + meta.pt.thn[j]; x < e; x++)
					c += lh[th[x]];
				if (c)
					add(pf, j, c * pw[1]);
			});
		docs.n = docs.rows.length;
		pf.n = pf.rows.length;
		return {docs: docs, pts: pf};
	}

	/* A phrase whose words are each one index term (no prefix) over
	 * documents and points at once (see oneToken), walking the words'
	 * postings side by side, as they are stored in order of document and
	 * column, and their positions likewise: no maps or sets. */
	function phrase(t) {
		var w = meta.weights, pw = meta.pw, st = meta.ptStart, pa = meta.pt.a, pn = meta.pt.n;
		var docs = freqs(meta.n), pf = freqs(meta.np), L = t.tokens.length, j;
		var a = [], at = [], doc = [], col = [], pos = [], p = [];
		for (j = 0; j < L; j++) {
			a[j] = raw(t.tokens[j]);
			if (!a[j])
				return {docs: docs, pts: pf};
			at[j] = 0;
			doc[j] = a[j][0];
			col[j] = a[j][1];
		}
		/* Moves word j on to its first entry at or after (d, c); false
		 * when its postings end first. */
		function reach(j, d, c) {
			var x = a[j];
			while (doc[j] < d || (doc[j] === d && col[j] < c)) {
				at[j] += 3 + x[at[j] + 2];
				if (at[j] >= x.length)
					return false;
				doc[j] += x[at[j]];
				col[j] = x[at[j] + 1];
			}
			return true;
		}
		for (;;) {
			/* Every word at an entry at or after word 0's; when one is
			 * past it, word 0 moves on to the furthest. */
			var d = doc[0], c = col[0], md = d, mc = c, ended = false;
			for (j = 1; j < L && !ended; j++) {
				ended = !reach(j, d, c);
				if (doc[j] > md || (doc[j] === md && col[j] > mc)) {
					md = doc[j];
					mc = col[j];
				}
			}
			if (ended)
				break; /* a word's postings have ended: no more matches */
			if (md !== d || mc !== c) {
				if (!reach(0, md, mc))
					break;
				continue;
			}
			if (!t.themes || c === 2) {
				/* Each word's positions here, as absolute numbers. */
				for (j = 0; j < L; j++) {
					var x = a[j], n = x[at[j] + 2], q = 0;
					pos[j] = [];
					for (var k = 0; k < n; k++)
						pos[j].push(q += x[at[j] + 3 + k]);
					p[j] = 0;
				}
				var starts = [];
				pos[0].forEach(function (s) {
					for (var m = 1; m < L; m++) {
						while (p[m] < pos[m].length && pos[m][p[m]] < s + m)
							p[m]++;
						if (pos[m][p[m]] !== s + m)
							return;
					}
					starts.push(s);
				});
				if (starts.length)
					add(docs, d, starts.length * w[c]);
				if (!t.themes && c === 3)
					/* Points and starts are both in order: one sweep. */
					for (var i = st[d], e = st[d + 1], y = 0; i < e; i++) {
						var cnt = 0;
						while (y < starts.length && starts[y] < pa[i])
							y++;
						while (y < starts.length && starts[y] <= pa[i] + pn[i] - L) {
							cnt++;
							y++;
						}
						if (cnt)
							add(pf, i, cnt * pw[0]);
					}
			}
			/* On to word 0's next entry. */
			var x0 = a[0];
			at[0] += 3 + x0[at[0] + 2];
			if (at[0] >= x0.length)
				break;
			doc[0] += x0[at[0]];
			col[0] = x0[at[0] + 1];
		}
		labelPoints(t, pf);
		docs.n = docs.rows.length;
		pf.n = pf.rows.length;
		return {docs: docs, pts: pf};
	}

	/* Positions of a token: Map document -> Map column -> Set of positions. */
	function tokenPositions(terms, themesOnly) {
		var out = new Map();
		terms.forEach(function (term) {
			var a = raw(term), doc = 0, i = 0;
			while (a && i < a.length) {
				doc += a[i];
				var c = a[i + 1], n = a[i + 2], p = 0;
				i += 3;
				if (!themesOnly || c === 2) {
					var cols = out.get(doc);
					if (!cols)
						out.set(doc, cols = new Map());
					var set = cols.get(c);
					if (!set)
						cols.set(c, set = new Set());
					for (var k = 0; k < n; k++) {
						p += a[i + k];
						set.add(p);
					}
				}
				i += n;
			}
		});
		return out;
	}

	/* A term of several tokens, a phrase: Map document -> f over the
	 * positions where every token follows the one before. */
	function phraseFreq(t, w) {
		var last = t.tokens.length - 1;
		var lists = t.tokens.map(function (tok, i) {
			return tokenPositions(termsFor(tok, t.prefix && i === last), t.themes);
		});
		var out = new Map();
		lists[0].forEach(function (cols, doc) {
			var f = 0;
			cols.forEach(function (first, c) {
				var sets = [];
				for (var j = 1; j <= last; j++) {
					var cj = lists[j].get(doc), sj = cj && cj.get(c);
					if (!sj)
						return;
					sets.push(sj);
				}
				first.forEach(function (p) {
					for (var j = 0; j < sets.length; j++)
						if (!sets[j].has(p + j + 1))
							return;
					f += w[c];
				});
			});
			if (f)
				out.set(doc, f);
		});
		return out;
	}

	/* The positions of the index terms terms in the body column (3) of
	 * the documents that have learning points: Map document -> sorted
	 * positions. Read straight off the postings, as they are stored. */
	function bodyPositions(terms) {
		var out = new Map();
		terms.forEach(function (term) {
			var a = raw(term), doc = 0, i = 0;
			while (a && i < a.length) {
				doc += a[i];
				var c = a[i + 1], n = a[i + 2];
				i += 3;
				if (c === 3 && meta.ptStart[doc] < meta.ptStart[doc + 1]) {
					var arr = out.get(doc), p = 0;
					if (!arr)
						out.set(doc, arr = []);
					for (var k = 0; k < n; k++) {
						p += a[i + k];
						arr.push(p);
					}
				}
				i += n;
			}
		});
		if (terms.length > 1)
			out.forEach(function (arr) {
				arr.sort(function (x, y) {
					return x - y;
				});
			});
		return out;
	}

	/* Where a term matches in the body column: Map document -> the sorted
	 * positions its matches start at. Null for a theme's label. */
	function bodyStarts(t) {
		if (t.themes)
			return null;
		var last = t.tokens.length - 1;
		var lists = t.tokens.map(function (tok, i) {
			return bodyPositions(termsFor(tok, t.prefix && i === last));
		});
		if (!last)
			return lists[0];
		var out = new Map();
		lists[0].forEach(function (first, doc) {
			var sets = [];
			for (var j = 1; j <= last; j++) {
				var sj = lists[j].get(doc);
				if (!sj)
					return;
				sets.push(new Set(sj));
			}
			var st = first.filter(function (p) {
				for (var j = 0; j < sets.length; j++)
					if (!sets[j].has(p + j + 1))
						return false;
				return true;
			});
			if (st.length)
				out.set(doc, st);
		});
		return out;
	}

	/* How often term t occurs in toks (a point's themes column: the
	 * tokens of its themes' labels, one after another). */
	function labelCount(toks, t) {
		var c = 0, L = t.tokens.length;
		for (var i = 0; i + L <= toks.length; i++) {
			var j;
			for (j = 0; j < L; j++) {
				var want = t.tokens[j], got = toks[i + j];
				if (t.prefix && j === L - 1 ? got.slice(0, want.length) !== want : got !== want)
					break;
			}
			if (j === L)
				c++;
		}
		return c;
	}

	/* A term over the learning points: Map point -> f, its occurrences
	 * in the point's span of the body and in its themes, weighted. */
	function pointFreq(t) {
		var out = new Map(), L = t.tokens.length, pw = meta.pw, starts = bodyStarts(t);
		if (starts)
			starts.forEach(function (st, d) {
				var x = 0, pa = meta.pt.a;
				/* Points and starts are both in order: one sweep. */
				for (var j = meta.ptStart[d]; j < meta.ptStart[d + 1]; j++) {
					var hi = pa[j] + meta.pt.n[j] - L, c = 0;
					while (x < st.length && st[x] < pa[j])
						x++;
					while (x < st.length && st[x] <= hi) {
						c++;
						x++;
					}
					if (c)
						out.set(j, c * pw[0]);
				}
			});
		var pf = fromMap(out, meta.np);
		labelPoints(t, pf);
		pf.n = pf.rows.length;
		return pf;
	}

	/* Adds to pf (see freqs) the occurrences of a phrase t in the points'
	 * themes columns, weighted. A match in the labels starts in a label
	 * holding its first token: only points on such a theme are looked
	 * at. */
	function labelPoints(t, pf) {
		var first = labelHits({tokens: t.tokens.slice(0, 1), prefix: t.prefix && t.tokens.length === 1});
		meta.themedPts.forEach(function (j) {
			var th = ptThemes(j), x;
			for (x = 0; x < th.length && !first[th[x]]; x++)
				;
			var c = x < th.length ? labelCount(ptLabelToks(j), t) : 0;
			if (c)
				add(pf, j, c * meta.pw[1]);
		});
	}

	/* FTS5's bm25() over one table (documents or points): every row that
	 * matches q, as columns {id, score, words}; words is false when only the
	 * themes of the query's synonyms matched it (as 0 or 1; the columns
	 * are typed arrays). fr(t) gives a term's f by row (see freqs); N
	 * rows, len[row] tokens, avgdl on average. */
	function matchAll(q, fr, N, len, avgdl) {
		var k1 = meta.k1, b = meta.b, known = new Map();
		function entry(t) {
			var e = known.get(t);
			if (!e) {
				var x = fr(t), n = x.n, idf = Math.log((N - n + 0.5) / (n + 0.5));
				known.set(t, e = {f: x.f, rows: x.rows, idf: idf <= 0 ? 1e-6 : idf});
			}
			return e;
		}
		/* The query as arrays of entries: groups of alternatives of terms. */
		var groups = q.groups.map(function (g) {
			return g.map(function (alt) {
				return {terms: alt.map(entry), words: !(alt.length === 1 && alt[0].themes)};
			});
		});
		var excluded = q.excluded.map(entry), first = groups[0];
		function altMatches(alt, d) {
			for (var i = 0; i < alt.terms.length; i++)
				if (!(alt.terms[i].f[d] > 0))
					return false;
			return true;
		}
		/* The candidates: the rows the first term of an alternative of the
		 * first group matches (each once). */
		var cand = first[0].terms[0].rows;
		if (first.length > 1) {
			var seen = new Uint8Array(N);
			cand = [];
			first.forEach(function (alt) {
				alt.terms[0].rows.forEach(function (d) {
					if (!seen[d]) {
						seen[d] = 1;
						cand.push(d);
					}
				});
			});
		}
		/* Filled in place (typed, no growing arrays), cut to size below. */
		var id = new Int32Array(cand.length), scores = new Float64Array(cand.length);
		var wordy = new Uint8Array(cand.length), m = 0;
		for (var c = 0; c < cand.length; c++) {
			var d = cand[c], gi, ai, x;
			for (gi = 0; gi < groups.length; gi++) {
				for (ai = 0; ai < groups[gi].length && !altMatches(groups[gi][ai], d); ai++)
					;
				if (ai === groups[gi].length)
					break;
			}
			if (gi < groups.length)
				continue;
			for (x = 0; x < excluded.length && !(excluded[x].f[d] > 0); x++)
				;
			if (x < excluded.length)
				continue;
			/* Phrase by phrase in the expression's order; terms of
			 * alternatives that did not match count nothing. */
			var norm = k1 * (1 - b + b * len[d] / avgdl), score = 0, words = false;
			for (gi = 0; gi < groups.length; gi++)
				for (ai = 0; ai < groups[gi].length; ai++) {
					var alt = groups[gi][ai];
					if (!altMatches(alt, d))
						continue;
					words = words || alt.words;
					for (var ti = 0; ti < alt.terms.length; ti++) {
						var e = alt.terms[ti], f = e.f[d];
						score += e.idf * ((f * (k1 + 1.0)) / (f + norm));
					}
				}
			id[m] = d;
			scores[m] = score;
			wordy[m++] = words ? 1 : 0;
		}
		return {id: id.subarray(0, m), score: scores.subarray(0, m), words: wordy.subarray(0, m)};
	}

	/* The share of document d's learning points on theme ti; 0 when it
	 * has none (search/README.md, "Ranking"). */
	function docShare(d, ti) {
		var from = meta.ptStart[d], to = meta.ptStart[d + 1], on = 0;
		if (from === to)
			return 0;
		for (var j = from; j < to; j++)
			on += ptHas(j, ti);
		return on / (to - from);
	}

	/* A match through a theme's synonym only: the largest share of its
	 * document's points on a theme of the query's synonyms that the
	 * document (or the point itself) has. */
	function themeScore(q, doc, point) {
		var best = 0;
		q.exp.forEach(function (x) {
			var ti = meta.themeIdx[x.theme];
			if (ti === undefined)
				return;
			if (point >= 0 ? !ptHas(point, ti) : meta.dthemes[doc].indexOf(ti) < 0)
				return;
			var sh = docShare(doc, ti);
			if (sh > best)
				best = sh;
		});
		return best;
	}

	/* A result: its kind ('document' or 'point'), document, point (its
	 * index in meta.pt, -1 for a document) and k (its number in the
	 * document), score, tier (0: the query's words matched, 1: only a
	 * synonym's theme), key (the score rounded to 1e-6, as an integer);
	 * themes (matchedThemes) is worked out when first read. */
	function Hit(q, kind, doc, point, k, score, tier, key) {
		this.q = q;
		this.kind = kind;
		this.doc = doc;
		this.point = point;
		this.k = k;
		this.score = score;
		this.tier = tier;
		this.key = key;
		this.t = null;
	}

	Object.defineProperty(Hit.prototype, 'themes', {
		get: function () {
			return this.t || (this.t = matchedThemes(this.q, this));
		}
	});

	/* Runs a parsed query over the loaded shards: every match, documents
	 * and learning points, that keep(document, point) lets through (point
	 * -1 for a document), ranked: the matches of the query's own words by
	 * BM25, then those only a theme's synonym found, by share; then site
	 * order, a document before its own points, points in document order.
	 * Returns {total, slice(from, to): the Hits ranked from to to}; only
	 * as many are put in order as are asked for. */
	function evaluate(q, keep) {
		/* Each term's f over documents and over points, worked out once
		 * for both (a one-token term decodes its postings once). */
		var cache = {};
		function both(t) {
			var key = JSON.stringify([t.tokens, t.prefix, t.themes]);
			if (!cache[key])
				cache[key] = t.tokens.length === 1 ? oneToken(t) : !t.prefix ? phrase(t)
					: {docs: fromMap(phraseFreq(t, meta.weights), meta.n), pts: pointFreq(t)};
			return cache[key];
		}
		var docs = matchAll(q, function (t) {
			return both(t).docs;
		}, meta.n, meta.len, meta.avgdl);
		var pts = matchAll(q, function (t) {
			return both(t).pts;
		}, meta.np, meta.pt.len, meta.pavgdl);
		/* The matches as columns: tier, key, ord (site order, a document
		 * before its own points), row (a document, or -1 - a point). */
		var max = docs.id.length + pts.id.length, n = 0;
		var tier = new Uint8Array(max), key = new Float64Array(max), ord = new Float64Array(max);
		var row = new Int32Array(max), score = new Float64Array(max);
		function put(doc, point, x, i) {
			if (!keep(doc, point))
				return;
			tier[n] = x.words[i] ? 0 : 1;
			score[n] = tier[n] ? themeScore(q, doc, point) : x.score[i];
			key[n] = Math.round(score[n] * 1e6);
			ord[n] = doc * 16777216 + (point < 0 ? 0 : 1 + point - meta.ptStart[doc]);
			row[n++] = point < 0 ? doc : -1 - point;
		}
		var i;
		for (i = 0; i < docs.id.length; i++)
			put(docs.id[i], -1, docs, i);
		for (i = 0; i < pts.id.length; i++)
			put(meta.pt.doc[pts.id[i]], pts.id[i], pts, i);
		function before(x, y) {
			return tier[x] - tier[y] || key[y] - key[x] || ord[x] - ord[y];
		}
		/* order[0, sorted) are the best, in order. */
		var order = [], sorted = 0;
		function rank(to) {
			if (to <= sorted)
				return;
			var k = Math.max(to, 2 * sorted), x;
			if (k > 200 || k >= n) {
				order = new Array(n);
				for (x = 0; x < n; x++)
					order[x] = x;
				order.sort(before);
				sorted = n;
				return;
			}
			/* The best k, kept in order while every match is looked at
			 * once. */
			var best = [];
			for (x = 0; x < n; x++) {
				if (best.length === k && before(x, best[k - 1]) >= 0)
					continue;
				var at = best.length < k ? best.length : k - 1;
				while (at > 0 && before(x, best[at - 1]) < 0) {
					best[at] = best[at - 1];
					at--;
				}
				best[at] = x;
			}
			order = best;
			sorted = k;
		}
		return {
			total: n,
			slice: function (from, to) {
				to = Math.min(to === undefined ? n : to, n);
				rank(to);
				var out = [];
				for (var x = from; x < to; x++) {
					var j = order[x], r = row[j];
					if (r >= 0)
						out.push(new Hit(q, 'document', r, -1, -1, score[j], tier[j], key[j]));
					else
						out.push(new Hit(q, 'point', meta.pt.doc[-1 - r], -1 - r, meta.pt.k[-1 - r], score[j], tier[j], key[j]));
				}
				return out;
			}
		};
	}

	/* Themes a result (a document, or a point) matched through the
	 * query's synonyms. */
	function matchedThemes(q, h) {
		var out = [], seen = {};
		if (!q.exp.length)
			return out; /* no synonym in the query: most searches, and every hit */
		var mine = (h.kind === 'point' ? ptThemes(h.point) : meta.dthemes[h.doc]).map(function (i) {
			return meta.themes[i][0];
		});
		q.exp.forEach(function (x) {
			if (seen[x.theme] || mine.indexOf(x.theme) < 0)
				return;
			seen[x.theme] = true;
			out.push({id: x.theme, label: x.label, typed: x.typed});
		});
		return out;
	}

	/* ---- public interface ---- */

	function now() {
		return typeof performance !== 'undefined' ? performance.now() : Date.now();
	}

	/* Searches; calls done(err, result) with result = {query, total,
	 * slice(from, to): the results ranked from to to, as Hits: {kind:
	 * 'document' or 'point', doc, point, k, score, tier, themes}; hits:
	 * all of them (slice(0)); files: [shard files this query needed]; ms:
	 * {load, rank}, the milliseconds spent loading the shards and ranking}.
	 * filter: {theme: id, type: id}. Errors: {message} (QueryError for a
	 * malformed query). */
	function search(qs, filter, done) {
		ready(function (err) {
			if (err)
				return done(err);
			var q;
			try {
				q = parse(qs, meta.syns);
			} catch (e) {
				if (e instanceof QueryError)
					return done(e);
				throw e;
			}
			var files = shardFiles(q), t0 = now();
			loadAll(files, function (err2) {
				if (err2)
					return done(err2);
				var t1 = now();
				filter = filter || {};
				var ti = -1, yi = -1;
				meta.themes.forEach(function (t, i) {
					if (t[0] === filter.theme)
						ti = i;
				});
				meta.types.forEach(function (t, i) {
					if (t[0] === filter.type)
						yi = i;
				});
				var ranked = evaluate(q, !filter.theme && !filter.type ? function () {
					return true;
				} : function (doc, point) {
					var on = point >= 0 ? ptHas(point, ti) : meta.dthemes[doc].indexOf(ti) >= 0;
					return (!filter.theme || on) && (!filter.type || meta.type[doc] === yi);
				});
				done(null, {
					query: q,
					total: ranked.total,
					slice: ranked.slice,
					get hits() {
						return ranked.slice(0);
					},
					files: files,
					/* Milliseconds loading the shards and running the query. */
					ms: {load: t1 - t0, rank: now() - t1}
				});
			});
		});
	}

	/* Loads what is needed to show documents: calls done(err, [info]) with
	 * info = {title, url, date, area, summary, path, text, type, typeLabel,
	 * partnership} (partnership: the partnership a partner repository's
	 * document comes from, "" for the hub's own). */
	function documents(ids, done) {
		var files = {};
		ids.forEach(function (d) {
			files['d-' + Math.floor(d / meta.block) + '.js'] = true;
		});
		loadAll(Object.keys(files).sort(), function (err) {
			if (err)
				return done(err);
			done(null, ids.map(function (d) {
				var r = docBlocks[Math.floor(d / meta.block)][d % meta.block];
				var ty = meta.types[meta.type[d]];
				return {title: r[0], url: r[1], date: r[2], area: r[3], summary: r[4], path: r[5], text: r[6],
					type: ty[0], typeLabel: ty[1], partnership: r[9] || ''};
			}));
		});
	}

	/* What a result shows at once, without loading anything: for each
	 * hit the document's {title, url, date, area, type, typeLabel,
	 * partnership}, and for a point also point: {heading, anchor, url}
	 * (its text comes with details). */
	function summaries(hits) {
		return hits.map(function (h) {
			var ty = meta.types[meta.type[h.doc]];
			var out = {title: heads.title[h.doc], url: 'documents/' + heads.slug[h.doc] + '.html',
				date: heads.date[h.doc], area: heads.areas[heads.area[h.doc]], type: ty[0], typeLabel: ty[1],
				partnership: heads.parts[heads.part[h.doc]]};
			if (h.kind === 'point') {
				var head = heads.hd[headingOf(h.doc, h.k)];
				out.point = {heading: head[0], anchor: head[1], url: out.url + '#' + head[1]};
			}
			return out;
		});
	}

	/* The text of point j from its document's text (a d-N.js row's): its
	 * span of tokens, widened to the spaces around it. */
	function pointText(j, text) {
		var p = {a: meta.pt.a[j], n: meta.pt.n[j]}, i = 0, m, s = 0, e = 0;
		if (!p.n)
			return '';
		/* Only where the tokens are: no folding or stemming needed. */
		TOKEN.lastIndex = 0;
		while ((m = TOKEN.exec(text))) {
			if (i === p.a)
				s = m.index;
			if (i++ === p.a + p.n - 1) {
				e = m.index + m[0].length;
				break;
			}
		}
		while (s > 0 && !/\s/.test(text[s - 1]))
			s--;
		while (e < text.length && !/\s/.test(text[e]))
			e++;
		return text.slice(s, e);
	}

	/* Loads what is needed to show results: calls done(err, [info]) with
	 * the document's info (see documents) for each hit, and for a point
	 * also point: {heading, anchor, url, text}; for a match through a
	 * theme's synonym, themeText: the point it is shown by (a document's
	 * first on a matched theme, else none). */
	function details(hits, done) {
		documents(hits.map(function (h) {
			return h.doc;
		}), function (err, infos) {
			if (err)
				return done(err);
			done(null, infos.map(function (info, i) {
				var h = hits[i], r = docBlocks[Math.floor(h.doc / meta.block)][h.doc % meta.block];
				var out = Object.assign({}, info);
				if (h.kind === 'point') {
					var head = r[7][r[8][h.k]];
					out.point = {heading: head[0], anchor: head[1], url: info.url + '#' + head[1],
						text: pointText(h.point, info.text)};
					if (h.tier)
						out.themeText = out.point.text;
				} else if (h.tier) {
					var to = meta.ptStart[h.doc + 1];
					h.themes.forEach(function (th) {
						for (var j = meta.ptStart[h.doc]; j < to && out.themeText === undefined; j++)
							if (ptHas(j, meta.themeIdx[th.id]))
								out.themeText = pointText(j, info.text);
					});
				}
				return out;
			}));
		});
	}

	/* A snippet of text around the query's words: [{text, mark}] pieces,
	 * about 32 tokens long, or null when no word of the query is in it. */
	function snippet(q, text, size) {
		size = size || 32;
		var words = [];
		q.groups.forEach(function (g) {
			g.forEach(function (alt) {
				alt.forEach(function (t) {
					if (!t.themes)
						t.tokens.forEach(function (tok, i) {
							words.push([tok, t.prefix && i === t.tokens.length - 1]);
						});
				});
			});
		});
		var toks = tokenize(text, true);
		var hit = toks.map(function (t) {
			for (var i = 0; i < words.length; i++)
				if (words[i][1] ? t.t.slice(0, words[i][0].length) === words[i][0] : t.t === words[i][0])
					return 1;
			return 0;
		});
		var best = -1, bestN = 0, n = 0, i;
		for (i = 0; i < toks.length; i++) {
			n += hit[i];
			if (i >= size)
				n -= hit[i - size];
			if (n > bestN) {
				bestN = n;
				best = Math.max(0, i - size + 1);
			}
		}
		if (best < 0)
			return null;
		/* Start a little before the first match in the window. */
		while (best < toks.length && !hit[best])
			best++;
		best = Math.max(0, best - 6);
		var last = Math.min(toks.length, best + size) - 1;
		var pieces = [], at = toks[best].s;
		if (best > 0)
			pieces.push({text: '…', mark: false});
		for (i = best; i <= last; i++) {
			if (!hit[i])
				continue;
			if (toks[i].s > at)
				pieces.push({text: text.slice(at, toks[i].s), mark: false});
			pieces.push({text: text.slice(toks[i].s, toks[i].e), mark: true});
			at = toks[i].e;
		}
		pieces.push({text: text.slice(at, toks[last].e), mark: false});
		if (last < toks.length - 1)
			pieces.push({text: '…', mark: false});
		return pieces;
	}

	return {
		/* Called by the index files. */
		meta: metaLoaded,
		heads: headsLoaded,
		shard: function (n, data) {
			shards[n] = data;
		},
		docs: function (n, rows) {
			docBlocks[n] = rows;
		},
		/* For the page and for tests. */
		setBase: function (b) {
			base = b;
		},
		setLoader: function (f) {
			loader = f;
		},
		ready: ready,
		info: function () {
			return meta;
		},
		search: search,
		documents: documents,
		details: details,
		summaries: summaries,
		snippet: snippet,
		tokenize: tokenize,
		stem: stem,
		parse: function (qs) {
			return parse(qs, meta ? meta.syns : []);
		},
		fts: fts,
		QueryError: QueryError
	};
})();

if (typeof module !== 'undefined' && module.exports)
	module.exports = CBS;
