/* cli/util.c - messages, passphrases, opening the node, files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "core/b32.h"
#include "core/ident.h"

#define PASS_MAX 1024
/* a passphrase, a line end and one byte more (to see a longer one) */
#define PASS_BUF (PASS_MAX + 4)

void
cli_err(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "dugnad: %s: ", c->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_exit_code(int code)
{
	switch (code) {
	case DG_OK: return EXIT_OK;
	case DG_EINVAL:
	case DG_EDECODE:
	case DG_ELIMIT:
	case DG_EUTF8:
	case DG_EAMBIG:
	case DG_ENOTFOUND:
		return EXIT_DATA;
	case DG_EPASS:
	case DG_EPERM:
		return EXIT_NOPERM;
	case DG_ENOMEM: return EXIT_OSERR;
	case DG_EEXIST: return EXIT_CANTCREAT;
	case DG_EBUSY: return EXIT_TEMPFAIL;
	case DG_ESTATE:
	case DG_EVERSION:
		return EXIT_CONFIG;
	case DG_ECRYPTO:
	case DG_ESIG:
	case DG_ECHAIN:
	case DG_EFORK:
		return EXIT_DATA;
	}
	return EXIT_IOERR;
}

int
cli_fail(const struct cli *c, int code, const char *doing)
{
	doing = _(doing);
	switch (code) {
	case DG_ENOSPC:
		cli_err(c, "%s: the disk is full; free some space and try "
			   "again (nothing was changed)", doing);
		break;
	case DG_ECORRUPT:
		cli_err(c, "%s: the store in %s is damaged; run 'dugnad "
			   "verify': if it finds no problem, 'dugnad reindex' "
			   "rebuilds the views, else restore a backup", doing,
		    c->dir);
		break;
	case DG_EVERSION:
		cli_err(c, "%s: the store in %s was made by a newer dugnad; "
			   "upgrade dugnad", doing, c->dir);
		break;
	case DG_EBUSY:
		cli_err(c, "%s: the store is in use by another dugnad "
			   "process; stop it and try again", doing);
		break;
	case DG_EPERM:
		cli_err(c, "%s: permission denied on %s", doing, c->dir);
		break;
	case DG_EPASS:
		cli_err(c, "wrong passphrase (nothing was changed); try again. "
			   "If you are sure of it, the store may be damaged: "
			   "run 'dugnad verify'");
		break;
	case DG_ESTATE:
		cli_err(c, "%s: this node has no network yet; run 'dugnad "
			   "network create NAME' or join one", doing);
		break;
	default:
		cli_err(c, "%s: %s", doing, _(dg_strerror(code)));
		break;
	}
	return cli_exit_code(code);
}

bool
cli_interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

/* Reads one line from the terminal with echo off.  Byte by byte with
 * read(2), so the passphrase passes through no stdio buffer that would
 * be left unwiped. */
static int
read_tty(const char *prompt, char *buf, size_t cap, size_t *len)
{
	struct termios old, raw;
	size_t n = 0;
	int fd, echo_off = 0, rc = 0;
	ssize_t r;
	char ch;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (write(fd, prompt, strlen(prompt)) < 0)
		rc = -1;
	if (tcgetattr(fd, &old) == 0) {
		raw = old;
		raw.c_lflag &= (tcflag_t)~ECHO;
		echo_off = tcsetattr(fd, TCSAFLUSH, &raw) == 0;
	}
	while (rc == 0) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n' || ch == '\r')
			break;
		if (n + 1 < cap)
			buf[n++] = ch;
		else
			rc = -2; /* too long: keep reading to the end */
	}
	sodium_memzero(&ch, sizeof ch);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0 && rc == 0)
		rc = -1;
	close(fd);
	if (rc != 0)
		return rc;
	buf[n] = '\0';
	*len = n;
	return 0;
}

void
cli_pass_free(char *p)
{
	if (p != NULL)
		sodium_free(p);
}

/* Reads the passphrase from the file DUGNAD_PASSPHRASE_FILE names into p
 * (PASS_BUF bytes, sodium_malloc'd: wiped when freed).  The file must be
 * a regular file of this user that no one else may read or write, hold
 * one line of at most PASS_MAX bytes and no NUL byte; one line end
 * ("\n" or "\r\n") is taken off.  Returns 0 or an exit code (the
 * message printed). */
