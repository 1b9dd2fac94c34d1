/*
 * Backup and restore end to end: varselctl backup copies the database of
 * a running varseld while it fans an alert out to 10,000 people through
 * the fake 46elks (and takes more alerts); the copy restores into a new
 * folder, passes PRAGMA integrity_check and holds every alert the API
 * had answered 202 for before the backup began, with all its
 * deliveries; a varseld started on it serves them. A restore into the
 * folder of the running daemon is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gateway/util.h"
#include "tests/e2e.h"

#define CONTACTS	10000
#define MAX_ALERTS	512
#define WAIT_MS		60000

/* Start varselctl with args (NULL-ended); output to log. Its pid. */
static pid_t
ctl_start(const char *log, const char *const args[])
{
	char	 exe[PATH_MAX];
	char	*argv[16];
	pid_t	 pid;
	int	 i, fd;

	snprintf(exe, sizeof(exe), "%s/varselctl", e2e_builddir());
	argv[0] = exe;
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	fflush(NULL);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execv(exe, argv);
		_exit(127);
	}
	return pid;
}

/* Its exit code (128 + signal), or -1 after timeout_ms (killed). */
static int
ctl_wait(pid_t pid, int timeout_ms)
{
	long long	end = e2e_now_ms() + timeout_ms;
	int		st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (e2e_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(5000);
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

/* Run varselctl to the end; its exit code. */
static int
ctl_run(const char *log, const char *const args[])
{
	return ctl_wait(ctl_start(log, args), WAIT_MS);
}

/* Print a log file (a failed step says why). */
static void
show(const char *path)
{
	char	 buf[4096];
	FILE	*fp;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(fp);
}

/* Post an alert to group (source_ref ref); its id if 202, else 0. */
static long long
post_alert(const struct e2e_proc *d, const char *group, const char *ref)
{
	json_t		*a;
	char		 body[256];
	long long	 id = 0;
	int		 st;

	snprintf(body, sizeof(body), "{\"source_ref\":\"%s\",\"message\":"
	    "\"Prov av utskick\",\"severity\":\"severe\","
	    "\"audience\":{\"groups\":[\"%s\"]}}", ref, group);
	a = e2e_api(d, E2E_TOKEN, "POST", "/v1/alerts", body, &st);
	if (st == 202)
		id = e2e_json_int(a, "id");
	json_decref(a);
	return id;
}

/* One integer from sql on db. */
static long long
query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
test_backup_during_fanout(void **state)
{
	struct e2e_env	*env, *env2;
	struct e2e_conf	 c = { 0 };
	struct e2e_proc	 fake, d, d2;
	sqlite3		*db;
	json_t		*a;
	long long	 before[MAX_ALERTS], sent0, sent1, big;
	char		 backup[PATH_MAX + 16], log[PATH_MAX + 16], ref[32];
	char		 sql[160];
	size_t		 nbefore = 0, nduring = 0, i;
	pid_t		 pid;
	int		 st, rc;

	assert_non_null(env = e2e_env_new());
	assert_int_equal(e2e_spawn_fake(env, &fake, NULL), 0);
	c.fake_port = fake.port;
	c.rate = 1000;		/* 10,000 SMS take about ten seconds */
	assert_int_equal(e2e_env_config(env, &c), 0);
	assert_int_equal(e2e_spawn_daemon(env, &d), 0);
	assert_int_equal(e2e_add_contacts(&d, 0, CONTACTS, "alle", false),
	    0);

	/* Accepted before the backup: the big fan-out and small ones. */
	assert_true((big = post_alert(&d, "alle", "big")) > 0);
	before[nbefore++] = big;
	a = e2e_api(&d, E2E_TOKEN, "POST", "/v1/contacts",
	    "{\"contacts\":[{\"phone\":\"+46701740605\",\"groups\":"
	    "[\"liten\"]}]}", &st);
	assert_int_equal(st, 200);
	json_decref(a);
	for (i = 0; i < 20; i++) {
		snprintf(ref, sizeof(ref), "before-%zu", i);
		assert_true((before[nbefore] = post_alert(&d, "liten",
		    ref)) > 0);
		nbefore++;
	}
	snprintf(sql, sizeof(sql), "/v1/alerts/%lld", big);
	a = e2e_api(&d, E2E_TOKEN, "GET", sql, NULL, &st);
	assert_int_equal(e2e_json_int(a, "recipients"), CONTACTS);
	assert_string_equal(e2e_json_str(a, "state"), "dispatching");
	json_decref(a);

	/* The backup, while the fan-out goes on and alerts keep coming. */
	snprintf(backup, sizeof(backup), "%s/backup.db", env->dir);
	snprintf(log, sizeof(log), "%s/varselctl.log", env->dir);
	sent0 = e2e_fake_stat(&fake, "accepted");
	{
		const char *const args[] = { "-c", env->conf, "backup",
		    backup, NULL };

		pid = ctl_start(log, args);
	}
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		snprintf(ref, sizeof(ref), "during-%zu", nduring++);
		post_alert(&d, "liten", ref);
	}
	sent1 = e2e_fake_stat(&fake, "accepted");
	fprintf(stderr, "backup: the fake accepted %lld SMS and %zu alerts "
	    "were posted while it ran\n", sent1 - sent0, nduring);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		show(log);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The daemon was sending (and writing) while the copy was made. */
	snprintf(sql, sizeof(sql), "/v1/alerts/%lld", big);
	a = e2e_api(&d, E2E_TOKEN, "GET", sql, NULL, &st);
	assert_true(e2e_json_int(a, "counts.queued") > 0 || sent1 > sent0);
	json_decref(a);

	/* A restore beside the running daemon is refused. */
	{
		const char *const args[] = { "-c", env->conf, "restore",
		    backup, NULL };

		assert_int_equal(ctl_run(log, args), 1);
	}
	assert_true(e2e_alive(&d));

	/* Restore into a new folder. */
	assert_non_null(env2 = e2e_env_new());
	memset(&c, 0, sizeof(c));
	assert_int_equal(e2e_env_config(env2, &c), 0);
	{
		const char *const args[] = { "-c", env2->conf, "restore",
		    backup, NULL };

		rc = ctl_run(log, args);
		if (rc != 0)
			show(log);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(sqlite3_open_v2(env2->db, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(query(db, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	for (i = 0; i < nbefore; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM deliveries "
		    "WHERE alert_id = %lld", before[i]);
		assert_int_equal(query(db, sql), before[i] == big ?
		    CONTACTS : 1);
		snprintf(sql, sizeof(sql), "SELECT recipients FROM alerts "
		    "WHERE id = %lld", before[i]);
		assert_int_equal(query(db, sql), before[i] == big ?
		    CONTACTS : 1);
	}
	/* Every alert in the copy came with all its deliveries. */
	assert_int_equal(query(db, "SELECT count(*) FROM alerts WHERE "
	    "recipients != (SELECT count(*) FROM deliveries d WHERE "
	    "d.alert_id = alerts.id)"), 0);
	sqlite3_close(db);

	/* A varseld on the restored copy serves them. */
	assert_int_equal(e2e_spawn_daemon(env2, &d2), 0);
	for (i = 0; i < nbefore; i++) {
		snprintf(sql, sizeof(sql), "/v1/alerts/%lld", before[i]);
		a = e2e_api(&d2, E2E_TOKEN, "GET", sql, NULL, &st);
		assert_int_equal(st, 200);
		json_decref(a);
	}
	assert_int_equal(e2e_stop(&d2, 20000), 0);
	assert_int_equal(e2e_stop(&d, 20000), 0);
	e2e_env_free(env2);
	e2e_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_during_fanout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
