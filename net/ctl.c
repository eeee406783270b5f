/* net/ctl.c - the control socket's messages, and its client side.
 *
 * The daemon's side of the socket lives in net/node.c (it runs on the
 * loop); the client is a few blocking calls, which is all a command
 * that waits for one answer needs.
 */
#include "net/ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <msgpack.h>

#include "core/mp.h"

void
net_ctl_req_run(struct core_buf *out, bool json, const char *lang,
    const char *tz, int argc, char *const *argv)
{
	msgpack_packer pk;
	int i;

	core_mp_packer(&pk, out);
	msgpack_pack_array(&pk, 5);
	core_mp_str(&pk, "run");
	if (json)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	msgpack_pack_array(&pk, (uint32_t)argc);
	for (i = 0; i < argc; i++)
		core_mp_str(&pk, argv[i]);
	core_mp_str(&pk, lang);
	if (tz != NULL)
		core_mp_str(&pk, tz);
	else
		msgpack_pack_nil(&pk);
}

static const char *const kinds[] = { NULL, "run", "status", "sync",
	"changed" };

void
net_ctl_req_simple(struct core_buf *out, enum net_ctl_kind kind)
{
	msgpack_packer pk;

	core_mp_packer(&pk, out);
	msgpack_pack_array(&pk, 1);
	core_mp_str(&pk, kinds[kind]);
}

void
net_ctl_req_sync(struct core_buf *out, const char *addr)
{
	msgpack_packer pk;

	core_mp_packer(&pk, out);
	msgpack_pack_array(&pk, 2);
	core_mp_str(&pk, "sync");
	if (addr != NULL)
		core_mp_str(&pk, addr);
	else
		msgpack_pack_nil(&pk);
}

void
net_ctl_answer(struct core_buf *out, int status, const void *o, size_t olen,
    const void *e, size_t elen)
{
	msgpack_packer pk;

	core_mp_packer(&pk, out);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_uint32(&pk, (uint32_t)(status < 0 ? 70 : status));
	core_mp_bin(&pk, o, olen);
	core_mp_bin(&pk, e, elen);
}

static const struct core_mp_limits req_limits = {
	.depth = 2,
	.count = NET_CTL_ARGS_MAX,
	.items = NET_CTL_ARGS_MAX + 8,
	.str = 1u << 16,
	.bin = 0,
};

