/* frontmatter: see frontmatter.h. */
#include "frontmatter.h"

#include <stdbool.h>
#include <string.h>

#include "util.h"

/* True when the line text[start..end) (without its '\n') is the marker,
 * allowing a trailing '\r' and trailing spaces or tabs, which editors add
 * without anyone noticing. */
static bool S_is_marker(const char *text, size_t start, size_t end, const char *marker)
{
	size_t ml = strlen(marker);
	if (end - start < ml || memcmp(text + start, marker, ml) != 0)
		return false;
	for (size_t i = start + ml; i < end; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
			return false;
	return true;
}

static size_t S_line_end(const char *text, size_t len, size_t start)
{
	const char *nl = start < len ? memchr(text + start, '\n', len - start) : NULL;
	return nl ? (size_t)(nl - text) : len;
}

int cb_frontmatter_split(const char *text, size_t len, const char *file, cb_split *out, cb_diags *d)
{
	memset(out, 0, sizeof *out);
	out->body_line = 1;
	if (!text) {
		text = "";
		len = 0;
	}
	if (len > CB_MAX_DOC_SIZE) {
		cb_diags_add(d, CB_ERROR, file, 1, 1, "too-large",
			     "the file is %zu bytes (%.1f MB), over the limit of %d bytes (%.1f MB) for one "
			     "document; split it into smaller documents",
			     len, (double)len / (1024.0 * 1024.0), CB_MAX_DOC_SIZE,
			     (double)CB_MAX_DOC_SIZE / (1024.0 * 1024.0));
		return -1;
	}
	/* Editors on Windows like to start UTF-8 files with a byte order mark;
	 * it is invisible, so positions are counted after it. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		int line, col;
		cb_linecol(text, (size_t)(nul - text), &line, &col);
		cb_diags_add(d, CB_ERROR, file, line, col, "binary",
			     "the file contains a NUL byte here, so it looks like a binary file rather than "
			     "Markdown; only plain-text .md files can be published");
		return -1;
	}
	size_t bad;
	if (!cb_utf8_valid(text, len, &bad)) {
		int line, col;
		cb_linecol(text, bad, &line, &col);
		cb_diags_add(
		    d, CB_ERROR, file, line, col, "utf8",
		    "the file is not valid UTF-8 here (byte 0x%02X); re-save it as UTF-8 in your editor",
		    (unsigned)(unsigned char)text[bad]);
		return -1;
	}

	size_t end = S_line_end(text, len, 0);
	if (!S_is_marker(text, 0, end, "---")) {
		cb_diags_add(
		    d, CB_ERROR, file, 1, 1, "no-front-matter",
		    "the document must start with front matter: a line '---', the fields, then "
		    "another '---'; the smallest header is: --- / title: Your title / type: briefing / "
		    "date: 2024-05-01 / --- (each on its own line)");
		return -1;
	}
	size_t yaml_start = end < len ? end + 1 : len;
	size_t pos = yaml_start;
	int line = 2;
	size_t close_start = 0, close_end = 0;
	bool closed = false;
	while (pos < len) {
		end = S_line_end(text, len, pos);
		if (S_is_marker(text, pos, end, "---") || S_is_marker(text, pos, end, "...")) {
			close_start = pos;
			close_end = end;
			closed = true;
			break;
		}
		pos = end + 1;
		line++;
	}
	if (!closed) {
		cb_diags_add(d, CB_ERROR, file, 1, 1, "unclosed-front-matter",
			     "the front matter that starts here is never closed; add a line '---' after the "
			     "last field");
		return -1;
	}
	out->body = text + (close_end < len ? close_end + 1 : len);
	out->body_len = (size_t)(text + len - out->body);
	out->body_line = line + 1;

	cb_ynode *meta;
	if (cb_yaml_parse_named(text + yaml_start, close_start - yaml_start, file, 1, "the front matter",
				&meta, d) != 0)
		return -1;
	if (meta->type != CB_Y_MAP) {
		cb_diags_add(d, CB_ERROR, file, meta->line, meta->col, "front-matter-not-mapping",
			     "the front matter must be fields written as 'name: value', one per line, but "
			     "here it is %s",
			     cb_ynode_kind(meta));
		cb_ynode_free(meta);
		return -1;
	}
	/* The front matter as a whole starts at its opening '---', which is
	 * where a missing field is best reported. */
	meta->line = 1;
	meta->col = 1;
	out->meta = meta;
	return 0;
}

void cb_split_free(cb_split *s)
{
	if (!s)
		return;
	cb_ynode_free(s->meta);
	s->meta = NULL;
}
