/*
 * Helpers of the benchmark programs (bench.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"

/* qsort order of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
bench_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

void
bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

double
bench_median(const void *runs, size_t stride, int n, size_t off)
{
	double	*v, m;
	int	 i;

	if (n <= 0 || (v = calloc((size_t)n, sizeof(*v))) == NULL)
		return 0;
	for (i = 0; i < n; i++)
		memcpy(&v[i], (const char *)runs + (size_t)i * stride + off,
		    sizeof(double));
	bench_sort(v, (size_t)n);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return m;
}
