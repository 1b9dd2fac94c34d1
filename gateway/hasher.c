/*
 * Password checks in one worker thread: a queue of jobs under a mutex,
 * a condition the worker waits on, and a pipe whose read end is an
 * event on the loop. A finished job moves to the done list and a byte
 * goes down the pipe; the loop drains it and runs the callbacks.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "hasher.h"
#include "log.h"
#include "password.h"
#include "util.h"

/* One check. */
struct job {
	struct job	*next;
	char		*stored;
	char		*password;
	bool		 match;
	hasher_cb	 cb;
	void		*arg;
};

struct hasher {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct job	*todo, *todo_tail;	/* the worker's, in order */
	struct job	*done;			/* the loop's */
	size_t		 pending;		/* todo + running + done */
	size_t		 max_queued;
	bool		 stop;
	bool		 started;
	int		 fds[2];		/* done signal: [0] read */
	struct event	*ev;
};

static void	*worker(void *);
static void	 done_cb(evutil_socket_t, short, void *);
static void	 job_free(struct job *);
static void	 run_done(struct hasher *, bool);

/* Wipe and free a job's strings and the job. */
static void
job_free(struct job *j)
{
	free_secret(j->password);
	free(j->stored);
	free(j);
}

/* The thread: take the oldest job, check it, hand it to the loop. */
static void *
worker(void *arg)
{
	struct hasher	*h = arg;
	struct job	*j, **tail;
	char		 one = 1;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->todo == NULL && !h->stop)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->stop)
			break;
		j = h->todo;
		if ((h->todo = j->next) == NULL)
			h->todo_tail = NULL;
		pthread_mutex_unlock(&h->mu);

		j->match = password_verify(j->stored, j->password);

		pthread_mutex_lock(&h->mu);
		j->next = NULL;
		for (tail = &h->done; *tail != NULL; tail = &(*tail)->next)
			;
		*tail = j;
		/* A full pipe already holds a wake-up: nothing is lost. */
		while (write(h->fds[1], &one, 1) == -1 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Run the callbacks of finished jobs (cancelled: all are). */
static void
run_done(struct hasher *h, bool cancelled)
{
	struct job	*list, *j;

	pthread_mutex_lock(&h->mu);
	list = h->done;
	h->done = NULL;
	pthread_mutex_unlock(&h->mu);
	while ((j = list) != NULL) {
		list = j->next;
		pthread_mutex_lock(&h->mu);
		h->pending--;
		pthread_mutex_unlock(&h->mu);
		j->cb(j->match && !cancelled, cancelled, j->arg);
		job_free(j);
	}
}

/* The pipe is readable: drain it, answer what is done. */
static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hasher	*h = arg;
	char		 buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	run_done(h, false);
}

struct hasher *
hasher_new(struct event_base *base, size_t max_queued)
{
	struct hasher	*h;
	int		 i;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return NULL;
	}
	h->fds[0] = h->fds[1] = -1;
	h->max_queued = max_queued;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (pipe(h->fds) == -1) {
		log_warn("%s: pipe", __func__);
		goto fail;
	}
	for (i = 0; i < 2; i++)
		if (fcntl(h->fds[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(h->fds[i], F_SETFD, FD_CLOEXEC) == -1) {
			log_warn("%s: fcntl", __func__);
			goto fail;
		}
	if ((h->ev = event_new(base, h->fds[0], EV_READ | EV_PERSIST, done_cb,
	    h)) == NULL || event_add(h->ev, NULL) == -1) {
		log_warnx("%s: cannot watch the pipe", __func__);
		goto fail;
	}
	if ((errno = pthread_create(&h->thread, NULL, worker, h)) != 0) {
		log_warn("%s: pthread_create", __func__);
		goto fail;
	}
	h->started = true;
	return h;
fail:
	hasher_free(h);
	return NULL;
}

int
hasher_verify(struct hasher *h, const char *stored, const char *password,
    hasher_cb cb, void *arg)
{
	struct job	*j;

	if (h->pending >= h->max_queued)
		return -1;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->stored = strdup(stored)) == NULL ||
	    (j->password = strdup(password)) == NULL) {
		if (j != NULL)
			job_free(j);
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	j->cb = cb;
	j->arg = arg;
	pthread_mutex_lock(&h->mu);
	if (h->todo_tail != NULL)
		h->todo_tail->next = j;
	else
		h->todo = j;
	h->todo_tail = j;
	h->pending++;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

size_t
hasher_pending(const struct hasher *h)
{
	return h->pending;
}

void
hasher_free(struct hasher *h)
{
	struct job	**tail;

	if (h == NULL)
		return;
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		h->stop = true;
		pthread_cond_signal(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thread, NULL);
	}
	/* What never ran joins what ran: every callback runs once. */
	for (tail = &h->done; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = h->todo;
	h->todo = h->todo_tail = NULL;
	run_done(h, true);
	if (h->ev != NULL)
		event_free(h->ev);
	if (h->fds[0] != -1)
		close(h->fds[0]);
	if (h->fds[1] != -1)
		close(h->fds[1]);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
