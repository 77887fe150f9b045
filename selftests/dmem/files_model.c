// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model of writes to the dmem.* files; see files_model.h. Written
 * from the documented grammar, not copied from the kernel: lines split at
 * '\n'; each stripped of white space; blank lines skipped; a line is
 * "<region><space or tab><args>"; the lines are checked in order, and in
 * a line the arguments before the region's existence; the first bad line
 * decides the errno; a write with no line is EINVAL; the lines of an
 * accepted write apply in order. The file sees the bytes up to the first
 * NUL (the write is NUL-terminated by kernfs), but write() still returns
 * the full length.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files_model.h"

const char *const fm_file_names[FM_NR_FILES] = {
	[FM_MIN] = "dmem.min",
	[FM_LOW] = "dmem.low",
	[FM_MAX] = "dmem.max",
	[FM_PINNED_MAX] = "dmem.pinned.max",
	[FM_POLICY] = "dmem.policy",
};

int fm_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static int fm_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits with an optional K/M/G/T suffix, or "max". */
static int fm_parse_value(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	int shift = 0;

	if (!strcmp(s, "max")) {
		*out = FM_VALUE_MAX;
		return 0;
	}
	if (!fm_isdigit(*s))
		return -EINVAL;
	for (; fm_isdigit(*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > FM_VALUE_MAX)
			return -EINVAL;
	}
	switch (*s) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (shift && (s[1] || v > FM_VALUE_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

struct fm_policy_req {
	int set_mode, strict, set_timeout;
	unsigned int timeout_ms;
};

/* Words separated by spaces and tabs, each at most once. */
static int fm_parse_policy(char *args, struct fm_policy_req *req)
{
	char *word;

	memset(req, 0, sizeof(*req));
	while ((word = strsep(&args, " \t"))) {
		unsigned long long ms = 0;
		const char *p;

		if (!*word)
			continue;
		if (!strncmp(word, "timeout_ms=", 11)) {
			p = word + 11;
			if (req->set_timeout || !*p)
				return -EINVAL;
			for (; *p; p++) {
				if (!fm_isdigit(*p))
					return -EINVAL;
				ms = ms * 10 + (*p - '0');
				if (ms > FM_TIMEOUT_MAX)
					return -EINVAL;
			}
			if (!ms)
				return -EINVAL;
			req->set_timeout = 1;
			req->timeout_ms = ms;
		} else if (!strcmp(word, "soft") || !strcmp(word, "strict")) {
			if (req->set_mode)
				return -EINVAL;
			req->set_mode = 1;
			req->strict = word[1] == 't';
		} else {
			return -EINVAL;
		}
	}
	return req->set_mode || req->set_timeout ? 0 : -EINVAL;
}

static int fm_region(const struct fm_regions *rg, const char *name)
{
	int i;

	for (i = 0; i < rg->nr; i++)
		if (!strcmp(rg->name[i], name))
			return i;
	return -1;
}

/* One line: 0 and applied to @st, -ENOENT for a blank line, or -errno. */
static int fm_line(const struct fm_regions *rg, enum fm_file f, char *line,
		   struct fm_state *st)
{
	struct fm_policy_req req;
	unsigned long long v = 0;
	char *end, *name, *args;
	int ret, r;

	while (fm_isspace(*line))
		line++;
	end = line + strlen(line);
	while (end > line && fm_isspace(end[-1]))
		*--end = '\0';
	if (!*line)
		return -ENOENT;

	name = line;
	args = line + strcspn(line, " \t");
	if (!*args)
		return -EINVAL;
	*args++ = '\0';
	while (fm_isspace(*args))
		args++;
	if (!*args)
		return -EINVAL;

	ret = f == FM_POLICY ? fm_parse_policy(args, &req) : fm_parse_value(args, &v);
	if (ret)
		return ret;
	r = fm_region(rg, name);
	if (r < 0)
		return -ENODEV;

	if (f != FM_POLICY) {
		st->value[r] = v;
		return 0;
	}
	if (req.set_mode)
		st->policy[r].strict = req.strict;
	if (req.set_timeout)
		st->policy[r].timeout_ms = req.timeout_ms;
	return 0;
}

long fm_write(const struct fm_regions *rg, enum fm_file f, struct fm_state *st,
	      const char *buf, size_t len)
{
	struct fm_state next = *st;
	char text[FM_WRITE_MAX + 1], *rest, *line;
	int lines = 0, ret;

	if (!len)
		return 0;
	if (len > FM_WRITE_MAX)
		return -E2BIG;
	memcpy(text, buf, len);
	text[len] = '\0';

	rest = text;
	while ((line = strsep(&rest, "\n"))) {
		ret = fm_line(rg, f, line, &next);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		lines++;
	}
	if (!lines)
		return -EINVAL;
	*st = next;
	return len;
}

size_t fm_render(const struct fm_regions *rg, enum fm_file f,
		 const struct fm_state *st, char *out, size_t cap)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < rg->nr && n < cap; i++) {
		if (f == FM_POLICY)
			n += snprintf(out + n, cap - n, "%s %s timeout_ms=%u\n",
				      rg->name[i],
				      st->policy[i].strict ? "strict" : "soft",
				      st->policy[i].timeout_ms);
		else if (st->value[i] >= FM_VALUE_MAX)
			n += snprintf(out + n, cap - n, "%s max\n", rg->name[i]);
		else
			n += snprintf(out + n, cap - n, "%s %llu\n", rg->name[i],
				      st->value[i]);
	}
	return n;
}

int fm_parse(const struct fm_regions *rg, enum fm_file f, const char *text,
	     struct fm_state *st)
{
	char copy[8192], *rest = copy, *line, *val;
	int i = 0;

	snprintf(copy, sizeof(copy), "%s", text);
	while ((line = strsep(&rest, "\n")) && *line) {
		if (i >= rg->nr)
			return -1;
		val = strchr(line, ' ');
		if (!val)
			return -1;
		*val++ = '\0';
		if (strcmp(line, rg->name[i]))
			return -1;
		if (f == FM_POLICY) {
			char mode[16];

			if (sscanf(val, "%15s timeout_ms=%u", mode,
				   &st->policy[i].timeout_ms) != 2)
				return -1;
			st->policy[i].strict = !strcmp(mode, "strict");
		} else if (!strcmp(val, "max")) {
			st->value[i] = FM_VALUE_MAX;
		} else {
			st->value[i] = strtoull(val, NULL, 10);
		}
		i++;
	}
	return i == rg->nr ? 0 : -1;
}
