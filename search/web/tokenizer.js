/*
 * casebook browser search: the tokenizer. Tokens as SQLite FTS5's
 * "porter unicode61 remove_diacritics 2" makes them: letters and digits,
 * case folded, diacritics removed, then the Porter stemmer exactly as
 * FTS5's porter tokenizer applies it.
 *
 * A plain script loaded before search/query.js and search/search.js,
 * which take what they need from the global CBSTokenizer.
 */
var CBSTokenizer = (function () {
	'use strict';

	/* ---- tokenizer ---- */

	var MARKS = /[\u0300-\u036f]/g;
	var ASCII = /^[\x00-\x7f]*$/;

	/* Lower case and without diacritics, as unicode61 folds a character. */
	function fold(ch) {
		var c = ch.charCodeAt(0);
		if (c < 128)
			return c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : ch;
		return ch.toLowerCase().normalize('NFD').replace(MARKS, '');
	}

	/* The UTF-8 bytes of s as a string of char codes 0-255: the stemmer
	 * works on bytes, as SQLite's does. */
	function utf8(s) {
		return unescape(encodeURIComponent(s));
	}

	function fromUtf8(b) {
		try {
			return decodeURIComponent(escape(b));
		} catch (e) {
			return b;
		}
	}

	function isVowel(c, yIsVowel) {
		return c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || (yIsVowel && c === 'y');
	}

	/* Skips a run of vowels then consonants in w[start, start+n); returns
	 * the length consumed (0 when there was no such VC pair). */
	function gobbleVC(w, start, n, prevCons) {
		var i, cons = prevCons;
		for (i = 0; i < n; i++) {
			cons = !isVowel(w[start + i], cons);
			if (!cons)
				break;
		}
		for (i++; i < n; i++) {
			cons = !isVowel(w[start + i], cons);
			if (cons)
				return i + 1;
		}
		return 0;
	}

	function mGt0(w, n) {
		return gobbleVC(w, 0, n, false) !== 0;
	}

	function mGt1(w, n) {
		var k = gobbleVC(w, 0, n, false);
		return k !== 0 && gobbleVC(w, k, n - k, true) !== 0;
	}

	function mEq1(w, n) {
		var k = gobbleVC(w, 0, n, false);
		return k !== 0 && gobbleVC(w, k, n - k, true) === 0;
	}

	/* *o: the stem ends consonant-vowel-consonant, the last not w, x or y. */
	function oStar(w, n) {
		var last = w[n - 1];
		if (last === 'w' || last === 'x' || last === 'y')
			return false;
		var mask = 0, cons = false;
		for (var i = 0; i < n; i++) {
			cons = !isVowel(w[i], cons);
			mask = ((mask << 1) | (cons ? 1 : 0)) & 7;
		}
		return mask === 5;
	}

	function mGt1ST(w, n) {
		return (w[n - 1] === 's' || w[n - 1] === 't') && mGt1(w, n);
	}

	/* *v*: the stem holds a vowel. */
	function hasVowel(w, n) {
		for (var i = 0; i < n; i++)
			if (isVowel(w[i], i > 0))
				return true;
		return false;
	}

	/* Rules: [suffix, condition, replacement, result]. As in SQLite, the
	 * first rule whose suffix matches (the word being longer) decides:
	 * when its condition fails, no later rule is tried. */
	var STEP1B = [['eed', mGt0, 'ee', 0], ['ed', hasVowel, '', 1], ['ing', hasVowel, '', 1]];
	var STEP1B2 = [['at', null, 'ate', 1], ['bl', null, 'ble', 1], ['iz', null, 'ize', 1]];
	var STEP2 = [['ational', mGt0, 'ate'], ['tional', mGt0, 'tion'], ['enci', mGt0, 'ence'], ['anci', mGt0, 'ance'],
		['izer', mGt0, 'ize'], ['logi', mGt0, 'log'], ['bli', mGt0, 'ble'], ['alli', mGt0, 'al'],
		['entli', mGt0, 'ent'], ['eli', mGt0, 'e'], ['ousli', mGt0, 'ous'], ['ization', mGt0, 'ize'],
		['ation', mGt0, 'ate'], ['ator', mGt0, 'ate'], ['alism', mGt0, 'al'], ['iveness', mGt0, 'ive'],
		['fulness', mGt0, 'ful'], ['ousness', mGt0, 'ous'], ['aliti', mGt0, 'al'], ['iviti', mGt0, 'ive'],
		['biliti', mGt0, 'ble']];
	var STEP3 = [['icate', mGt0, 'ic'], ['ative', mGt0, ''], ['alize', mGt0, 'al'], ['iciti', mGt0, 'ic'],
		['ical', mGt0, 'ic'], ['ful', mGt0, ''], ['ness', mGt0, '']];
	var STEP4 = [['al', mGt1, ''], ['ance', mGt1, ''], ['ence', mGt1, ''], ['er', mGt1, ''], ['ic', mGt1, ''],
		['able', mGt1, ''], ['ible', mGt1, ''], ['ant', mGt1, ''], ['ement', mGt1, ''], ['ment', mGt1, ''],
		['ent', mGt1, ''], ['ion', mGt1ST, ''], ['ou', mGt1, ''], ['ism', mGt1, ''], ['ate', mGt1, ''],
		['iti', mGt1, ''], ['ous', mGt1, ''], ['ive', mGt1, ''], ['ize', mGt1, '']];

	/* Applies the first matching rule; returns [word, result]. */
	function applyRules(rules, w) {
		for (var i = 0; i < rules.length; i++) {
			var r = rules[i], s = r[0];
			if (w.length > s.length && w.slice(w.length - s.length) === s) {
				var stem = w.length - s.length;
				if (!r[1] || r[1](w, stem))
					return [w.slice(0, stem) + r[2], r[3] || 0];
				return [w, 0];
			}
		}
		return [w, 0];
	}

	/* The Porter stemmer as SQLite's FTS5 porter tokenizer runs it, on the
	 * token's UTF-8 bytes; tokens under 3 or over 64 bytes pass through. */
	var stemCache = new Map();

	function stem(token) {
		var hit = stemCache.get(token);
		if (hit === undefined) {
			hit = stemBytes(token);
			if (stemCache.size > 50000)
				stemCache.clear();
			stemCache.set(token, hit);
		}
		return hit;
	}

	function stemBytes(token) {
		var ascii = ASCII.test(token), w = ascii ? token : utf8(token);
		if (w.length < 3 || w.length > 64)
			return token;
		/* Step 1a */
		if (w[w.length - 1] === 's') {
			if (w[w.length - 2] === 'e') {
				if ((w.length > 4 && w[w.length - 4] === 's' && w[w.length - 3] === 's') ||
					(w.length > 3 && w[w.length - 3] === 'i'))
					w = w.slice(0, -2);
				else
					w = w.slice(0, -1);
			} else if (w[w.length - 2] !== 's') {
				w = w.slice(0, -1);
			}
		}
		/* Step 1b */
		var r = applyRules(STEP1B, w);
		w = r[0];
		if (r[1]) {
			r = applyRules(STEP1B2, w);
			w = r[0];
			if (!r[1]) {
				var c = w[w.length - 1];
				if (!isVowel(c, false) && c !== 'l' && c !== 's' && c !== 'z' && c === w[w.length - 2])
					w = w.slice(0, -1);
				else if (mEq1(w, w.length) && oStar(w, w.length))
					w += 'e';
			}
		}
		/* Step 1c */
		if (w[w.length - 1] === 'y' && hasVowel(w, w.length - 1))
			w = w.slice(0, -1) + 'i';
		w = applyRules(STEP2, w)[0];
		w = applyRules(STEP3, w)[0];
		w = applyRules(STEP4, w)[0];
		/* Step 5a */
		if (w[w.length - 1] === 'e' && (mGt1(w, w.length - 1) || (mEq1(w, w.length - 1) && !oStar(w, w.length - 1))))
			w = w.slice(0, -1);
		/* Step 5b */
		if (w.length > 1 && w[w.length - 1] === 'l' && w[w.length - 2] === 'l' && mGt1(w, w.length - 1))
			w = w.slice(0, -1);
		return ascii ? w : fromUtf8(w);
	}

	/* A token: a letter, digit or private-use character, then any more of
	 * those or combining diacritics (which folding removes). */
	var TOKEN = /[\p{L}\p{N}\p{Co}][\p{L}\p{N}\p{Co}\u0300-\u036f]*/gu;

	/* Tokens of text: stemmed strings, or {t, s, e} with UTF-16 offsets
	 * into text when withOffsets is set. */
	function tokenize(text, withOffsets) {
		var out = [], m;
		TOKEN.lastIndex = 0;
		while ((m = TOKEN.exec(text))) {
			var raw = m[0], tok;
			if (ASCII.test(raw)) {
				tok = raw.toLowerCase();
			} else {
				tok = '';
				for (var ch of raw)
					tok += fold(ch);
			}
			tok = stem(tok);
			out.push(withOffsets ? {t: tok, s: m.index, e: m.index + raw.length} : tok);
		}
		return out;
	}

	return {
		TOKEN: TOKEN,
		stem: stem,
		tokenize: tokenize
	};
})();

if (typeof module !== 'undefined' && module.exports)
	module.exports = CBSTokenizer;
