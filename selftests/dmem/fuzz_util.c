// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers of the fuzz selftests; see fuzz_util.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_util.h"

static unsigned long long splitmix64(unsigned long long *x)
{
	unsigned long long z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned long long fuzz_seed(const char *env)
{
	const char *s = getenv(env);
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((unsigned long long)ts.tv_sec * 1000003ULL) ^ (unsigned long long)ts.tv_nsec ^
	       ((unsigned long long)getpid() << 32);
}

void fuzz_rng_init(struct fuzz_rng *r, unsigned long long seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static unsigned long long rotl(unsigned long long x, int k)
{
	return (x << k) | (x >> (64 - k));
}

unsigned long long fuzz_u64(struct fuzz_rng *r)
{
	unsigned long long *s = r->s;
	unsigned long long result = rotl(s[1] * 5, 7) * 9;
	unsigned long long t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

unsigned long long fuzz_below(struct fuzz_rng *r, unsigned long long n)
{
	return n ? fuzz_u64(r) % n : 0;
}

int fuzz_one_in(struct fuzz_rng *r, unsigned int n)
{
	return fuzz_below(r, n) == 0;
}

unsigned long long fuzz_interesting(struct fuzz_rng *r)
{
	unsigned long long p = 1ULL << fuzz_below(r, 64);

	switch (fuzz_below(r, 8)) {
	case 0:
		return fuzz_below(r, 3);
	case 1:
		return p;
	case 2:
		return p - 1;
	case 3:
		return p + 1;
	case 4:
		return ~0ULL - fuzz_below(r, 3);
	case 5:
		return fuzz_below(r, 1 << 20);
	case 6:
		return (unsigned long long)fuzz_below(r, 4096) << 12;
	default:
		return fuzz_u64(r);
	}
}

unsigned long fuzz_count(const char *env, unsigned long def)
{
	const char *s = getenv(env);
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, NULL, 0);
	return v ? v : def;
}

size_t fuzz_mutate(struct fuzz_rng *r, char *buf, size_t len, size_t cap)
{
	int n = 1 + fuzz_below(r, 4);
	size_t pos, span, at;

	while (n--) {
		pos = fuzz_below(r, len + 1);
		switch (fuzz_below(r, 7)) {
		case 0:	/* flip a bit */
			if (len)
				buf[pos % len] ^= 1 << fuzz_below(r, 8);
			break;
		case 1:	/* change a byte */
			if (len)
				buf[pos % len] = fuzz_u64(r);
			break;
		case 2:	/* insert a byte, often a separator */
			if (len < cap) {
				static const char seps[] = " \t\n\r\v\0-+0Kmax";

				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = fuzz_one_in(r, 2) ? (char)fuzz_u64(r) :
					   seps[fuzz_below(r, sizeof(seps) - 1)];
				len++;
			}
			break;
		case 3:	/* delete a span */
			if (len) {
				pos %= len;
				span = 1 + fuzz_below(r, len - pos);
				if (fuzz_one_in(r, 2))
					span = 1;
				memmove(buf + pos, buf + pos + span, len - pos - span);
				len -= span;
			}
			break;
		case 4:	/* duplicate a span somewhere */
			if (len && len < cap) {
				char *copy;

				pos %= len;
				span = 1 + fuzz_below(r, len - pos);
				if (span > cap - len)
					span = cap - len;
				copy = malloc(span);
				if (!copy)
					break;
				memcpy(copy, buf + pos, span);
				at = fuzz_below(r, len + 1);
				if (at < len)
					memmove(buf + at + span, buf + at, len - at);
				memcpy(buf + at, copy, span);
				free(copy);
				len += span;
			}
			break;
		case 5:	/* swap two bytes */
			if (len) {
				char c;

				at = fuzz_below(r, len);
				pos %= len;
				c = buf[at];
				buf[at] = buf[pos];
				buf[pos] = c;
			}
			break;
		default: /* truncate */
			len = pos;
			break;
		}
	}
	return len;
}

void fuzz_print_escaped(FILE *f, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		if (p[i] == '\\' || p[i] == '"')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			fputc(p[i], f);
		else
			fprintf(f, "\\x%02x", p[i]);
	}
	fputc('"', f);
}

double fuzz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
