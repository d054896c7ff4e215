/* imgmeta: see imgmeta.h. */
#include "imgmeta.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define S_IMAGE_EXTS ".jpg|.jpeg|.jpe|.jfif|.png|.apng|.gif|.webp"
#define S_REFUSED_EXTS ".tif|.tiff|.heic|.heif|.avif|.jxl|.dng"

/* One image being copied: the input, where its messages point, the copy. */
typedef struct {
	const uint8_t *p;
	size_t n;
	const char *name;
	const char *kind; /* "JPEG", "PNG"… for messages */
	cb_error *err;
	cb_buf out;
} S_img;

static int S_bad(S_img *m, size_t at, const char *what)
{
	const char *base = strrchr(m->name, '/');
	cb_error_set(m->err, m->name, 0, 0,
		     "'%s' is a damaged %s image (%s, at byte %zu), so its metadata cannot be removed; "
		     "open it in an image editor and save it again",
		     base ? base + 1 : m->name, m->kind, what, at);
	return -1;
}

static void S_put(S_img *m, const uint8_t *p, size_t n)
{
	cb_buf_put(&m->out, (const char *)p, n);
}

static uint32_t S_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t S_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- JPEG ---- */

/* Whether an application segment is kept: JFIF (rewritten without its
 * thumbnail by the caller) and Adobe's colour transform, numbers only. */
static bool S_jpeg_app_kept(uint8_t m, const uint8_t *b, size_t n)
{
	if (m == 0xE0)
		return n >= 14 && memcmp(b, "JFIF\0", 5) == 0;
	return m == 0xEE && n >= 5 && memcmp(b, "Adobe", 5) == 0;
}

/* The entropy-coded data after a scan header, copied verbatim: it ends at
 * the first marker other than a stuffed zero or a restart marker. */
static size_t S_jpeg_scan(S_img *m, size_t i)
{
	size_t start = i;
	for (;;) {
		const uint8_t *ff = i < m->n ? memchr(m->p + i, 0xFF, m->n - i) : NULL;
		if (!ff || (size_t)(ff - m->p) + 1 >= m->n) {
			i = ff ? (size_t)(ff - m->p) : m->n;
			break;
		}
		i = (size_t)(ff - m->p);
		uint8_t x = m->p[i + 1];
		if (x != 0x00 && !(x >= 0xD0 && x <= 0xD7))
			break;
		i += 2;
	}
	S_put(m, m->p + start, i - start);
	return i;
}

static int S_jpeg(S_img *m)
{
	const uint8_t *p = m->p;
	size_t n = m->n, i = 2;
	S_put(m, p, 2);
	for (;;) {
		if (i >= n)
			return S_bad(m, i, "it ends before its end-of-image marker");
		if (p[i] != 0xFF)
			return S_bad(m, i, "a segment does not start with a marker");
		while (i < n && p[i] == 0xFF) /* fill bytes */
			i++;
		if (i >= n)
			return S_bad(m, i, "it ends before its end-of-image marker");
		uint8_t mk = p[i++];
		uint8_t head[4] = {0xFF, mk, 0, 0};
		if (mk == 0xD9) { /* the end: anything after it is dropped */
			S_put(m, head, 2);
			return 1;
		}
		if (mk == 0x00 || mk == 0xD8)
			return S_bad(m, i - 1, "a marker is out of place");
		if (mk == 0x01 || (mk >= 0xD0 && mk <= 0xD7)) { /* no length */
			S_put(m, head, 2);
			continue;
		}
		if (n - i < 2)
			return S_bad(m, i, "a segment's length is cut off");
		size_t seg = (size_t)p[i] << 8 | p[i + 1];
		if (seg < 2 || seg > n - i)
			return S_bad(m, i, "a segment runs past the end of the file");
		const uint8_t *body = p + i + 2;
		size_t blen = seg - 2;
		i += seg;
		if (mk >= 0xE0 && mk <= 0xEF) {
			if (!S_jpeg_app_kept(mk, body, blen))
				continue;
			if (mk == 0xE0) { /* JFIF without its thumbnail */
				static const uint8_t jfif[] = {0xFF, 0xE0, 0x00, 0x10};
				static const uint8_t none[2] = {0, 0};
				S_put(m, jfif, sizeof jfif);
				S_put(m, body, 12);
				S_put(m, none, 2);
				continue;
			}
		} else if (mk == 0xFE) { /* a comment */
			continue;
		}
		S_put(m, head, 2);
		S_put(m, p + i - seg, seg);
		if (mk == 0xDA)
			i = S_jpeg_scan(m, i);
	}
}