static int
read_pass_file(const struct cli *c, const char *path, char *p, size_t *len)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd, rc;

	/* O_NONBLOCK: a FIFO put there must not hang the daemon's start */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		cli_err(c, "cannot open the passphrase file %s: %s", path,
		    strerror(errno));
		return EXIT_NOINPUT;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_err(c, "the passphrase file %s is not a regular file",
		    path);
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (st.st_uid != geteuid()) {
		cli_err(c, "the passphrase file %s belongs to another user; "
			   "it must be yours (chown it, or write your own)",
		    path);
		rc = EXIT_NOPERM;
		goto done;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		cli_err(c, "others may read or change the passphrase file %s; "
			   "run 'chmod 600 %s'", path, path);
		rc = EXIT_NOPERM;
		goto done;
	}
	/* Up to PASS_MAX bytes and a line end, plus one to see a longer
	 * file (the size in st may change while it is read). */
	while (n < PASS_MAX + 3) {
		r = read(fd, p + n, PASS_MAX + 3 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_err(c, "cannot read the passphrase file %s: %s",
			    path, strerror(errno));
			rc = EXIT_IOERR;
			goto done;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > 0 && p[n - 1] == '\n')
		n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > PASS_MAX) {
		cli_err(c, "the passphrase in %s is longer than %d bytes", path,
		    PASS_MAX);
		rc = EXIT_DATA;
		goto done;
	}
	if (memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL ||
	    memchr(p, '\0', n) != NULL) {
		cli_err(c, "the passphrase file %s must hold one line: the "
			   "passphrase as you type it", path);
		rc = EXIT_DATA;
		goto done;
	}
	if (n == 0) {
		cli_err(c, "the passphrase file %s is empty; write the "
			   "passphrase in it", path);
		rc = EXIT_DATA;
		goto done;
	}
	p[n] = '\0';
	*len = n;
	rc = 0;
done:
	close(fd);
	return rc;
}

int
cli_pass_get(const struct cli *c, bool confirm, char **out, size_t *len)
{
	const char *env = getenv("DUGNAD_PASSPHRASE");
	const char *file = getenv("DUGNAD_PASSPHRASE_FILE");
	char *p, *q = NULL;
	size_t n, m;
	int rc;

	*out = NULL;
	if (env != NULL && file != NULL) {
		cli_err(c, "both DUGNAD_PASSPHRASE and DUGNAD_PASSPHRASE_FILE "
			   "are set; unset one of them");
		return EXIT_USAGE;
	}
	if (file != NULL && (file[0] == '\0' || strlen(file) > PATH_MAX)) {
		cli_err(c, "DUGNAD_PASSPHRASE_FILE must name a file (at most "
			   "%d bytes)", PATH_MAX);
		return EXIT_USAGE;
	}
	p = sodium_malloc(PASS_BUF);
	if (p == NULL) {
		cli_err(c, "out of memory");
		return EXIT_OSERR;
	}
	if (file != NULL) {
		rc = read_pass_file(c, file, p, &n);
		if (rc != 0)
			goto fail;
	} else if (env != NULL) {
		n = strlen(env);
		if (n > PASS_MAX) {
			cli_err(c, "DUGNAD_PASSPHRASE is longer than %d bytes",
			    PASS_MAX);
			rc = EXIT_USAGE;
			goto fail;
		}
		memcpy(p, env, n + 1);
	} else {
		rc = read_tty(confirm ? _("New passphrase: ") :
		    _("Passphrase: "), p, PASS_MAX + 1, &n);
		if (rc == -1) {
			cli_err(c, "no passphrase: run in a terminal, or set "
				   "DUGNAD_PASSPHRASE_FILE or DUGNAD_PASSPHRASE");
			rc = EXIT_NOPERM;
			goto fail;
		}
		if (rc == -2) {
			cli_err(c, "the passphrase is longer than %d bytes",
			    PASS_MAX);
			rc = EXIT_USAGE;
			goto fail;
		}
		if (confirm) {
			q = sodium_malloc(PASS_MAX + 1);
			if (q == NULL ||
			    read_tty(_("Repeat it: "), q, PASS_MAX + 1, &m) !=
				0 ||
			    m != n || sodium_memcmp(p, q, n) != 0) {
				cli_err(c, "the passphrases differ; try again");
				rc = EXIT_USAGE;
				goto fail;
			}
			sodium_free(q);
			q = NULL;
		}
	}
	if (n == 0) {
		cli_err(c, "the passphrase is empty; choose one of a few words");
		rc = EXIT_USAGE;
		goto fail;
	}
	*out = p;
	*len = n;
	return 0;
fail:
	if (q != NULL)
		sodium_free(q);
	sodium_free(p);
	return rc;
}

