// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON output of the tools. json-c holds the document and writes every
 * scalar (so it does the escaping and the numbers); this file only places
 * the punctuation and the white space of containers, because no flag of
 * json-c gives the tools' documented layout: JSON_C_TO_STRING_SPACED
 * writes "{ "a": 1 }", JSON_C_TO_STRING_PRETTY one member a line at every
 * level, JSON_C_TO_STRING_PLAIN no spaces at all.
 */
#include <stdbool.h>

#include "jsonout.h"

#define SCALAR_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void write_value(FILE *f, struct json_object *v, int depth, int lines);

/* What comes before entry @i of a container at @depth. */
static void write_sep(FILE *f, size_t i, int depth, bool broken)
{
	if (i)
		fputs(broken ? "," : ", ", f);
	if (broken)
		fprintf(f, "\n%*s", 2 * (depth + 1), "");
}

/* The end of a container at @depth that had @n entries. */
static void write_end(FILE *f, size_t n, int depth, bool broken, char end)
{
	if (broken && n)
		fprintf(f, "\n%*s", 2 * depth, "");
	fputc(end, f);
}

static void write_scalar(FILE *f, struct json_object *v)
{
	fputs(json_object_to_json_string_ext(v, SCALAR_FLAGS), f);
}

static void write_object(FILE *f, struct json_object *obj, int depth,
			 int lines)
{
	bool broken = depth < lines;
	struct json_object_iter it;
	struct json_object *key;
	size_t i = 0;

	fputc('{', f);
	json_object_object_foreachC(obj, it) {
		write_sep(f, i++, depth, broken);
		key = json_object_new_string(it.key);
		write_scalar(f, key);
		json_object_put(key);
		fputs(": ", f);
		write_value(f, it.val, depth + 1, lines);
	}
	write_end(f, i, depth, broken, '}');
}

static void write_array(FILE *f, struct json_object *arr, int depth,
			int lines)
{
	size_t i, n = json_object_array_length(arr);
	bool broken = depth < lines;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		write_sep(f, i, depth, broken);
		write_value(f, json_object_array_get_idx(arr, i), depth + 1,
			    lines);
	}
	write_end(f, n, depth, broken, ']');
}

static void write_value(FILE *f, struct json_object *v, int depth, int lines)
{
	switch (json_object_get_type(v)) {
	case json_type_object:
		write_object(f, v, depth, lines);
		break;
	case json_type_array:
		write_array(f, v, depth, lines);
		break;
	default:
		write_scalar(f, v);
	}
}

void json_write(FILE *f, struct json_object *doc, int lines)
{
	write_value(f, doc, 0, lines);
	fputc('\n', f);
}

void json_add_str(struct json_object *obj, const char *key, const char *s)
{
	json_object_object_add(obj, key, s ? json_object_new_string(s) : NULL);
}

void json_add_int(struct json_object *obj, const char *key, long long v)
{
	json_object_object_add(obj, key, json_object_new_int64(v));
}

void json_add_uint(struct json_object *obj, const char *key,
		   unsigned long long v)
{
	json_object_object_add(obj, key, json_object_new_uint64(v));
}