/* ---- PNG ---- */

static bool S_png_kept(const uint8_t *type)
{
	static const char *const keep[] = {"tRNS", "gAMA", "cHRM", "sRGB", "cICP", "mDCV", "cLLI",
					   "sBIT", "bKGD", "hIST", "pHYs", "acTL", "fcTL", "fdAT"};
	if (!(type[0] & 0x20)) /* critical: the picture needs it */
		return true;
	for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
		if (memcmp(type, keep[k], 4) == 0)
			return true;
	return false;
}

static int S_png(S_img *m)
{
	const uint8_t *p = m->p;
	size_t n = m->n, i = 8;
	S_put(m, p, 8);
	for (bool first = true;; first = false) {
		if (n - i < 12)
			return S_bad(m, i, "it ends before its IEND chunk");
		uint32_t clen = S_be32(p + i);
		const uint8_t *type = p + i + 4;
		if (clen > 0x7FFFFFFFu || clen > n - i - 12)
			return S_bad(m, i, "a chunk runs past the end of the file");
		for (int k = 0; k < 4; k++)
			if (!((type[k] | 0x20) >= 'a' && (type[k] | 0x20) <= 'z'))
				return S_bad(m, i + 4, "a chunk's type is not four letters");
		if (first && memcmp(type, "IHDR", 4) != 0)
			return S_bad(m, i + 4, "it does not begin with an IHDR chunk");
		size_t whole = 12 + (size_t)clen;
		if (S_png_kept(type))
			S_put(m, p + i, whole);
		i += whole;
		if (memcmp(type, "IEND", 4) == 0) /* what follows it is dropped */
			return 1;
	}
}

/* ---- GIF ---- */

/* Sub-blocks from i to their terminator; returns the offset after it, or
 * 0 when they run past the end. */
static size_t S_gif_blocks(const S_img *m, size_t i)
{
	for (;;) {
		if (i >= m->n)
			return 0;
		size_t sz = m->p[i];
		if (sz == 0)
			return i + 1;
		if (sz >= m->n - i)
			return 0;
		i += sz + 1;
	}
}

static int S_gif(S_img *m)
{
	const uint8_t *p = m->p;
	size_t n = m->n, i = 13;
	if (n < 13)
		return S_bad(m, n, "its header is cut off");
	if (p[10] & 0x80)
		i += (size_t)3 << ((p[10] & 7) + 1);
	if (i > n)
		return S_bad(m, n, "its colour table is cut off");
	S_put(m, p, i);
	for (;;) {
		if (i >= n)
			return S_bad(m, i, "it ends before its trailer");
		size_t at = i, end;
		if (p[i] == 0x3B) {
			S_put(m, p + i, 1);
			return 1;
		}
		if (p[i] == 0x2C) { /* an image: descriptor, colour table, LZW size, data */
			if (n - i < 11)
				return S_bad(m, i, "an image descriptor is cut off");
			size_t lct = (p[i + 9] & 0x80) ? (size_t)3 << ((p[i + 9] & 7) + 1) : 0;
			if (n - i - 10 < lct + 1)
				return S_bad(m, i, "an image's colour table is cut off");
			end = S_gif_blocks(m, i + 10 + lct + 1);
			if (!end)
				return S_bad(m, at, "an image's data runs past the end of the file");
			S_put(m, p + at, end - at);
			i = end;
			continue;
		}
		if (p[i] != 0x21 || n - i < 2)
			return S_bad(m, i, "a block of an unknown kind");
		uint8_t label = p[i + 1];
		end = S_gif_blocks(m, i + 2);
		if (!end)
			return S_bad(m, at, "an extension runs past the end of the file");
		/* Graphic control and plain text draw the picture; an
		 * application extension is kept only for looping. */
		bool keep = label == 0xF9 || label == 0x01;
		if (label == 0xFF && end - i >= 14 && p[i + 2] == 11)
			keep = memcmp(p + i + 3, "NETSCAPE2.0", 11) == 0 ||
			       memcmp(p + i + 3, "ANIMEXTS1.0", 11) == 0;
		if (keep)
			S_put(m, p + at, end - at);
		i = end;
	}
}

/* ---- WebP ---- */

