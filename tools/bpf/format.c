// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemtrace: check the kernel's dmem event formats against events.h.
 *
 * Without kernel BTF nothing relocates the BPF programs' reads of the
 * tracepoint records, so a kernel whose events differ from what dmemtrace
 * was built for would make it report garbage. Instead it refuses to run and
 * says which field of which event moved.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmemtrace.h"
#include "readfile.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const char *const dt_event_names[DT_NR_EVENTS] = {
	[DT_CHARGE] = "charge",
	[DT_UNCHARGE] = "uncharge",
	[DT_EVICT] = "evict",
	[DT_REVOKE_START] = "revoke_start",
	[DT_REVOKE_DONE] = "revoke_done",
	[DT_REVOKE_TIMEOUT] = "revoke_timeout",
	[DT_ENOMEM] = "enomem",
	[DT_PIN] = "pin",
	[DT_UNPIN] = "unpin",
};

struct dt_field {
	const char *decl;	/* the declaration in the format file */
	int offset;
	int size;
};

static const struct dt_field buf_fields[] = {
	{ "int common_pid", 4, 4 },
	{ "__data_loc char[] region", DT_OFF_REGION, 4 },
	{ "u64 cgroup", DT_OFF_CGROUP, 8 },
	{ "pid_t tgid", DT_OFF_TGID, 4 },
	{ "u64 bytes", DT_OFF_BYTES, 8 },
	{ NULL },
};

static const struct dt_field revoke_done_fields[] = {
	{ "int common_pid", 4, 4 },
	{ "__data_loc char[] region", DT_OFF_REGION, 4 },
	{ "u64 cgroup", DT_OFF_CGROUP, 8 },
	{ "pid_t tgid", DT_OFF_TGID, 4 },
	{ "u64 bytes", DT_OFF_BYTES, 8 },
	{ "u64 latency_ns", DT_OFF_LATENCY, 8 },
	{ "int ret", DT_OFF_RET, 4 },
	{ NULL },
};

const char *dt_tracefs(const char *arg)
{
	static const char *const mounts[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[256];
	size_t i;

	if (arg)
		return arg;
	for (i = 0; i < ARRAY_SIZE(mounts); i++) {
		snprintf(path, sizeof(path), "%s/events/dmem", mounts[i]);
		if (!access(path, F_OK))
			return mounts[i];
	}
	return mounts[0];
}

/* The name in a declaration: its last word, without "[...]". */
static void decl_name(const char *decl, char *name, size_t len)
{
	const char *p = strrchr(decl, ' ');
	size_t n;

	p = p ? p + 1 : decl;
	n = strcspn(p, "[");
	if (n >= len)
		n = len - 1;
	memcpy(name, p, n);
	name[n] = '\0';
}

/*
 * Finds the line of @want's field in the format file @text and checks its
 * declaration, offset and size. Returns false after printing the problem.
 */
static bool check_field(const char *path, const char *text,
			const struct dt_field *want)
{
	char name[64], got_name[64], decl[128];
	const char *line;
	int offset, size;

	decl_name(want->decl, name, sizeof(name));
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *f = strstr(line, "field:");
		const char *end = strchr(line, '\n');
		const char *semi;

		if (!f || (end && f > end))
			continue;
		f += strlen("field:");
		semi = strchr(f, ';');
		if (!semi || (end && semi > end) || (size_t)(semi - f) >= sizeof(decl))
			continue;
		memcpy(decl, f, semi - f);
		decl[semi - f] = '\0';
		decl_name(decl, got_name, sizeof(got_name));
		if (strcmp(got_name, name))
			continue;
		if (sscanf(semi, "; offset:%d; size:%d;", &offset, &size) != 2) {
			fprintf(stderr, "dmemtrace: %s: cannot parse the line of field %s\n",
				path, name);
			return false;
		}
		if (strcmp(decl, want->decl) || offset != want->offset ||
		    size != want->size) {
			fprintf(stderr,
				"dmemtrace: %s: field \"%s\" at offset %d, size %d; expected \"%s\" at offset %d, size %d\n",
				path, decl, offset, size, want->decl,
				want->offset, want->size);
			return false;
		}
		return true;
	}
	fprintf(stderr, "dmemtrace: %s: no field %s (expected \"%s\" at offset %d, size %d)\n",
		path, name, want->decl, want->offset, want->size);
	return false;
}

int dt_check_formats(const char *tracefs)
{
	const struct dt_field *fields;
	char path[512];
	bool ok = true;
	char *text;
	int i;

	snprintf(path, sizeof(path), "%s/events/dmem", tracefs);
	if (access(path, F_OK) && errno == EACCES) {
		fprintf(stderr, "dmemtrace: %s: %m: dmemtrace needs root\n", path);
		return DT_EXIT_BPF;
	}
	if (access(path, F_OK)) {
		fprintf(stderr,
			"dmemtrace: no dmem trace events in %s: the kernel lacks CONFIG_DMEM_EVICT, or tracefs is not mounted there (see --tracefs)\n",
			path);
		return DT_EXIT_NO_EVENTS;
	}
	for (i = 0; i < DT_NR_EVENTS; i++) {
		snprintf(path, sizeof(path), "%s/events/dmem/dmem_%s/format",
			 tracefs, dt_event_names[i]);
		text = read_file_at(AT_FDCWD, path, NULL);
		if (!text && errno == EACCES) {
			fprintf(stderr, "dmemtrace: %s: %m: dmemtrace needs root\n", path);
			return DT_EXIT_BPF;
		}
		if (!text) {
			fprintf(stderr, "dmemtrace: %s: cannot read: %m\n", path);
			ok = false;
			continue;
		}
		fields = i == DT_REVOKE_DONE ? revoke_done_fields : buf_fields;
		for (; fields->decl; fields++)
			ok &= check_field(path, text, fields);
		free(text);
	}
	if (!ok)
		fprintf(stderr,
			"dmemtrace: the kernel's dmem events are not those this dmemtrace was built for (include/trace/events/dmem.h, tools/bpf/events.h)\n");
	return ok ? 0 : DT_EXIT_NO_EVENTS;
}