static char *
copy_str(const msgpack_object *o)
{
	char *s;

	if (o->type != MSGPACK_OBJECT_STR)
		return NULL;
	s = malloc(o->via.str.size + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	/* an argument with a NUL inside would be cut short: refuse it */
	if (strlen(s) != o->via.str.size) {
		free(s);
		return NULL;
	}
	return s;
}

static bool
str_is(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	    memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

int
net_ctl_req_decode(const uint8_t *p, size_t len, struct net_ctl_req *r)
{
	msgpack_unpacked u;
	const msgpack_object *a, *args;
	uint32_t i;
	int rc;

	memset(r, 0, sizeof *r);
	rc = core_mp_check(p, len, &req_limits);
	if (rc != 0)
		return rc;
	msgpack_unpacked_init(&u);
	rc = core_mp_unpack(&u, p, len);
	if (rc != 0)
		goto out;
	rc = DG_EDECODE;
	if (u.data.type != MSGPACK_OBJECT_ARRAY || u.data.via.array.size == 0)
		goto out;
	a = u.data.via.array.ptr;
	if (str_is(&a[0], "run") && u.data.via.array.size >= 3 &&
	    u.data.via.array.size <= 5) {
		if (a[1].type != MSGPACK_OBJECT_BOOLEAN ||
		    a[2].type != MSGPACK_OBJECT_ARRAY ||
		    a[2].via.array.size == 0)
			goto out;
		/* the language is a hint: one that is too long is refused,
		 * its characters are the daemon's to check */
		if (u.data.via.array.size >= 4) {
			if (a[3].type != MSGPACK_OBJECT_STR ||
			    a[3].via.str.size > NET_CTL_LANG_MAX)
				goto out;
			r->lang = copy_str(&a[3]);
			if (r->lang == NULL)
				goto out;
		}
		/* the TZ: checked as the command checks its own */
		if (u.data.via.array.size == 5) {
			r->tz_given = true;
			if (a[4].type != MSGPACK_OBJECT_NIL) {
				if (a[4].type != MSGPACK_OBJECT_STR ||
				    a[4].via.str.size > NET_CTL_TZ_MAX)
					goto out;
				r->tz = copy_str(&a[4]);
				if (r->tz == NULL)
					goto out;
			}
		}
		args = &a[2];
		r->kind = NET_CTL_RUN;
		r->json = a[1].via.boolean;
		r->argv = calloc(args->via.array.size + 1, sizeof *r->argv);
		if (r->argv == NULL) {
			rc = DG_ENOMEM;
			goto out;
		}
		for (i = 0; i < args->via.array.size; i++) {
			r->argv[i] = copy_str(&args->via.array.ptr[i]);
			if (r->argv[i] == NULL)
				goto out;
			r->argc++;
		}
		rc = 0;
	} else if (str_is(&a[0], "status") && u.data.via.array.size == 1) {
		r->kind = NET_CTL_STATUS;
		rc = 0;
	} else if (str_is(&a[0], "changed") && u.data.via.array.size == 1) {
		r->kind = NET_CTL_CHANGED;
		rc = 0;
	} else if (str_is(&a[0], "sync") && u.data.via.array.size == 2) {
		r->kind = NET_CTL_SYNC;
		if (a[1].type != MSGPACK_OBJECT_NIL) {
			r->addr = copy_str(&a[1]);
			if (r->addr == NULL)
				goto out;
		}
		rc = 0;
	}
out:
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		net_ctl_req_fini(r);
	return rc;
}

void
net_ctl_req_fini(struct net_ctl_req *r)
{
	int i;

	if (r->argv != NULL) {
		for (i = 0; i < r->argc; i++)
			free(r->argv[i]);
		free(r->argv);
	}
	free(r->addr);
	free(r->lang);
	free(r->tz);
	memset(r, 0, sizeof *r);
}

static const struct core_mp_limits answer_limits = {
	.depth = 1,
	.count = 3,
	.items = 4,
	.str = 0,
	.bin = NET_CTL_MAX,
};

int
net_ctl_answer_decode(const uint8_t *p, size_t len, int *status,
    const uint8_t **out, size_t *olen, const uint8_t **err, size_t *elen)
{
	msgpack_unpacked u;
	const msgpack_object *a;
	int rc;

	if (core_mp_check(p, len, &answer_limits) != 0)
		return DG_EDECODE;
	msgpack_unpacked_init(&u);
	rc = core_mp_unpack(&u, p, len);
	if (rc != 0)
		goto out;
	rc = DG_EDECODE;
	if (u.data.type != MSGPACK_OBJECT_ARRAY || u.data.via.array.size != 3)
		goto out;
	a = u.data.via.array.ptr;
	if (a[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    a[0].via.u64 > 255 || a[1].type != MSGPACK_OBJECT_BIN ||
	    a[2].type != MSGPACK_OBJECT_BIN)
		goto out;
	*status = (int)a[0].via.u64;
	*out = (const uint8_t *)a[1].via.bin.ptr;
	*olen = a[1].via.bin.size;
	*err = (const uint8_t *)a[2].via.bin.ptr;
	*elen = a[2].via.bin.size;
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return DG_EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, uint8_t *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return DG_EIO;
		if (r == 0)
			return DG_EPROTO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
net_ctl_call(const char *dir, const struct core_buf *req,
    struct core_buf *resp)
{
	struct sockaddr_un sa;
	uint8_t hdr[4];
	uint32_t len;
	int fd, rc;

	if (req->err != 0)
		return req->err;
	if (req->len > NET_CTL_MAX)
		return DG_ELIMIT;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir,
		NET_CTL_NAME) >= sizeof sa.sun_path)
		return DG_ENOTFOUND;
	/* Commands and their output go through it: only a socket of this
	 * user is trusted (a store directory others can write to could
	 * hold someone else's). */
	{
		struct stat st;

		if (lstat(sa.sun_path, &st) != 0)
			return DG_ENOTFOUND;
		if (!S_ISSOCK(st.st_mode) || st.st_uid != getuid())
			return DG_EPERM;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return DG_EIO;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		rc = (errno == ENOENT || errno == ECONNREFUSED) ?
		    DG_ENOTFOUND : DG_EIO;
		goto out;
	}
	hdr[0] = (uint8_t)(req->len >> 24);
	hdr[1] = (uint8_t)(req->len >> 16);
	hdr[2] = (uint8_t)(req->len >> 8);
	hdr[3] = (uint8_t)req->len;
	rc = write_all(fd, hdr, 4);
	if (rc == 0)
		rc = write_all(fd, (const uint8_t *)req->data, req->len);
	if (rc == 0)
		rc = read_all(fd, hdr, 4);
	if (rc != 0)
		goto out;
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (len == 0 || len > NET_CTL_MAX) {
		rc = DG_EPROTO;
		goto out;
	}
	core_buf_reset(resp);
	{
		uint8_t *tmp = malloc(len);

		if (tmp == NULL) {
			rc = DG_ENOMEM;
			goto out;
		}
		rc = read_all(fd, tmp, len);
		if (rc == 0)
			core_buf_add(resp, tmp, len);
		free(tmp);
	}
	if (rc == 0 && resp->err != 0)
		rc = resp->err;
out:
	close(fd);
	return rc;
}
