/*
 * What the benchmark programs share: a monotonic clock in milliseconds,
 * sorting and the median of one figure over the runs.
 */
#ifndef VARSEL_BENCH_H
#define VARSEL_BENCH_H

#include <stddef.h>

/* CLOCK_MONOTONIC in milliseconds, with the sub-millisecond part. */
double	bench_now_ms(void);
/* Sort n doubles ascending. */
void	bench_sort(double *v, size_t n);
/*
 * The median of the double at offset off in each of n structs of size
 * stride starting at runs (the mean of the middle two for even n).
 */
double	bench_median(const void *runs, size_t stride, int n, size_t off);

#endif
