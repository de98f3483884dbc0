/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the core benchmarks share: a timed loop, the command line, and the
 * raw OpenSSL P-256 scalar multiplications a protocol run is set against,
 * measured in the same process. */

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <stdbool.h>

#define EC_BENCH_SCALARS 64

typedef bool (*BenchStep)(void *data, unsigned long i);

/* Runs @step for @budget seconds, prints "@name: N ops/s" and returns N.
 * Exits on a failed step. */
double bench_measure(const char *name, double budget, BenchStep step, void *data);

/* `PROGRAM [SECONDS]`: the budget per measurement (default 2). FALSE after
 * printing usage or an error; *@status is the exit status then. */
bool bench_parse_budget(int argc, char **argv, double *budget, int *status);

typedef struct {
  EC_GROUP *group;
  BN_CTX *bn;
  BIGNUM *k[EC_BENCH_SCALARS];
  EC_POINT *P;
  EC_POINT *r;
} EcBench;

bool ec_bench_setup(EcBench *b);
void ec_bench_clear(EcBench *b);

typedef struct {
  double mul_g; /* multiplications of the generator per second */
  double mul_p; /* multiplications of another point per second */
} EcBenchRates;

/* Measures both and prints them. */
EcBenchRates ec_bench_run(EcBench *b, double budget);

/* Prints how one operation at @rate per second compares with the @n_p + @n_g
 * multiplications it cannot avoid. */
void ec_bench_print_ratio(const char *what, double rate, const EcBenchRates *ec, unsigned n_p,
                          unsigned n_g);