static int S_webp(S_img *m)
{
	const uint8_t *p = m->p;
	uint32_t riff = S_le32(p + 4);
	if (riff < 4 || riff > m->n - 8)
		return S_bad(m, 4, "its size runs past the end of the file");
	size_t n = 8 + (size_t)riff, i = 12;
	S_put(m, p, 12);
	bool image = false;
	while (i < n) {
		if (n - i < 8)
			return S_bad(m, i, "a chunk's header is cut off");
		uint32_t clen = S_le32(p + i + 4);
		size_t whole = 8 + (size_t)clen + (clen & 1);
		if (clen > n - i - 8 || whole > n - i)
			return S_bad(m, i, "a chunk runs past the end of the file");
		const uint8_t *fourcc = p + i;
		if (memcmp(fourcc, "VP8X", 4) == 0) {
			if (clen < 10)
				return S_bad(m, i, "its VP8X chunk is too short");
			size_t at = m->out.len;
			S_put(m, p + i, whole);
			/* The flags say which metadata chunks follow: none now
			 * (ICC 0x20, EXIF 0x08, XMP 0x04). */
			m->out.data[at + 8] = (char)((uint8_t)m->out.data[at + 8] & ~0x2C);
		} else if (memcmp(fourcc, "VP8 ", 4) == 0 || memcmp(fourcc, "VP8L", 4) == 0 ||
			   memcmp(fourcc, "ALPH", 4) == 0 || memcmp(fourcc, "ANIM", 4) == 0 ||
			   memcmp(fourcc, "ANMF", 4) == 0) {
			image = true;
			S_put(m, p + i, whole);
		}
		i += whole;
	}
	if (!image)
		return S_bad(m, i, "it holds no image");
	uint32_t size = (uint32_t)(m->out.len - 8);
	uint8_t le[4] = {(uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16), (uint8_t)(size >> 24)};
	memcpy(m->out.data + 4, le, 4);
	return 1;
}

/* ---- kinds ---- */

/* Kinds with the same metadata in a layout not rewritten here. */
static const char *S_refused(const uint8_t *p, size_t n)
{
	if (n >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0))
		return "TIFF";
	if ((n >= 2 && p[0] == 0xFF && p[1] == 0x0A) || (n >= 8 && memcmp(p + 4, "JXL ", 4) == 0))
		return "JPEG XL";
	if (n >= 12 && memcmp(p + 4, "ftyp", 4) == 0) {
		static const char *const brands[] = {"heic", "heix", "hevc", "hevx", "heim", "heis",
						     "hevm", "hevs", "mif1", "msf1", "avif", "avis"};
		for (size_t k = 0; k < sizeof brands / sizeof brands[0]; k++)
			if (memcmp(p + 8, brands[k], 4) == 0)
				return "HEIF";
	}
	return NULL;
}

bool cb_imgmeta_named(const char *path)
{
	return cb_name_ext(path, S_IMAGE_EXTS "|" S_REFUSED_EXTS) > 0;
}

int cb_imgmeta_strip(const char *name, const char *data, size_t len, char **out, size_t *outlen,
		     cb_error *err)
{
	*out = NULL;
	*outlen = 0;
	S_img m = {(const uint8_t *)data, len, name, NULL, err, CB_BUF_INIT};
	const uint8_t *p = m.p;
	int (*strip)(S_img *) = NULL;
	if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
		m.kind = "JPEG";
		strip = S_jpeg;
	} else if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1A\n", 8) == 0) {
		m.kind = "PNG";
		strip = S_png;
	} else if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) {
		m.kind = "GIF";
		strip = S_gif;
	} else if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) {
		m.kind = "WebP";
		strip = S_webp;
	}
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (!strip) {
		const char *refused = S_refused(p, len);
		if (refused) {
			cb_error_set(
			    err, name, 0, 0,
			    "'%s' is a %s image, whose metadata (such as where and when a photograph "
			    "was taken) casebook cannot remove; save it as JPEG or PNG and link to that",
			    base, refused);
			return -1;
		}
		if (cb_imgmeta_named(name)) {
			cb_error_set(
			    err, name, 0, 0,
			    "'%s' is named as an image but is not a JPEG, PNG, GIF or WebP image, so "
			    "its metadata cannot be removed; save it again as one of those",
			    base);
			return -1;
		}
		return 0;
	}
	if (strip(&m) < 0) {
		cb_buf_free(&m.out);
		return -1;
	}
	*outlen = m.out.len;
	*out = cb_buf_detach(&m.out);
	return 1;
}
