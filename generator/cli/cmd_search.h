/*
 * cmd_search: `casebook search` — the command line face of search/search.h:
 * options, terminal and JSON output (the JSON schema is documented in
 * search/README.md), and the exit status: 0 something matched, 1 nothing
 * did (as grep), 2 a usage error, a malformed query or no index.
 */
#ifndef CB_CMD_SEARCH_H
#define CB_CMD_SEARCH_H

extern const char cb_search_usage[];

/* argv[0] is "search". */
int cb_cmd_search(int argc, char **argv);

#endif
