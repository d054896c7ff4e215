/*
 * casebook browser search: the query language and synonym expansion of
 * search/query.c, and the FTS5 expression cb_query_fts writes (for tests
 * and debugging).
 *
 * A plain script loaded after search/tokenizer.js and before
 * search/search.js, which takes what it needs from the global CBSQuery.
 */
var CBSQuery = (function (tokenizer) {
	'use strict';

	var tokenize = tokenizer.tokenize;

	/* ---- query language (search/query.c) ---- */

	/* CB_QUERY_MAX_WORDS of search/query.h: the most words a search may
	 * have, counted as the index splits them, phrases included. */
	var MAX_WORDS = 64;

	function QueryError(msg) {
		this.message = msg;
	}

	function isSpace(c) {
		return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
	}

	/* Character column (code points) of UTF-16 offset off. */
	function col(q, off) {
		return Array.from(q.slice(0, off)).length + 1;
	}

	function lex(q) {
		var items = [], n = q.length, i = 0;
		while (i < n) {
			if (isSpace(q[i])) {
				i++;
				continue;
			}
			var start = i, excluded = false, t = {text: '', tokens: [], quoted: false, prefix: false, themes: false};
			if (q[i] === '-') {
				if (i + 1 === n || isSpace(q[i + 1]))
					throw new QueryError("a '-' on its own at column " + col(q, i) +
						': put it straight before a word to leave out results containing that word, as in: neglect -audit');
				excluded = true;
				i++;
			}
			if (q[i] === '"') {
				var close = q.indexOf('"', i + 1);
				if (close < 0)
					throw new QueryError('the quote at column ' + col(q, i) +
						' is never closed: add a closing " after the phrase, or remove the quote');
				t.text = q.slice(i + 1, close);
				t.quoted = true;
				i = close + 1;
				if (i < n && q[i] === '*') {
					t.prefix = true;
					while (i < n && q[i] === '*')
						i++;
				}
			} else {
				var j = i;
				while (j < n && !isSpace(q[j]) && q[j] !== '"')
					j++;
				var end = j;
				while (end > i && q[end - 1] === '*')
					end--;
				if (end < j)
					t.prefix = true;
				var star = q.slice(i, end).indexOf('*');
				if (star >= 0 || end === i) {
					var c = col(q, star >= 0 ? i + star : i);
					throw new QueryError("the '*' at column " + c + " is not at the end of a word: '*' finds words " +
						'that start with what comes before it, as in: safeguard*');
				}
				if (!excluded && !t.prefix && end - i === 2 && q[i] === 'O' && q[i + 1] === 'R') {
					items.push({or: true, off: start});
					i = j;
					continue;
				}
				t.text = q.slice(i, end);
				i = j;
			}
			items.push({or: false, excluded: excluded, off: start, term: t});
		}
		return items;
	}

	function sameTokens(a, b) {
		if (a.length !== b.length)
			return false;
		for (var i = 0; i < a.length; i++)
			if (a[i] !== b[i])
				return false;
		return true;
	}

	function copyTerm(t) {
		return {text: t.text, tokens: t.tokens.slice(), quoted: t.quoted, prefix: t.prefix, themes: t.themes};
	}

	function isPlain(g) {
		return g.length === 1 && g[0].length === 1 && !g[0][0].quoted && !g[0][0].prefix;
	}

	/* Adds a theme alternative to group g and records the expansion. */
	function addExpansion(q, g, typed, syn) {
		var seen = false;
		q.exp.forEach(function (x) {
			if (x.theme === syn.theme && x.typed === typed)
				seen = true;
		});
		if (!seen)
			q.exp.push({typed: typed, theme: syn.theme, label: syn.label});
		for (var i = 0; i < g.length; i++)
			if (g[i].length === 1 && g[i][0].themes && g[i][0].text === syn.label)
				return;
		g.push([{text: syn.label, tokens: tokenize(syn.label), quoted: true, prefix: false, themes: true}]);
	}

	function expand(q, syns) {
		var old = q.groups, g = 0;
		q.groups = [];
		while (g < old.length) {
			var best = 0, k, m;
			if (isPlain(old[g])) {
				var run = [];
				for (k = g; k < old.length && isPlain(old[k]); k++) {
					run = run.concat(old[k][0][0].tokens);
					for (m = 0; m < syns.length; m++)
						if (sameTokens(syns[m].tokens, run))
							best = k - g + 1;
				}
			}
			if (best) {
				var words = [], toks = [], typed = [];
				for (k = g; k < g + best; k++) {
					var src = old[k][0][0];
					words.push(copyTerm(src));
					toks = toks.concat(src.tokens);
					typed.push(src.text);
				}
				var ng = [words];
				q.groups.push(ng);
				for (m = 0; m < syns.length; m++)
					if (sameTokens(syns[m].tokens, toks))
						addExpansion(q, ng, typed.join(' '), syns[m]);
				g += best;
				continue;
			}
			var grp = old[g];
			q.groups.push(grp);
			var nalts = grp.length;
			for (var a = 0; a < nalts; a++) {
				if (grp[a].length !== 1 || grp[a][0].prefix || grp[a][0].themes)
					continue;
				var t = copyTerm(grp[a][0]);
				for (m = 0; m < syns.length; m++)
					if (sameTokens(syns[m].tokens, t.tokens))
						addExpansion(q, grp, t.text, syns[m]);
			}
			g++;
		}
	}

	/* Endings a word cut inside its suffix may have had (query.c's
	 * S_endings): the stem of "escalat" starts neither "escal"
	 * (escalation) nor any other stem of the words it starts. */
	var ENDINGS = ['', 'e', 'ion', 'ing', 'ed', 's', 'le', 'ity'];

	/* The forms of prefix term t, as S_prefix_forms makes them: t and t
	 * completed with each ending, kept when the completion changes only
	 * the last token and that token's stem does not start with the stem
	 * of another form (the earlier one of two equal stems is kept). */
	function prefixForms(t) {
		var n = t.tokens.length, last = n - 1, c = [];
		ENDINGS.forEach(function (e, k) {
			var f = copyTerm(t);
			f.text = t.text + e;
			f.tokens = tokenize(f.text);
			var ok = f.tokens.length === n && sameTokens(f.tokens.slice(0, last), t.tokens.slice(0, last));
			if (ok || k === 0)
				c.push(f);
		});
		return c.filter(function (f, i) {
			if (f.tokens.length !== n)
				return true;
			var si = f.tokens[last];
			return !c.some(function (g, j) {
				var sj = g.tokens[last];
				return j !== i && g.tokens.length === n && si.slice(0, sj.length) === sj && (si !== sj || j < i);
			});
		});
	}

	/* Parses like cb_query_parse: {groups: [[alt: [term]]], excluded:
	 * [term], exp: [{typed, theme, label}]}. Throws QueryError. */
	function parse(qs, syns) {
		var items = lex(qs), wordsSeen = 0, ntokens = 0, kept = [], i;
		for (i = 0; i < items.length; i++) {
			var x = items[i];
			if (!x.or) {
				wordsSeen++;
				x.term.tokens = tokenize(x.term.text);
				/* The cap of cb_query_parse, counted as it counts: a
				 * search of thousands of words is refused at once
				 * instead of keeping the page busy. */
				ntokens += x.term.tokens.length;
				if (ntokens > MAX_WORDS)
					throw new QueryError('the search has more than ' + MAX_WORDS + ' words; a search may have at most ' +
						MAX_WORDS + ', so keep the words that matter most');
				if (!x.term.tokens.length)
					continue;
			}
			kept.push(x);
		}
		items = kept;
		if (wordsSeen === 0 && items.length === 0)
			throw new QueryError('the search is empty: type one or more words to look for');
		for (i = 0; i < items.length; i++) {
			if (!items[i].or)
				continue;
			if (i === 0 || i + 1 === items.length || items[i + 1].or || items[i - 1].or)
				throw new QueryError('OR at column ' + col(qs, items[i].off) +
					' needs a word to search for on each side, as in: bruising OR bruise');
			if (items[i - 1].excluded || items[i + 1].excluded)
				throw new QueryError('OR at column ' + col(qs, items[i].off) + " is next to a word left out with '-': " +
					'a left-out word cannot be one of the choices of OR');
		}
		var q = {groups: [], excluded: [], exp: []};
		for (i = 0; i < items.length; i++) {
			var it = items[i];
			if (it.or)
				continue;
			/* A prefix term becomes its forms: alternatives, or exclusions. */
			var forms = it.term.prefix ? prefixForms(it.term) : [it.term];
			if (it.excluded) {
				Array.prototype.push.apply(q.excluded, forms);
				continue;
			}
			if (!(i > 0 && items[i - 1].or))
				q.groups.push([]);
			forms.forEach(function (f) {
				q.groups[q.groups.length - 1].push([f]);
			});
		}
		if (!q.groups.length) {
			if (q.excluded.length)
				throw new QueryError('the search only leaves words out: add at least one word to look for, as in: neglect -audit');
			throw new QueryError('there is nothing to search for: use words made of letters or numbers');
		}
		if (syns.length)
			expand(q, syns);
		return q;
	}

	/* The FTS5 expression cb_query_fts writes, for tests and debugging. */
	function ftsTerm(t) {
		return (t.themes ? '{themes} : ' : '') + '"' + t.text.replace(/"/g, '""') + '"' + (t.prefix ? ' *' : '');
	}

	function fts(q) {
		var pos = q.groups.map(function (g) {
			var s = g.map(function (alt) {
				var a = alt.map(ftsTerm).join(' AND ');
				return alt.length > 1 ? '(' + a + ')' : a;
			}).join(' OR ');
			return g.length > 1 ? '(' + s + ')' : s;
		}).join(' AND ');
		if (!q.excluded.length)
			return pos;
		return '(' + pos + ') NOT (' + q.excluded.map(ftsTerm).join(' OR ') + ')';
	}

	return {
		QueryError: QueryError,
		parse: parse,
		fts: fts
	};
})(typeof CBSTokenizer !== 'undefined' ? CBSTokenizer : require('./tokenizer.js'));

if (typeof module !== 'undefined' && module.exports)
	module.exports = CBSQuery;
