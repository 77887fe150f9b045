/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the fuzz selftests: a seeded PRNG that is the same on every
 * libc (so that a printed seed reproduces a run anywhere), counts taken
 * from the environment, mutation of byte strings and hex-escaped printing
 * of inputs.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* xoshiro256** state. */
struct fuzz_rng {
	unsigned long long s[4];
};

/*
 * The seed: $@env if set (decimal or 0x hex), else one from the clock and
 * the pid. Printed by the caller so that a failing run can be repeated.
 */
unsigned long long fuzz_seed(const char *env);
void fuzz_rng_init(struct fuzz_rng *r, unsigned long long seed);
unsigned long long fuzz_u64(struct fuzz_rng *r);
/* Uniform in [0, n); 0 if n is 0. */
unsigned long long fuzz_below(struct fuzz_rng *r, unsigned long long n);
/* True with probability 1/n. */
int fuzz_one_in(struct fuzz_rng *r, unsigned int n);
/* A "number of interest": 0, 1, powers of two and their neighbours... */
unsigned long long fuzz_interesting(struct fuzz_rng *r);

/* $@env as a positive count, else @def. */
unsigned long fuzz_count(const char *env, unsigned long def);

/*
 * Applies 1 to 4 random mutations to @buf (@len bytes, room for @cap):
 * bit flips, byte changes, inserts, deletes, duplicated spans, swaps,
 * truncation. Returns the new length.
 */
size_t fuzz_mutate(struct fuzz_rng *r, char *buf, size_t len, size_t cap);

/* Prints @buf as a C string literal, every non-printable byte as \xNN. */
void fuzz_print_escaped(FILE *f, const void *buf, size_t len);

/* Monotonic seconds, for the reliability line. */
double fuzz_now(void);

#endif