int
cli_open(struct cli *c, bool need_net, struct store_node **out)
{
	uint8_t net[32];
	char *pass;
	size_t plen;
	int rc;

	*out = NULL;
	if (c->shared != NULL) {
		/* inside the daemon: its node is open already */
		*out = c->shared;
		rc = 0;
	} else {
		rc = cli_pass_get(c, false, &pass, &plen);
		if (rc != 0)
			return rc;
		rc = store_node_open(c->dir, pass, plen, c->map_size, out);
		cli_pass_free(pass);
	}
	if (rc == DG_ENOTFOUND || rc == DG_ESTATE) {
		cli_err(c, "no dugnad node in %s; run 'dugnad init' first",
		    c->dir);
		return EXIT_CONFIG;
	}
	if (rc != 0)
		return cli_fail(c, rc, "cannot open the store");
	if (need_net && store_node_network(*out, net, NULL) != 0) {
		cli_close(c, *out);
		*out = NULL;
		cli_err(c, "this node has no network yet; run 'dugnad network "
			   "create NAME' (or join one)");
		return EXIT_CONFIG;
	}
	return 0;
}

int
cli_find(const struct cli *c, struct store_node *n, const char *prefix,
    uint8_t rid[16])
{
	int rc = store_node_find(n, prefix, rid);

	switch (rc) {
	case 0:
		return 0;
	case DG_EINVAL:
		cli_err(c, "'%.40s' is not a record id; ids look like "
			   "'k3x9abcd' (see 'dugnad list')", prefix);
		return EXIT_DATA;
	case DG_ENOTFOUND:
		cli_err(c, "no record with id '%.40s'; see 'dugnad list'",
		    prefix);
		return EXIT_DATA;
	case DG_EAMBIG:
		cli_err(c, "'%.40s' matches more than one record; type more "
			   "of the id", prefix);
		return EXIT_DATA;
	}
	return cli_fail(c, rc, "cannot look up the record");
}

int
cli_write_out(const struct cli *c, const struct core_buf *b)
{
	if (b->err != 0)
		return cli_fail(c, b->err, "cannot write the output");
	if (b->len > 0 && fwrite(b->data, 1, b->len, stdout) != b->len) {
		cli_err(c, "cannot write the output");
		return EXIT_IOERR;
	}
	return 0;
}

void
cli_fmt_time(int64_t unix_s, char *out, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)unix_s;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, cap, "?");
}

void
cli_short_node(const uint8_t pk[32], char out[16])
{
	char full[CORE_ID_TEXT];

	core_ident_id_text(pk, full);
	memcpy(out, full, 10);
	out[10] = '\0';
}

void
cli_short_rid(const uint8_t rid[16], char out[16])
{
	char full[CORE_RID_TEXT];

	core_record_id_text(rid, full);
	memcpy(out, full, 8);
	out[8] = '\0';
}

int
cli_read_file(const struct cli *c, const char *path, size_t max, char **out,
    size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_err(c, "cannot open %s: %s", path, strerror(errno));
		return EXIT_NOINPUT;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_err(c, "%s is not a regular file", path);
		close(fd);
		return EXIT_NOINPUT;
	}
	if ((uintmax_t)st.st_size > max) {
		cli_err(c, "%s is larger than %zu MiB; split it", path,
		    max >> 20);
		close(fd);
		return EXIT_DATA;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		cli_err(c, "out of memory");
		return EXIT_OSERR;
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* fsync of the directory that holds path: a rename is durable only
 * then.  Returns 0 or -1 (errno set); a file system that cannot sync a
 * directory (EINVAL) counts as done. */
static int
sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4200];
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
	close(fd);
	return rc;
}

int
cli_write_file(const struct cli *c, const char *path, const char *data,
    size_t len)
{
	char tmp[4200];
	size_t off = 0;
	ssize_t w;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (len > 0 && fwrite(data, 1, len, stdout) != len) {
			cli_err(c, "cannot write the output");
			return EXIT_IOERR;
		}
		return 0;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >=
	    (int)sizeof tmp) {
		cli_err(c, "the output path is too long");
		return EXIT_USAGE;
	}
	/* Exports hold personal data: readable by the owner only. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		cli_err(c, "cannot create %s: %s", path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off != len || fsync(fd) != 0) {
		cli_err(c, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return EXIT_IOERR;
	}
	if (close(fd) != 0) {
		cli_err(c, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return EXIT_IOERR;
	}
	if (rename(tmp, path) != 0) {
		cli_err(c, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return EXIT_CANTCREAT;
	}
	/* Without it a power cut after "wrote" may leave no file there
	 * (or the old one): the rename is not on disk yet. */
	if (sync_dir_of(path) != 0) {
		cli_err(c, "cannot write %s: %s", path, strerror(errno));
		return EXIT_IOERR;
	}
	return 0;
}

void
cli_close(const struct cli *c, struct store_node *n)
{
	if (n != c->shared)
		store_node_close(n);
}
