/*
 * Helpers of the benchmark programs (bench.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "tests/e2e.h"

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

double
bench_percentile(const double *v, int n, double q)
{
	int	k = (int)ceil(q * n) - 1;

	if (n <= 0)
		return 0;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return v[k];
}

double
bench_peak_rss_mb(pid_t pid)
{
	long	kb = e2e_proc_kb(pid, "VmHWM");

	return kb > 0 ? kb / 1024.0 : 0;
}

double
bench_cpu_ms(pid_t pid)
{
	return e2e_proc_cpu_ms(pid);
}

double
bench_metric(const struct e2e_proc *d, const char *name)
{
	char		 url[128], *text = NULL, *line;
	const char	*h[] = { "Authorization: Bearer " E2E_TOKEN, NULL };
	size_t		 n = strlen(name);
	double		 v = -1;
	int		 status;

	snprintf(url, sizeof(url), "%s/metrics", d->url);
	if (e2e_http("GET", url, h, NULL, &status, &text) == -1 ||
	    status != 200) {
		free(text);
		return -1;
	}
	for (line = text; line != NULL && *line != '\0';
	    line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ' ') {
			v = strtod(line + n + 1, NULL);
			break;
		}
	free(text);
	return v;
}

pid_t
bench_perf_start(pid_t pid)
{
	const char	*file = getenv("BENCH_PERF");
	char		 p[32];
	pid_t		 perf;

	if (file == NULL || *file == '\0')
		return 0;
	snprintf(p, sizeof(p), "%d", (int)pid);
	if ((perf = fork()) == 0) {
		execlp("perf", "perf", "record", "-q", "-F", "2999", "-g",
		    "-p", p, "-o", file, (char *)NULL);
		_exit(127);
	}
	usleep(300000);		/* perf attaches */
	return perf > 0 ? perf : 0;
}

void
bench_perf_stop(pid_t perf)
{
	if (perf <= 0)
		return;
	kill(perf, SIGINT);
	waitpid(perf, NULL, 0);
}
