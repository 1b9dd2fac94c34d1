/*
 * bench/console_sse: what open live streams (GET /v1/alerts/{id}/events)
 * cost varseld. A fresh varseld (simulator provider at a slow rate, so
 * an alert's counts keep moving for the whole run) gets a console user;
 * the bench logs in, posts an alert to a group, and measures the latency
 * of GET /v1/alerts/{id} (one keep-alive connection, a bearer token)
 * while the counts move; then opens N streams with the session's cookie,
 * waits until each has its first counts event, reads varseld's resident
 * memory, and measures the latency again with the N streams open and fed
 * by every change. It prints the memory per stream (VmRSS before and
 * after, divided by N), both latencies (p50, p99, max), and the counts
 * events each stream received. Figures only; never pass or fail.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench/bench.h"
#include "gateway/util.h"
#include "tests/e2e.h"

/* "correct horse battery" at the lowest cost (tests/test_password.c). */
#define PWHASH	"$scrypt$ln=10,r=8,p=1$Zm9vYmFyYmF6cXV4cXV1eA" \
		"$giPl5EtHEOW19sodafF8G3taYH/ujamLtFwK1z1dn6U"

/* One open stream and what it has read. */
struct stream {
	int	fd;
	char	buf[4096];
	size_t	have;
	long	events;		/* "event: counts" seen */
};

