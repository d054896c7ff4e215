/*
 * libs: libxml2 and libzip, loaded the first time an import needs them
 * (dlopen by their runtime names), so that every other command starts
 * without loading them and the ICU and C++ libraries libxml2 pulls in.
 * Their headers give the types; the functions are called through the
 * pointers below. Also the safe ways to parse XML and read zip members
 * that every reader uses.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <zip.h>

#include "import_int.h"

/* The runtime names of the libraries Debian's libxml2 and libzip4 ship. */
#define S_XML_SONAME "libxml2.so.2"
#define S_ZIP_SONAME "libzip.so.4"

#define S_FN(name) __typeof__(&name) name
static struct {
	bool tried, ok;
	char why[512];
	S_FN(xmlReadMemory);
	S_FN(htmlReadMemory);
	S_FN(xmlFreeDoc);
	S_FN(xmlDocGetRootElement);
	S_FN(xmlGetLastError);
	S_FN(xmlResetLastError);
	S_FN(xmlInitParser);
	S_FN(zip_source_buffer_create);
	S_FN(zip_open_from_source);
	S_FN(zip_source_free);
	S_FN(zip_error_init);
	S_FN(zip_error_fini);
	S_FN(zip_error_strerror);
	S_FN(zip_error_code_zip);
	S_FN(zip_name_locate);
	S_FN(zip_stat_index);
	S_FN(zip_fopen_index);
	S_FN(zip_fread);
	S_FN(zip_fclose);
	S_FN(zip_discard);
	S_FN(zip_get_error);
	S_FN(zip_file_get_error);
} L;
#undef S_FN

static pthread_once_t S_once = PTHREAD_ONCE_INIT;

static bool S_sym(void *lib, const char *name, void *fn, const char *soname)
{
	void *p = dlsym(lib, name);
	if (!p) {
		snprintf(L.why, sizeof L.why, "%s has no function %s; is it the right version?", soname,
			 name);
		return false;
	}
	memcpy(fn, &p, sizeof p);
	return true;
}

#define S_LOAD(lib, name, so) S_sym(lib, #name, &L.name, so)

static void S_load(void)
{
	L.tried = true;
	void *x = dlopen(S_XML_SONAME, RTLD_NOW | RTLD_LOCAL);
	void *z = dlopen(S_ZIP_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!x || !z) {
		snprintf(L.why, sizeof L.why,
			 "import needs the libraries %s and %s, which are not installed (%s); install "
			 "them (Debian: apt-get install libxml2 libzip4)",
			 S_XML_SONAME, S_ZIP_SONAME, dlerror());
		return;
	}
	bool ok =
	    S_LOAD(x, xmlReadMemory, S_XML_SONAME) && S_LOAD(x, htmlReadMemory, S_XML_SONAME) &&
	    S_LOAD(x, xmlFreeDoc, S_XML_SONAME) && S_LOAD(x, xmlDocGetRootElement, S_XML_SONAME) &&
	    S_LOAD(x, xmlGetLastError, S_XML_SONAME) && S_LOAD(x, xmlResetLastError, S_XML_SONAME) &&
	    S_LOAD(x, xmlInitParser, S_XML_SONAME) && S_LOAD(z, zip_source_buffer_create, S_ZIP_SONAME) &&
	    S_LOAD(z, zip_open_from_source, S_ZIP_SONAME) && S_LOAD(z, zip_source_free, S_ZIP_SONAME) &&
	    S_LOAD(z, zip_error_init, S_ZIP_SONAME) && S_LOAD(z, zip_error_fini, S_ZIP_SONAME) &&
	    S_LOAD(z, zip_error_strerror, S_ZIP_SONAME) && S_LOAD(z, zip_error_code_zip, S_ZIP_SONAME) &&
	    S_LOAD(z, zip_name_locate, S_ZIP_SONAME) && S_LOAD(z, zip_stat_index, S_ZIP_SONAME) &&
	    S_LOAD(z, zip_fopen_index, S_ZIP_SONAME) && S_LOAD(z, zip_fread, S_ZIP_SONAME) &&
	    S_LOAD(z, zip_fclose, S_ZIP_SONAME) && S_LOAD(z, zip_discard, S_ZIP_SONAME) &&
	    S_LOAD(z, zip_get_error, S_ZIP_SONAME) && S_LOAD(z, zip_file_get_error, S_ZIP_SONAME);
	if (!ok)
		return;
	/* Once, before any thread parses: libxml2's global state. */
	L.xmlInitParser();
	L.ok = true;
}

