/*
 * The database as a file: the lock varseld holds on it while it runs,
 * the schema version a file has (read only, so a file from a newer
 * Varsel is refused and left as it was), an online backup (consistent
 * while varseld writes) and a restore (only while varseld is stopped).
 * It works on paths and opens its own connections; the daemon's
 * connection stays in store_schema.c.
 */
#ifndef VARSEL_STORE_BACKUP_H
#define VARSEL_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

/* What a backup or a restore did. */
struct store_file_info {
	int		 version;	/* PRAGMA user_version of the copy */
	int64_t		 bytes;		/* size of the file written */
	int64_t		 alerts;	/* rows in alerts */
	int64_t		 deliveries;	/* rows in deliveries */
	char		 aside[4096];	/* restore: where the old database
					   went, or "" if there was none */
};

/*
 * Take the lock of the database at path: an exclusive flock(2) on
 * "path.lock", holding varseld's pid. Sets *fd (-1 for ":memory:");
 * -1 with err when another process holds it ("... pid 1234 holds ...").
 */
int	store_lock(const char *path, int *fd, char *err, size_t errlen);
/*
 * What varseld does before store_open: store_lock, then, for a file that
 * exists, the read-only look of store_check_file, so that a database of
 * a newer Varsel is refused before anything writes to it (store_open
 * would set its journal mode first). 0 with *fd set, or -1 with err.
 */
int	store_claim(const char *path, int *fd, char *err, size_t errlen);
/* Let the lock go (fd -1 is fine). */
void	store_unlock(int fd);

/*
 * Look at a database file without changing it: its schema version in
 * *version. -1 with err when it cannot be read, is not a Varsel database
 * or was made by a newer Varsel than this one.
 */
int	store_check_file(const char *path, int *version, char *err,
	    size_t errlen);

/*
 * Copy the database at path to dst with SQLite's online backup (one read
 * transaction: a consistent snapshot while varseld goes on writing),
 * check the copy with PRAGMA integrity_check, sync it and give it its
 * name by rename(2), so dst is either the old file or a whole new one.
 * The copy is a single file (rollback journal mode), mode 0600.
 */
int	store_backup(const char *path, const char *dst,
	    struct store_file_info *, char *err, size_t errlen);
/*
 * Replace the database at path by the backup src: refused while varseld
 * holds the lock, for a damaged file and for one of a newer schema; an
 * older schema is migrated. The old database (with its -wal and -shm)
 * is renamed aside, never deleted. Run as root, the new file gets the
 * owner of the database's folder.
 */
int	store_restore(const char *src, const char *path,
	    struct store_file_info *, char *err, size_t errlen);

#endif
