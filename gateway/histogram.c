/*
 * Latency histograms (histogram.h).
 */
#include "histogram.h"

static const double bounds[HIST_NBOUNDS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

double
histogram_bound(int i)
{
	return bounds[i];
}

void
histogram_observe(struct histogram *h, double seconds)
{
	int	i;

	for (i = 0; i < HIST_NBOUNDS; i++)
		if (seconds <= bounds[i])
			break;
	h->counts[i]++;
	h->count++;
	h->sum += seconds;
}