static int S_ready(const char *name, cb_error *err)
{
	pthread_once(&S_once, S_load);
	if (L.ok)
		return 0;
	cb_error_set(err, name, 0, 0, "%s", L.why);
	return -1;
}

/* ---- XML ---- */

int cb_imp_xml_parse(const char *name, const char *data, size_t len, bool html, xmlDoc **out, cb_error *err)
{
	*out = NULL;
	if (S_ready(name, err) != 0)
		return -1;
	if (len > (size_t)INT32_MAX) {
		cb_error_set(err, name, 0, 0, "the XML is too large to read");
		return -1;
	}
	L.xmlResetLastError();
	xmlDoc *doc;
	if (html) {
		/* The HTML parser never reads DTDs or declares entities; only
		 * the five predefined and the HTML named ones exist. */
		doc = L.htmlReadMemory(data, (int)len, NULL, "UTF-8",
				       HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
					   HTML_PARSE_COMPACT);
	} else {
		/* No XML_PARSE_NOENT (no entity substitution), no
		 * XML_PARSE_DTDLOAD or DTDATTR, no XML_PARSE_HUGE (so libxml2's
		 * own limits on depth and amplification stay on). */
		doc = L.xmlReadMemory(data, (int)len, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					  XML_PARSE_NOCDATA);
	}
	if (!doc) {
		const xmlError *e = L.xmlGetLastError();
		char msg[400];
		snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "not well-formed");
		size_t n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		cb_error_set(err, name, e ? e->line : 0, e ? e->int2 : 0,
			     "the file is damaged: its XML cannot be read (%s)", msg);
		return -1;
	}
	if (!html && (doc->intSubset || doc->extSubset)) {
		L.xmlFreeDoc(doc);
		cb_error_set(err, name, 0, 0,
			     "the file declares a DTD (a <!DOCTYPE> with entities), which Word and "
			     "OpenDocument files never do; it was refused as unsafe");
		return -1;
	}
	*out = doc;
	return 0;
}

void cb_imp_xml_free(xmlDoc *doc)
{
	if (doc)
		L.xmlFreeDoc(doc);
}

xmlNode *cb_imp_xml_root(xmlDoc *doc)
{
	return L.xmlDocGetRootElement(doc);
}

bool cb_imp_xml_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

const char *cb_imp_xml_attr(const xmlNode *n, const char *name)
{
	if (!n || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (strcmp((const char *)a->name, name) == 0)
			return a->children && a->children->content ? (const char *)a->children->content : "";
	return NULL;
}

void cb_imp_xml_text(const xmlNode *n, cb_buf *buf)
{
	/* Entity references are left unexpanded by design: their text is
	 * skipped rather than substituted. */
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			cb_buf_puts(buf, (const char *)c->content);
		else if (c->type == XML_ELEMENT_NODE)
			cb_imp_xml_text(c, buf);
	}
}

/* ---- zip ---- */

struct cb_imp_zip {
	zip_t *z;
	const char *name;
	size_t budget; /* bytes still allowed to be decompressed */
};

