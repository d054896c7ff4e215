#define _GNU_SOURCE
/* Unit tests for imgmeta: metadata removed from hand-built JPEG, PNG, GIF
 * and WebP images, the picture's bytes kept, damaged images refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "imgmeta.h"
#include "util.h"

#include "testutil.h"

/* An image built a piece at a time. */
typedef struct {
	cb_buf b;
} T_img;

static void T_put(T_img *t, const void *p, size_t n)
{
	cb_buf_put(&t->b, p, n);
}

static void T_str(T_img *t, const char *s)
{
	T_put(t, s, strlen(s));
}

/* A JPEG segment: marker, big-endian length, body. */
static void T_seg(T_img *t, uint8_t marker, const void *body, size_t n)
{
	uint8_t h[4] = {0xFF, marker, (uint8_t)((n + 2) >> 8), (uint8_t)(n + 2)};
	T_put(t, h, 4);
	T_put(t, body, n);
}

/* A PNG chunk (the CRC is not checked by the stripper: any four bytes). */
static void T_chunk(T_img *t, const char *type, const void *body, uint32_t n)
{
	uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	T_put(t, h, 4);
	T_put(t, type, 4);
	T_put(t, body, n);
	T_put(t, "\x01\x02\x03\x04", 4);
}

static bool T_has(const char *hay, size_t n, const char *needle, size_t k)
{
	return memmem(hay, n, needle, k) != NULL;
}

/* The stripped bytes are exactly want's; frees both. */
static void T_expect(char *out, size_t n, T_img *want)
{
	assert_int_equal(n, want->b.len);
	assert_memory_equal(out, want->b.data, n);
	free(out);
	cb_buf_free(&want->b);
}

/* Strips t's bytes; returns the result code, *out and *outlen set. */
static int T_strip(const char *name, T_img *t, char **out, size_t *outlen, cb_error *err)
{
	return cb_imgmeta_strip(name, t->b.data, t->b.len, out, outlen, err);
}

static const uint8_t S_scan[] = {0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD1, 0x78};

/* A JPEG with JFIF (and a thumbnail), EXIF with GPS, XMP, an ICC
 * profile, Adobe, a comment, tables, a frame, a scan whose data holds
 * stuffed bytes and restart markers, and data after the end. */
