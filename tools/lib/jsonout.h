/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON output of the tools: documents are built with json-c and written
 * in the tools' layout (see "JSON" in docs/tools.md for why json-c does
 * not write them itself).
 */
#ifndef TOOLS_LIB_JSONOUT_H
#define TOOLS_LIB_JSONOUT_H

#include <stdio.h>

#include <json-c/json.h>

/*
 * json_write - write @doc and a newline to @f. Objects and arrays nested
 * less than @lines deep (0: none, 1: the outermost...) are broken into
 * lines: one member or element a line, indented two spaces a level. The
 * others stay on one line: {"a": 1, "b": [2, 3]}. Strings, numbers and
 * null are written by json-c (with '/' not escaped).
 */
void json_write(FILE *f, struct json_object *doc, int lines);

/* Adds member @key to @obj: the string @s, or null when @s is NULL. */
void json_add_str(struct json_object *obj, const char *key, const char *s);

/* Adds member @key to @obj: an integer. */
void json_add_int(struct json_object *obj, const char *key, long long v);
void json_add_uint(struct json_object *obj, const char *key,
		   unsigned long long v);

#endif /* TOOLS_LIB_JSONOUT_H */