int cb_imp_zip_open(const char *name, const char *data, size_t len, cb_imp_zip **out, cb_error *err)
{
	*out = NULL;
	if (S_ready(name, err) != 0)
		return -1;
	zip_error_t ze;
	L.zip_error_init(&ze);
	zip_source_t *src = L.zip_source_buffer_create(data, len, 0, &ze);
	zip_t *z = src ? L.zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	if (!z) {
		cb_error_set(err, name, 0, 0, "the file is damaged: it is not a readable zip archive (%s)",
			     L.zip_error_strerror(&ze));
		if (src)
			L.zip_source_free(src);
		L.zip_error_fini(&ze);
		return -1;
	}
	L.zip_error_fini(&ze);
	cb_imp_zip *r = cb_xcalloc(1, sizeof *r);
	r->z = z;
	r->name = name;
	r->budget = CB_IMPORT_MAX_UNZIPPED;
	*out = r;
	return 0;
}

static int S_too_big(cb_imp_zip *z, const char *member, cb_error *err)
{
	cb_error_set(err, z->name, 0, 0,
		     "'%s' inside the file decompresses to more than import's limit of %u MB; the file "
		     "is damaged or built to exhaust memory (a zip bomb), so it was not read",
		     member, CB_IMPORT_MAX_UNZIPPED / (1024 * 1024));
	return -1;
}

int cb_imp_zip_read(cb_imp_zip *z, const char *member, char **data, size_t *len, cb_error *err)
{
	*data = NULL;
	*len = 0;
	zip_int64_t idx = L.zip_name_locate(z->z, member, 0);
	if (idx < 0)
		return 0;
	zip_stat_t st;
	if (L.zip_stat_index(z->z, (zip_uint64_t)idx, 0, &st) == 0) {
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
			cb_error_set(err, z->name, 0, 0,
				     "'%s' inside the file is encrypted; remove the password and import "
				     "the saved copy",
				     member);
			return -1;
		}
		if ((st.valid & ZIP_STAT_SIZE) && st.size > z->budget)
			return S_too_big(z, member, err);
	}
	zip_file_t *f = L.zip_fopen_index(z->z, (zip_uint64_t)idx, 0);
	if (!f) {
		cb_error_set(err, z->name, 0, 0, "the file is damaged: '%s' inside it cannot be read (%s)",
			     member, L.zip_error_strerror(L.zip_get_error(z->z)));
		return -1;
	}
	/* The declared size may lie: count what actually comes out. */
	cb_buf b = CB_BUF_INIT;
	for (;;) {
		cb_buf_grow(&b, 65536);
		zip_int64_t n = L.zip_fread(f, b.data + b.len, 65536);
		if (n < 0) {
			cb_error_set(err, z->name, 0, 0,
				     "the file is damaged: '%s' inside it cannot be read (%s)", member,
				     L.zip_error_strerror(L.zip_file_get_error(f)));
			L.zip_fclose(f);
			cb_buf_free(&b);
			return -1;
		}
		if (n == 0)
			break;
		if ((size_t)n > z->budget) {
			L.zip_fclose(f);
			cb_buf_free(&b);
			return S_too_big(z, member, err);
		}
		z->budget -= (size_t)n;
		b.len += (size_t)n;
	}
	L.zip_fclose(f);
	cb_buf_putc(&b, '\0');
	b.len--;
	*len = b.len;
	*data = cb_buf_detach(&b);
	return 1;
}

int cb_imp_zip_xml(cb_imp_zip *z, const char *member, xmlDoc **doc, cb_error *err)
{
	char *data;
	size_t len;
	*doc = NULL;
	int rc = cb_imp_zip_read(z, member, &data, &len, err);
	if (rc <= 0)
		return rc;
	char *where = cb_xasprintf("%s (%s)", z->name, member);
	rc = cb_imp_xml_parse(where, data, len, false, doc, err) == 0 ? 1 : -1;
	free(where);
	free(data);
	return rc;
}

void cb_imp_zip_close(cb_imp_zip *z)
{
	if (!z)
		return;
	L.zip_discard(z->z);
	free(z);
}
