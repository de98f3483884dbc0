/* SPDX-License-Identifier: Apache-2.0 */
#include "ec-bench.h"

#include <errno.h>
#include <openssl/obj_mac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

double
bench_measure(const char *name, double budget, BenchStep step, void *data)
{
  unsigned long n = 0;
  double start = now(), elapsed;

  do {
    if (!step(data, n)) {
      fprintf(stderr, "%s: operation failed\n", name);
      exit(EXIT_FAILURE);
    }
    n++;
    elapsed = now() - start;
  } while (elapsed < budget);
  printf("%s: %.0f ops/s\n", name, (double) n / elapsed);
  fflush(stdout);
  return (double) n / elapsed;
}

bool
bench_parse_budget(int argc, char **argv, double *budget, int *status)
{
  char *end;

  *budget = 2.0;
  if (argc > 2 || (argc == 2 && strcmp(argv[1], "--help") == 0)) {
    fprintf(stderr, "usage: %s [SECONDS]\n", argv[0]);
    *status = argc == 2 ? EXIT_SUCCESS : EXIT_FAILURE;
    return false;
  }
  if (argc < 2)
    return true;
  errno = 0;
  *budget = strtod(argv[1], &end);
  if (errno != 0 || end == argv[1] || *end != '\0' || !(*budget > 0.0 && *budget <= 3600.0)) {
    fprintf(stderr, "%s: SECONDS must be a number in (0, 3600]\n", argv[0]);
    *status = EXIT_FAILURE;
    return false;
  }
  return true;
}

static bool
mul_g_step(void *data, unsigned long i)
{
  EcBench *b = data;

  return EC_POINT_mul(b->group, b->r, b->k[i % EC_BENCH_SCALARS], NULL, NULL, b->bn) == 1;
}

static bool
mul_p_step(void *data, unsigned long i)
{
  EcBench *b = data;

  return EC_POINT_mul(b->group, b->r, NULL, b->P, b->k[i % EC_BENCH_SCALARS], b->bn) == 1;
}

/* Random secret scalars (flagged constant-time, as the core flags its
 * own) and an arbitrary point P = k*G. */
bool
ec_bench_setup(EcBench *b)
{
  memset(b, 0, sizeof(*b));
  b->group = EC_GROUP_new_by_curve_name_ex(NULL, NULL, NID_X9_62_prime256v1);
  b->bn = BN_CTX_new();
  if (b->group == NULL || b->bn == NULL)
    return false;
  for (size_t i = 0; i < EC_BENCH_SCALARS; i++) {
    b->k[i] = BN_new();
    if (b->k[i] == NULL || !BN_rand_range_ex(b->k[i], EC_GROUP_get0_order(b->group), 0, b->bn))
      return false;
    BN_set_flags(b->k[i], BN_FLG_CONSTTIME);
  }
  b->P = EC_POINT_new(b->group);
  b->r = EC_POINT_new(b->group);
  return b->P != NULL && b->r != NULL &&
         EC_POINT_mul(b->group, b->P, b->k[0], NULL, NULL, b->bn) == 1;
}

void
ec_bench_clear(EcBench *b)
{
  for (size_t i = 0; i < EC_BENCH_SCALARS; i++)
    BN_free(b->k[i]);
  EC_POINT_free(b->P);
  EC_POINT_free(b->r);
  BN_CTX_free(b->bn);
  EC_GROUP_free(b->group);
  memset(b, 0, sizeof(*b));
}

EcBenchRates
ec_bench_run(EcBench *b, double budget)
{
  EcBenchRates rates;

  rates.mul_g = bench_measure("EC_POINT_mul (G)", budget, mul_g_step, b);
  rates.mul_p = bench_measure("EC_POINT_mul (P)", budget, mul_p_step, b);
  return rates;
}

void
ec_bench_print_ratio(const char *what, double rate, const EcBenchRates *ec, unsigned n_p,
                     unsigned n_g)
{
  double floor_time = n_p / ec->mul_p + n_g / ec->mul_g;

  printf("ratio: one %s = %.2f EC_POINT_mul (P) = %.2fx its %u (P) + %u (G)\n", what,
         ec->mul_p / rate, (1.0 / rate) / floor_time, n_p, n_g);
}