static size_t
discard_cb(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

/* n sequential GETs of path on one keep-alive connection; times sorted. */
static void
latency(const char *url, int n, double *ms)
{
	struct curl_slist	*h;
	CURL			*c = curl_easy_init();
	double			 t0;
	int			 i;

	h = curl_slist_append(NULL, "Authorization: Bearer " E2E_TOKEN);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	for (i = 0; i < n; i++) {
		t0 = bench_now_ms();
		curl_easy_perform(c);
		ms[i] = bench_now_ms() - t0;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	bench_sort(ms, (size_t)n);
}

/* Read what the streams have; count their counts events. */
static void
drain(struct stream *s, int n, int wait_ms)
{
	struct pollfd	*p = calloc((size_t)n, sizeof(*p));
	ssize_t		 got;
	char		*at;
	int		 i;

	for (i = 0; i < n; i++) {
		p[i].fd = s[i].fd;
		p[i].events = POLLIN;
	}
	if (poll(p, (nfds_t)n, wait_ms) > 0)
		for (i = 0; i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			got = read(s[i].fd, s[i].buf + s[i].have,
			    sizeof(s[i].buf) - s[i].have - 1);
			if (got <= 0)
				continue;
			s[i].have += (size_t)got;
			s[i].buf[s[i].have] = '\0';
			while ((at = strstr(s[i].buf, "event: counts")) !=
			    NULL) {
				s[i].events++;
				at += 13;
				memmove(s[i].buf, at, strlen(at) + 1);
				s[i].have = strlen(s[i].buf);
			}
			/* Keep a tail that may hold half an event name. */
			if (s[i].have > 64) {
				memmove(s[i].buf, s[i].buf + s[i].have - 64,
				    65);
				s[i].have = 64;
			}
		}
	free(p);
}

static void
print_latency(const char *what, const double *ms, int n)
{
	printf("%-28s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  "
	    "(%d requests)\n", what, ms[n / 2], ms[n * 99 / 100], ms[n - 1],
	    n);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "streams", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct e2e_env		*env;
	struct e2e_proc		 d;
	struct e2e_conf		 c;
	struct stream		*s;
	const char		*h[] = { "Content-Type: application/json",
				    NULL };
	char			 url[256], req[512], *resp, *hdrs, *p;
	char			 cookie[128], *body;
	double			*before, *with;
	long			 rss0, rss1, lo = -1, hi = 0;
	int			 nstreams = 200, nreq = 10000, ch, i, status;
	int			 open = 0;
	size_t			 len = 0;
	FILE			*fp;
	json_t			*j;

	while ((ch = getopt_long(argc, argv, "s:r:", opts, NULL)) != -1) {
		if (ch == 's')
			nstreams = atoi(optarg);
		else if (ch == 'r')
			nreq = atoi(optarg);
		else {
			fprintf(stderr, "usage: console_sse [--streams N] "
			    "[--requests N]\n");
			return 2;
		}
	}
	if (nstreams < 1 || nreq < 100)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((env = e2e_env_new()) == NULL)
		return 1;
	memset(&c, 0, sizeof(c));
	c.rate = 20;		/* 600 SMS: 30 s of moving counts */
	c.gateway = "max_connections = 4000";
	c.extra = "[user anna]\npassword_hash = " PWHASH "\nrole = viewer\n";
	if (e2e_env_config(env, &c) == -1 || e2e_spawn_daemon(env, &d) == -1)
		return 1;

	/* 600 contacts in a group, and an alert to them. */
	fp = open_memstream(&body, &len);
	fprintf(fp, "{\"contacts\":[");
	for (i = 0; i < 600; i++)
		fprintf(fp, "%s{\"phone\":\"+4670100%04d\",\"groups\":[\"g\"]}",
		    i ? "," : "", i);
	fprintf(fp, "]}");
	fclose(fp);
	json_decref(e2e_api(&d, E2E_TOKEN, "POST", "/v1/contacts", body,
	    &status));
	free(body);
	j = e2e_api(&d, E2E_TOKEN, "POST", "/v1/alerts", "{\"source_ref\":"
	    "\"bench\",\"message\":\"Prov\",\"ack\":true,\"audience\":"
	    "{\"groups\":[\"g\"]}}", &status);
	json_decref(j);
	if (status != 202) {
		fprintf(stderr, "console_sse: the alert was not taken\n");
		return 1;
	}

	/* The session's cookie. */
	snprintf(url, sizeof(url), "%s/v1/session", d.url);
	if (e2e_http_headers("POST", url, h, "{\"name\":\"anna\",\"password\":"
	    "\"correct horse battery\"}", &status, &resp, &hdrs) == -1 ||
	    status != 200 || (p = strstr(hdrs, "varsel_session=")) == NULL) {
		fprintf(stderr, "console_sse: no login\n");
		return 1;
	}
	snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(p, ";\r\n"), p);
	free(resp);
	free(hdrs);

	before = calloc((size_t)nreq, sizeof(*before));
	with = calloc((size_t)nreq, sizeof(*with));
	s = calloc((size_t)nstreams, sizeof(*s));
	snprintf(url, sizeof(url), "%s/v1/alerts/1", d.url);
	latency(url, nreq, before);
	rss0 = e2e_proc_kb(d.pid, "VmRSS");

	/* N streams, each until its first counts event. */
	snprintf(req, sizeof(req), "GET /v1/alerts/1/events HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nCookie: %s\r\n\r\n", cookie);
	for (i = 0; i < nstreams; i++) {
		s[i].fd = e2e_connect(d.port, 0);
		if (s[i].fd == -1 || write(s[i].fd, req, strlen(req)) !=
		    (ssize_t)strlen(req)) {
			fprintf(stderr, "console_sse: stream %d did not open\n",
			    i);
			return 1;
		}
	}
	for (i = 0; i < 100; i++) {
		drain(s, nstreams, 50);
		for (open = 0, ch = 0; ch < nstreams; ch++)
			open += s[ch].events > 0;
		if (open == nstreams)
			break;
	}
	drain(s, nstreams, 500);
	rss1 = e2e_proc_kb(d.pid, "VmRSS");
	for (i = 0; i < nstreams; i++)
		s[i].events = 0;

	/* The same requests with the streams open and fed. */
	latency(url, nreq, with);
	drain(s, nstreams, 300);
	for (i = 0; i < nstreams; i++) {
		if (lo == -1 || s[i].events < lo)
			lo = s[i].events;
		if (s[i].events > hi)
			hi = s[i].events;
	}
	printf("streams open: %d of %d\n", open, nstreams);
	printf("varseld VmRSS: %ld KiB before, %ld KiB with the streams: "
	    "%.1f KiB a stream\n", rss0, rss1,
	    (double)(rss1 - rss0) / nstreams);
	print_latency("GET /v1/alerts/1, no stream", before, nreq);
	print_latency("with the streams open", with, nreq);
	printf("counts events a stream got while measured: %ld to %ld\n", lo,
	    hi);
	for (i = 0; i < nstreams; i++)
		close(s[i].fd);
	e2e_stop(&d, 5000);
	e2e_env_free(env);
	free(before);
	free(with);
	free(s);
	curl_global_cleanup();
	return 0;
}
