/*
 * What the benchmark programs share: a monotonic clock in milliseconds,
 * sorting, the median of one figure over the runs and percentiles, a
 * process's CPU time and peak memory, a /metrics counter, perf.
 */
#ifndef VARSEL_BENCH_H
#define VARSEL_BENCH_H

#include <sys/types.h>

#include <stddef.h>

struct e2e_proc;

/* CLOCK_MONOTONIC in milliseconds, with the sub-millisecond part. */
double	bench_now_ms(void);
/* Sort n doubles ascending. */
void	bench_sort(double *v, size_t n);
/*
 * The median of the double at offset off in each of n structs of size
 * stride starting at runs (the mean of the middle two for even n).
 */
double	bench_median(const void *runs, size_t stride, int n, size_t off);
/* The nearest-rank percentile q (0..1) of n sorted values. */
double	bench_percentile(const double *v, int n, double q);
/* The peak resident set of pid in MiB (VmHWM); 0 if unknown. */
double	bench_peak_rss_mb(pid_t pid);
/* CPU time (user and system) the process pid has used, ms; -1 if unknown. */
double	bench_cpu_ms(pid_t pid);
/*
 * A counter of the daemon's /metrics read with the e2e client's token
 * (e.g. "varsel_sql_statements_total"); -1 if it cannot be read.
 */
double	bench_metric(const struct e2e_proc *d, const char *name);
/*
 * With BENCH_PERF=file in the environment: perf record -g the process
 * pid into file until bench_perf_stop (the window that is measured, not
 * the loading before it). Returns perf's pid, or 0.
 */
pid_t	bench_perf_start(pid_t pid);
void	bench_perf_stop(pid_t perf);

#endif