static void T_jpeg(T_img *t)
{
	T_put(t, "\xFF\xD8", 2);
	uint8_t jfif[14 + 6] = {'J', 'F', 'I', 'F', 0, 1, 2, 0, 0, 72, 0, 72, 2, 1, 9, 9, 9, 9, 9, 9};
	T_seg(t, 0xE0, jfif, sizeof jfif);
	T_seg(t, 0xE1, "Exif\0\0MM\0*GPSLatitude 51.5N", 28);
	T_seg(t, 0xE1, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Jo Bloggs</x:xmpmeta>", 62);
	T_seg(t, 0xE2, "ICC_PROFILE\0\1\1Jo Bloggs's display", 34);
	T_seg(t, 0xEE, "Adobe\0\x64\0\0\0\0\1", 12);
	T_seg(t, 0xFE, "taken at 12 Acacia Avenue", 25);
	T_seg(t, 0xDB, "\0QTABLE", 7);
	T_seg(t, 0xC0, "\x08\0\x10\0\x10\x01\x01\x11\0", 9);
	T_seg(t, 0xC4, "\0HUFF", 5);
	T_put(t, "\xFF\xFF", 2); /* fill bytes before a marker */
	T_seg(t, 0xDA, "\x01\x01\0\0\x3F\0", 6);
	T_put(t, S_scan, sizeof S_scan);
	T_put(t, "\xFF\xD9", 2);
	T_str(t, "trailer: Jo Bloggs");
}

static void test_jpeg_metadata_removed(void **state)
{
	(void)state;
	T_img t = {CB_BUF_INIT};
	T_jpeg(&t);
	char *out;
	size_t n;
	cb_error err = CB_ERROR_INIT;
	assert_int_equal(T_strip("content/photo.jpg", &t, &out, &n, &err), 1);
	assert_false(T_has(out, n, "Exif", 4));
	assert_false(T_has(out, n, "GPS", 3));
	assert_false(T_has(out, n, "xmpmeta", 7));
	assert_false(T_has(out, n, "ICC_PROFILE", 11));
	assert_false(T_has(out, n, "Jo Bloggs", 9));
	assert_false(T_has(out, n, "Acacia", 6));
	/* What the picture needs, in order, byte for byte. */
	T_img want = {CB_BUF_INIT};
	T_put(&want, "\xFF\xD8", 2);
	T_seg(&want, 0xE0, "JFIF\0\1\2\0\0\x48\0\x48\0\0", 14);
	T_seg(&want, 0xEE, "Adobe\0\x64\0\0\0\0\1", 12);
	T_seg(&want, 0xDB, "\0QTABLE", 7);
	T_seg(&want, 0xC0, "\x08\0\x10\0\x10\x01\x01\x11\0", 9);
	T_seg(&want, 0xC4, "\0HUFF", 5);
	T_seg(&want, 0xDA, "\x01\x01\0\0\x3F\0", 6);
	T_put(&want, S_scan, sizeof S_scan);
	T_put(&want, "\xFF\xD9", 2);
	T_expect(out, n, &want);
	cb_buf_free(&t.b);
}

static void test_jpeg_progressive_scans(void **state)
{
	(void)state;
	T_img t = {CB_BUF_INIT};
	T_put(&t, "\xFF\xD8", 2);
	T_seg(&t, 0xC2, "\x08\0\x10\0\x10\x01\x01\x11\0", 9);
	T_seg(&t, 0xDA, "\x01\x01\0\0\0\0", 6);
	T_put(&t, "\x01\xFF\x00\x02", 4);
	T_seg(&t, 0xC4, "\0HUFF", 5);
	T_seg(&t, 0xE1, "Exif\0\0between scans", 19);
	T_seg(&t, 0xDA, "\x01\x01\0\x01\x3F\0", 6);
	T_put(&t, "\x03\x04", 2);
	T_put(&t, "\xFF\xD9", 2);
	char *out;
	size_t n;
	cb_error err = CB_ERROR_INIT;
	assert_int_equal(T_strip("a.jpeg", &t, &out, &n, &err), 1);
	assert_false(T_has(out, n, "Exif", 4));
	assert_int_equal(n, t.b.len - 23);
	assert_true(T_has(out, n, "\x01\xFF\x00\x02\xFF\xC4", 6));
	assert_memory_equal(out + n - 4, "\x03\x04\xFF\xD9", 4);
	free(out);
	cb_buf_free(&t.b);
}

/* Every way of cutting a JPEG or PNG short is an error naming the file,
 * never a crash or a copy of what was cut. */
static void test_truncated_refused(void **state)
{
	(void)state;
	T_img j = {CB_BUF_INIT}, p = {CB_BUF_INIT};
	T_jpeg(&j);
	size_t jend = j.b.len - strlen("trailer: Jo Bloggs") - 2; /* the EOI */
	T_put(&p, "\x89PNG\r\n\x1A\n", 8);
	T_chunk(&p, "IHDR", "\0\0\0\1\0\0\0\1\x08\x02\0\0\0", 13);
	T_chunk(&p, "IDAT", "pixels", 6);
	T_chunk(&p, "IEND", "", 0);
	for (size_t cut = 3; cut < jend; cut++) {
		char *out;
		size_t n;
		cb_error err = CB_ERROR_INIT;
		assert_int_equal(cb_imgmeta_strip("content/p.jpg", j.b.data, cut, &out, &n, &err), -1);
		assert_null(out);
		assert_string_equal(err.file, "content/p.jpg");
		assert_non_null(strstr(err.msg, "'p.jpg' is a damaged JPEG image"));
	}
	for (size_t cut = 8; cut < p.b.len; cut++) {
		char *out;
		size_t n;
		cb_error err = CB_ERROR_INIT;
		assert_int_equal(cb_imgmeta_strip("p.png", p.b.data, cut, &out, &n, &err), -1);
		assert_non_null(strstr(err.msg, "damaged PNG image"));
	}
	cb_buf_free(&j.b);
	cb_buf_free(&p.b);
}

static void test_jpeg_bad_lengths(void **state)
{
	(void)state;
	char *out;
	size_t n;
	cb_error err = CB_ERROR_INIT;
	/* A segment length of 1 (less than its own two bytes), one past the
	 * end, and a stray byte where a marker belongs. */
	static const char len1[] = "\xFF\xD8\xFF\xE1\x00\x01\xFF\xD9";
	assert_int_equal(cb_imgmeta_strip("x.jpg", len1, sizeof len1 - 1, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "runs past the end"));
	static const char big[] = "\xFF\xD8\xFF\xE1\xFF\xFF"
				  "abc";
	assert_int_equal(cb_imgmeta_strip("x.jpg", big, sizeof big - 1, &out, &n, &err), -1);
	static const char stray[] = "\xFF\xD8\xFF\xDB\x00\x03\x00Z\xFF\xD9";
	assert_int_equal(cb_imgmeta_strip("x.jpg", stray, sizeof stray - 1, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "does not start with a marker"));
}

static void test_png_chunks(void **state)
{
	(void)state;
	T_img t = {CB_BUF_INIT};
	T_put(&t, "\x89PNG\r\n\x1A\n", 8);
	T_chunk(&t, "IHDR", "\0\0\0\1\0\0\0\1\x08\x06\0\0\0", 13);
	T_chunk(&t, "tEXt", "Author\0Jo Bloggs", 16);
	T_chunk(&t, "zTXt", "Comment\0\0xx", 11);
	T_chunk(&t, "iTXt", "XML:com.adobe.xmp\0\0\0\0\0<x/>", 26);
	T_chunk(&t, "eXIf", "MM\0*GPS", 7);
	T_chunk(&t, "tIME", "\x07\xE8\1\1\0\0\0", 7);
	T_chunk(&t, "iCCP", "Jo's display\0\0zz", 16);
	T_chunk(&t, "prVt", "private", 7);
	T_chunk(&t, "gAMA", "\0\0\xB1\x8F", 4);
	T_chunk(&t, "pHYs", "\0\0\x0B\x13\0\0\x0B\x13\1", 9);
	T_chunk(&t, "IDAT", "pixels", 6);
	T_chunk(&t, "IEND", "", 0);
	T_str(&t, "after the end");
	char *out;
	size_t n;
	cb_error err = CB_ERROR_INIT;
	assert_int_equal(T_strip("c.png", &t, &out, &n, &err), 1);
	T_img want = {CB_BUF_INIT};
	T_put(&want, "\x89PNG\r\n\x1A\n", 8);
	T_chunk(&want, "IHDR", "\0\0\0\1\0\0\0\1\x08\x06\0\0\0", 13);
	T_chunk(&want, "gAMA", "\0\0\xB1\x8F", 4);
	T_chunk(&want, "pHYs", "\0\0\x0B\x13\0\0\x0B\x13\1", 9);
	T_chunk(&want, "IDAT", "pixels", 6);
	T_chunk(&want, "IEND", "", 0);
	T_expect(out, n, &want);
	cb_buf_free(&t.b);
}

static void test_png_bad_chunks(void **state)
{
	(void)state;
	char *out;
	size_t n;
	cb_error err = CB_ERROR_INIT;
	T_img t = {CB_BUF_INIT};
	T_put(&t, "\x89PNG\r\n\x1A\n", 8);
	T_put(&t, "\xFF\xFF\xFF\xF0IHDR", 8); /* a length far past the end */
	T_put(&t, "0123456789abcdef", 16);
	assert_int_equal(T_strip("c.png", &t, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "a chunk runs past the end of the file, at byte 8"));
	cb_buf_clear(&t.b);
	T_put(&t, "\x89PNG\r\n\x1A\n", 8);
	T_chunk(&t, "tEXt", "a\0b", 3);
	T_chunk(&t, "IEND", "", 0);
	assert_int_equal(T_strip("c.png", &t, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "IHDR"));
	cb_buf_clear(&t.b);
	T_put(&t, "\x89PNG\r\n\x1A\n", 8);
	T_chunk(&t, "IHDR", "\0\0\0\1\0\0\0\1\x08\x06\0\0\0", 13);
	T_chunk(&t, "ID 1", "x", 1);
	assert_int_equal(T_strip("c.png", &t, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "four letters"));
	cb_buf_free(&t.b);
}

static void test_gif_comments(void **state)
{
	(void)state;
	T_img t = {CB_BUF_INIT};
	T_str(&t, "GIF89a");
	T_put(&t, "\x01\0\x01\0\x80\0\0", 7); /* global table of 2 colours */
	T_put(&t, "\0\0\0\xFF\xFF\xFF", 6);
	T_put(&t, "\x21\xFF\x0BNETSCAPE2.0\x03\x01\0\0\0", 19);
	T_put(&t, "\x21\xFE\x09Jo Bloggs\0", 13);
	T_put(&t, "\x21\xFF\x0BXMP DataXMP\x05<x/>!\0", 21);
	T_put(&t, "\x21\xF9\x04\0\0\0\0\0", 8);
	T_put(&t, "\x2C\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0", 15);
	T_put(&t, "\x3B", 1);
	T_str(&t, "after");
	char *out;
	size_t n;
	cb_error err = CB_ERROR_INIT;
	assert_int_equal(T_strip("a.gif", &t, &out, &n, &err), 1);
	assert_false(T_has(out, n, "Jo Bloggs", 9));
	assert_false(T_has(out, n, "XMP", 3));
	assert_false(T_has(out, n, "after", 5));
	assert_true(T_has(out, n, "NETSCAPE2.0", 11));
	assert_int_equal(n, t.b.len - 13 - 21 - 5);
	assert_memory_equal(out + n - 16, "\x2C\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0\x3B", 16);
	free(out);
	/* An image's data that never ends. */
	t.b.len -= 8;
	assert_int_equal(T_strip("a.gif", &t, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "damaged GIF image"));
	cb_buf_free(&t.b);
}

static void test_webp_chunks(void **state)
{
	(void)state;
	T_img t = {CB_BUF_INIT};
	T_put(&t, "RIFF\0\0\0\0WEBP", 12);
	T_put(&t, "VP8X\x0A\0\0\0\x2C\0\0\0\0\0\0\0\0\0", 18); /* ICC, EXIF and XMP flags set */
	T_put(&t, "ICCP\x03\0\0\0abc\0", 12);
	T_put(&t, "VP8L\x05\0\0\0\x2F\0\0\0\0\0", 14);
	T_put(&t, "EXIF\x07\0\0\0MM\0*GPS\0", 16);
	T_put(&t, "XMP \x04\0\0\0<x/>", 12);
	uint32_t riff = (uint32_t)t.b.len - 8;
	memcpy(t.b.data + 4, &riff, 4); /* little-endian machines only build this */
	char *out;
	size_t n;
	cb_error err = CB_ERROR_INIT;
	assert_int_equal(T_strip("a.webp", &t, &out, &n, &err), 1);
	assert_int_equal(n, 12 + 18 + 14);
	assert_false(T_has(out, n, "GPS", 3));
	assert_false(T_has(out, n, "<x/>", 4));
	assert_int_equal((uint8_t)out[20], 0); /* no metadata flags */
	assert_int_equal((uint8_t)out[4], n - 8);
	assert_memory_equal(out + 30, "VP8L\x05\0\0\0\x2F\0\0\0\0\0", 14);
	free(out);
	t.b.data[4] = (char)0xF0; /* a RIFF size past the end */
	assert_int_equal(T_strip("a.webp", &t, &out, &n, &err), -1);
	cb_buf_free(&t.b);
}

/* Kinds whose metadata cannot be removed are refused; a file named as an
 * image that is none is refused; other files are left alone. */
static void test_kinds(void **state)
{
	(void)state;
	char *out;
	size_t n;
	cb_error err = CB_ERROR_INIT;
	static const char heic[] = "\0\0\0\x18"
				   "ftypheic\0\0\0\0mif1heic";
	assert_int_equal(cb_imgmeta_strip("content/IMG_0001.HEIC", heic, sizeof heic - 1, &out, &n, &err),
			 -1);
	assert_string_equal(err.msg,
			    "'IMG_0001.HEIC' is a HEIF image, whose metadata (such as where and when "
			    "a photograph was taken) casebook cannot remove; save it as JPEG or PNG "
			    "and link to that");
	assert_int_equal(cb_imgmeta_strip("scan.dat", "II*\0\x08\0\0\0", 8, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "a TIFF image"));
	assert_int_equal(cb_imgmeta_strip("photo.png", "%PDF-1.7", 8, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "'photo.png' is named as an image but is not"));
	assert_int_equal(cb_imgmeta_strip("report.pdf", "%PDF-1.7", 8, &out, &n, &err), 0);
	assert_null(out);
	assert_int_equal(cb_imgmeta_strip("empty.txt", "", 0, &out, &n, &err), 0);
	assert_true(cb_imgmeta_named("a/b/Photo.JPG"));
	assert_true(cb_imgmeta_named("x.heic"));
	assert_false(cb_imgmeta_named("x.pdf"));
	assert_false(cb_imgmeta_named("x.svg"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jpeg_metadata_removed),
	    cmocka_unit_test(test_jpeg_progressive_scans),
	    cmocka_unit_test(test_truncated_refused),
	    cmocka_unit_test(test_jpeg_bad_lengths),
	    cmocka_unit_test(test_png_chunks),
	    cmocka_unit_test(test_png_bad_chunks),
	    cmocka_unit_test(test_gif_comments),
	    cmocka_unit_test(test_webp_chunks),
	    cmocka_unit_test(test_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
