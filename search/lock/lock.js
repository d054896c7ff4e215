/*
 * casebook encrypted copies: the unlock page and the single-page shell that
 * shows the library once it is unlocked. A plain script (no modules, no
 * fetch) so it works from file://. The format it reads is described in
 * generator/seal.h; it uses only WebCrypto (PBKDF2-HMAC-SHA256, HMAC-SHA256,
 * AES-256-GCM).
 *
 * The derived keys are kept in sessionStorage (this tab only, gone when it
 * closes) so a reload or a link opened in a new tab does not ask again;
 * never in localStorage, IndexedDB or cookies. Every page is shown from
 * index.html: the address is index.html#/documents/x.html, so links, the
 * back button, bookmarks within the tab and reloads work as in a plain
 * copy. A file that fails to open (changed, truncated, or missing) shows an
 * error and nothing of its content.
 */
(function () {
	'use strict';
	var P = window.CB_LOCK;
	if (!P || !window.crypto || !crypto.subtle) {
		var st = document.getElementById('lock-status');
		if (st)
			st.textContent = 'This browser cannot open an encrypted library (it has no WebCrypto). ' +
				'Try a current Chrome, Edge or Firefox.';
		return;
	}
	var enc = new TextEncoder(), dec = new TextDecoder();
	var root = location.href.replace(/[#?].*$/, '').replace(/[^/]*$/, '');
	var STORE = 'casebook-key:' + P.salt;
	var keys = null, pending = {}, shown = null, gen = 0;
	var unlockPage = document.body.cloneNode(true);

	/* ---- bytes ---- */
	function b64dec(s) {
		var bin = atob(s), u = new Uint8Array(bin.length);
		for (var i = 0; i < bin.length; i++)
			u[i] = bin.charCodeAt(i);
		return u;
	}
	function b64enc(u) {
		var s = '';
		for (var i = 0; i < u.length; i++)
			s += String.fromCharCode(u[i]);
		return btoa(s);
	}
	function cat(a, b) {
		var u = new Uint8Array(a.length + 1 + b.length);
		u.set(a, 0);
		u.set(b, a.length + 1);
		return u;
	}
	function hex(buf, n) {
		var u = new Uint8Array(buf), s = '';
		for (var i = 0; i < n; i++)
			s += (u[i] < 16 ? '0' : '') + u[i].toString(16);
		return s;
	}

	/* ---- keys ---- */
	function derive(pass) {
		return crypto.subtle.importKey('raw', enc.encode(pass), 'PBKDF2', false, ['deriveBits']).then(function (k) {
			return crypto.subtle.deriveBits({name: 'PBKDF2', hash: 'SHA-256', salt: b64dec(P.salt),
				iterations: P.iterations}, k, 512);
		}).then(function (bits) {
			return new Uint8Array(bits);
		});
	}
	function useKeys(raw) {
		return Promise.all([
			crypto.subtle.importKey('raw', raw.slice(0, 32), {name: 'AES-GCM'}, false, ['decrypt']),
			crypto.subtle.importKey('raw', raw.slice(32, 64), {name: 'HMAC', hash: 'SHA-256'}, false, ['sign'])
		]).then(function (k) {
			return {aes: k[0], hmac: k[1]};
		});
	}
	function decrypt(k, path, sealed) {
		if (sealed.length < 28)
			return Promise.reject(new Error('damaged'));
		return crypto.subtle.decrypt({name: 'AES-GCM', iv: sealed.slice(0, 12), tagLength: 128,
			additionalData: cat(enc.encode('casebook/1'), enc.encode(path))}, k.aes, sealed.slice(12));
	}
	/* A sealed file's bytes: the frame's length, then the content. */
	function openBytes(k, path, sealed) {
		return decrypt(k, path, sealed).then(function (buf) {
				var u = new Uint8Array(buf), n = (u[0] << 24 | u[1] << 16 | u[2] << 8 | u[3]) >>> 0;
				if (u.length < 4 || n > u.length - 4)
					throw new Error('damaged');
				return u.subarray(4, 4 + n);
			});
	}

	/* ---- files: e/N.js calls cbx(N, base64) when it loads ---- */
	window.cbx = function (name, b64) {
		var f = pending[name];
		if (f)
			f(b64);
	};
	function fail(kind, path) {
		var e = new Error(kind === 'missing' ? 'no such page in this copy: ' + path :
			'this file is damaged or was changed: ' + path);
		e.kind = kind;
		return e;
	}
	/* The plain bytes of site path, as a promise. */
	function load(path) {
		var k = keys;
		return crypto.subtle.sign('HMAC', k.hmac, cat(enc.encode('casebook-name'), enc.encode(path))).then(function (mac) {
			var name = hex(mac, 16);
			return new Promise(function (resolve, reject) {
				var got = null;
				pending[name] = function (b64) {
					got = b64;
				};
				var s = document.createElement('script');
				s.src = root + 'e/' + name + '.js';
				s.onload = function () {
					delete pending[name];
					s.remove();
					if (got === null)
						return reject(fail('damaged', path));
					var bytes;
					try {
						bytes = b64dec(got);
					} catch (e) {
						return reject(fail('damaged', path));
					}
					openBytes(k, path, bytes).then(resolve, function () {
						reject(fail('damaged', path));
					});
				};
				s.onerror = function () {
					delete pending[name];
					s.remove();
					reject(fail('missing', path));
				};
				document.head.appendChild(s);
			});
		});
	}

	/* ---- routes: #/path?query#fragment ---- */
	function route() {
		var h = decodeURI(location.hash.replace(/^#\/?/, ''));
		var m = /^([^?#]*)(\?[^#]*)?(#.*)?$/.exec(h) || ['', '', '', ''];
		return {path: m[1] || 'index.html', query: m[2] || '', frag: (m[3] || '').slice(1)};
	}
	/* The route for an address inside the copy, or null for one outside. */
	function routeOf(href, base) {
		var u;
		try {
			u = new URL(href, base);
		} catch (e) {
			return null;
		}
		var plain = u.href.replace(/[#?].*$/, '');
		if (plain.indexOf(root) !== 0)
			return null;
		var rel = decodeURI(plain.slice(root.length));
		return {path: rel || 'index.html', query: u.search, frag: u.hash.slice(1)};
	}
	function hashFor(r) {
		return '#/' + encodeURI(r.path) + r.query + (r.frag ? '#' + r.frag : '');
	}
	function isPlain(path) {
		return /^assets\//.test(path) || path === 'search/search.css' ||
			/^search\/(tokenizer|query|search|ui|lock)\.js$/.test(path);
	}
	var TYPES = {png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml',
		webp: 'image/webp', pdf: 'application/pdf'};
	function blobUrl(path) {
		return load(path).then(function (bytes) {
			var ext = (/\.([a-z0-9]+)$/i.exec(path) || ['', ''])[1].toLowerCase();
			return URL.createObjectURL(new Blob([bytes], {type: TYPES[ext] || 'application/octet-stream'}));
		});
	}

	/* Makes the parsed page's addresses work inside the shell. */
	function rewrite(doc, base) {
		doc.querySelectorAll('a[href]').forEach(function (a) {
			var r = routeOf(a.getAttribute('href'), base);
			if (!r)
				return;
			if (isPlain(r.path))
				a.setAttribute('href', root + r.path);
			else if (/\.html$/.test(r.path))
				a.setAttribute('href', hashFor(r));
			else
				a.setAttribute('data-cb-file', r.path);
		});
		doc.querySelectorAll('img[src]').forEach(function (img) {
			var r = routeOf(img.getAttribute('src'), base);
			if (!r)
				return;
			if (isPlain(r.path)) {
				img.setAttribute('src', root + r.path);
				return;
			}
			img.removeAttribute('src');
			blobUrl(r.path).then(function (u) {
				img.src = u;
			}, function () {
				img.alt = (img.alt || '') + ' (this image could not be opened)';
			});
		});
	}

	function showError(e) {
		var b = document.createElement('body');
		b.className = 'locked';
		var main = document.createElement('main');
		main.className = 'container lock';
		main.id = 'main';
		var h = document.createElement('h1');
		h.textContent = e.kind === 'missing' ? 'Page not found' : 'This page could not be opened';
		var p = document.createElement('p');
		p.setAttribute('role', 'alert');
		p.textContent = e.kind === 'missing' ? 'This copy of the library has no such page.' :
			'The file is damaged or was changed since the library was built, so nothing from it is shown. ' +
			'Copy the library again from its source.';
		var back = document.createElement('a');
		back.href = '#/index.html';
		back.textContent = 'Go to the home page';
		main.appendChild(h);
		main.appendChild(p);
		main.appendChild(back);
		b.appendChild(main);
		document.body.replaceWith(b);
		document.title = h.textContent;
		window.CB_SHOWN = {error: e.kind || 'damaged'};
	}

	function lockButton() {
		var btn = document.createElement('button');
		btn.type = 'button';
		btn.className = 'lock-button';
		btn.id = 'lock-now';
		btn.textContent = 'Lock';
		btn.addEventListener('click', lock);
		var nav = document.querySelector('.site-header__inner') || document.body;
		nav.appendChild(btn);
	}

	/* The search engine's scripts: run once, as the shell keeps their globals. */
	var ENGINE = /^search\/(tokenizer|query|search)\.js$/;
	function runScripts(body, base) {
		body.querySelectorAll('script[src]').forEach(function (old) {
			var r = routeOf(old.getAttribute('src'), base);
			old.remove();
			if (!r || !isPlain(r.path) || (ENGINE.test(r.path) && window.CBS))
				return;
			var s = document.createElement('script');
			s.src = root + r.path;
			s.async = false;
			if (r.path === 'search/search.js')
				s.onload = searchLoader;
			document.body.appendChild(s);
		});
	}
	function searchLoader() {
		window.CBS.setLoader(function (url, done) {
			var r = routeOf(url, root);
			load(r.path).then(function (bytes) {
				/* The index files are calls of CBS.meta/shard/docs; authenticated above. */
				(new Function(dec.decode(bytes)))();
				done(null);
			}, done);
		});
	}

	function show(r) {
		var my = ++gen;
		if (shown && shown.path === r.path && shown.query === r.query) {
			focusFrag(r.frag);
			return Promise.resolve();
		}
		return load(r.path).then(function (bytes) {
			if (my !== gen)
				return;
			var base = root + r.path + r.query;
			var doc = new DOMParser().parseFromString(dec.decode(bytes), 'text/html');
			rewrite(doc, base);
			document.querySelectorAll('link[data-cb]').forEach(function (l) {
				l.remove();
			});
			doc.querySelectorAll('link[rel="stylesheet"][href]').forEach(function (l) {
				var lr = routeOf(l.getAttribute('href'), base);
				if (!lr || !isPlain(lr.path))
					return;
				var n = document.createElement('link');
				n.rel = 'stylesheet';
				n.href = root + lr.path;
				n.setAttribute('data-cb', '');
				document.head.appendChild(n);
			});
			document.title = doc.title;
			document.documentElement.lang = doc.documentElement.lang || document.documentElement.lang;
			var body = document.adoptNode(doc.body);
			var scripts = body.querySelectorAll('script[src]').length;
			document.body.replaceWith(body);
			lockButton();
			if (scripts)
				runScripts(body, base);
			shown = r;
			window.CB_SHOWN = {path: r.path};
			focusFrag(r.frag, true);
		}, function (e) {
			if (my !== gen)
				return;
			shown = null;
			if (e.kind === 'missing' && r.path !== '404.html')
				return load('404.html').then(function () {
					return show({path: '404.html', query: '', frag: ''});
				}, function () {
					showError(e);
				});
			showError(e);
		});
	}
	function focusFrag(frag, fresh) {
		var t = frag && document.getElementById(frag);
		if (t) {
			t.scrollIntoView();
			if (!t.hasAttribute('tabindex'))
				t.setAttribute('tabindex', '-1');
			t.focus({preventScroll: true});
		} else if (fresh) {
			window.scrollTo(0, 0);
		}
	}

	/* For search/ui.js: the search lives in the route's query. */
	window.CBLOCK = {
		query: function () {
			return route().query;
		},
		setQuery: function (qs) {
			var r = route();
			r.query = qs ? '?' + qs : '';
			shown = {path: r.path, query: r.query};
			try {
				history.replaceState(null, '', hashFor(r));
			} catch (e) {
				/* the search still works */
			}
		}
	};

	function lock() {
		try {
			sessionStorage.removeItem(STORE);
		} catch (e) {
			/* nothing kept */
		}
		keys = null;
		shown = null;
		gen++;
		document.body.replaceWith(unlockPage.cloneNode(true));
		document.title = unlockPage.querySelector('h1') ? unlockPage.querySelector('h1').textContent + ' — locked' : 'Locked';
		history.replaceState(null, '', location.href.replace(/#.*$/, ''));
		bindForm();
	}

	function start(raw) {
		return useKeys(raw).then(function (k) {
			return decrypt(k, '', b64dec(P.check)).then(function () {
				keys = k;
				try {
					sessionStorage.setItem(STORE, b64enc(raw));
				} catch (e) {
					/* this tab only then: a reload asks again */
				}
				return true;
			}, function () {
				return false;
			});
		});
	}

	function bindForm() {
		var form = document.getElementById('lock-form');
		var status = document.getElementById('lock-status');
		var input = document.getElementById('lock-pass');
		if (!form)
			return;
		input.focus();
		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			var t0 = performance.now();
			status.textContent = 'Unlocking…';
			derive(input.value).then(start).then(function (good) {
				if (!good) {
					status.textContent = 'That passphrase does not open this library. Check it and try again.';
					input.select();
					return;
				}
				window.CB_UNLOCK_MS = performance.now() - t0;
				input.value = '';
				return show(route());
			}).catch(function () {
				status.textContent = 'This library could not be opened in this browser.';
			});
		});
	}

	/* Links made after a page was shown (search results) and forms. */
	document.addEventListener('click', function (ev) {
		if (!keys || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey)
			return;
		var a = ev.target.closest && ev.target.closest('a[href]');
		if (!a)
			return;
		var file = a.getAttribute('data-cb-file');
		if (file) {
			ev.preventDefault();
			blobUrl(file).then(function (u) {
				var d = document.createElement('a');
				d.href = u;
				d.download = file.replace(/^.*\//, '');
				document.body.appendChild(d);
				d.click();
				d.remove();
			}, showError);
			return;
		}
		var href = a.getAttribute('href');
		if (href.charAt(0) === '#' && href.charAt(1) === '/')
			return;
		var r = routeOf(href, root + (shown ? shown.path + shown.query : ''));
		if (r && /\.html$/.test(r.path)) {
			ev.preventDefault();
			location.hash = hashFor(r);
		}
	});
	document.addEventListener('submit', function (ev) {
		if (!keys || ev.defaultPrevented)
			return;
		var f = ev.target, r = routeOf(f.getAttribute('action') || '', root + (shown ? shown.path : ''));
		if (!r)
			return;
		ev.preventDefault();
		var parts = [];
		new FormData(f).forEach(function (v, k) {
			parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
		});
		r.query = parts.length ? '?' + parts.join('&') : '';
		location.hash = hashFor(r);
	});
	window.addEventListener('hashchange', function () {
		if (keys)
			show(route());
	});

	var saved = null;
	try {
		saved = sessionStorage.getItem(STORE);
	} catch (e) {
		saved = null;
	}
	if (saved) {
		start(b64dec(saved)).then(function (good) {
			if (good)
				show(route());
			else
				bindForm();
		});
	} else {
		bindForm();
	}
})();
