#include "core/body.h"

#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "core/entry.h"
#include "core/mp.h"
#include "core/text.h"
#include "core/valid.h"

static const struct core_mp_limits body_limits = {
	.depth = 3,
	.count = CORE_MEMBERS_MAX,
	/* a key delivery: 3 objects per recipient; a record: 2 per field */
	.items = 3 * CORE_MEMBERS_MAX + 16,
	.str = CORE_VALUE_MAX,
	.bin = CORE_SEALED_LEN,
};

int
core_body_encode(const struct core_body *b, struct core_buf *out)
{
	msgpack_packer pk;
	size_t i;

	core_mp_packer(&pk, out);
	switch (b->kind) {
	case CORE_KIND_GENESIS:
		if (b->name == NULL)
			return DG_EINVAL;
		msgpack_pack_map(&pk, 2);
		core_mp_str(&pk, "name");
		core_mp_str(&pk, b->name);
		core_mp_str(&pk, "nonce");
		core_mp_bin(&pk, b->nonce, CORE_NONCE16);
		break;
	case CORE_KIND_ADMIT:
		if (b->name == NULL)
			return DG_EINVAL;
		msgpack_pack_map(&pk, 4);
		core_mp_str(&pk, "pk");
		core_mp_bin(&pk, b->pk, 32);
		core_mp_str(&pk, "role");
		msgpack_pack_uint8(&pk, b->role);
		core_mp_str(&pk, "name");
		core_mp_str(&pk, b->name);
		core_mp_str(&pk, "invite");
		if (b->has_invite)
			core_mp_bin(&pk, b->invite, 32);
		else
			msgpack_pack_nil(&pk);
		break;
	case CORE_KIND_REVOKE:
		msgpack_pack_map(&pk, 3);
		core_mp_str(&pk, "pk");
		core_mp_bin(&pk, b->pk, 32);
		core_mp_str(&pk, "upto");
		msgpack_pack_uint64(&pk, b->upto);
		core_mp_str(&pk, "reason");
		core_mp_str(&pk, b->reason ? b->reason : "");
		break;
	case CORE_KIND_INVITE:
		msgpack_pack_map(&pk, 5);
		core_mp_str(&pk, "id");
		core_mp_bin(&pk, b->invite, 32);
		core_mp_str(&pk, "role");
		msgpack_pack_uint8(&pk, b->role);
		core_mp_str(&pk, "approved");
		if (b->approved)
			msgpack_pack_true(&pk);
		else
			msgpack_pack_false(&pk);
		core_mp_str(&pk, "expires");
		msgpack_pack_uint64(&pk, b->expires);
		core_mp_str(&pk, "uses");
		msgpack_pack_uint64(&pk, b->uses);
		break;
	case CORE_KIND_UNINVITE:
		msgpack_pack_map(&pk, 1);
		core_mp_str(&pk, "id");
		core_mp_bin(&pk, b->invite, 32);
		break;
	case CORE_KIND_KEYS:
		msgpack_pack_map(&pk, 3);
		core_mp_str(&pk, "epoch");
		msgpack_pack_uint32(&pk, b->epoch);
		core_mp_str(&pk, "creator");
		core_mp_bin(&pk, b->pk, 32);
		core_mp_str(&pk, "to");
		msgpack_pack_array(&pk, b->nto);
		for (i = 0; i < b->nto; i++) {
			msgpack_pack_array(&pk, 2);
			core_mp_bin(&pk, b->to[i].pk, 32);
			core_mp_bin(&pk, b->to[i].box, CORE_SEALED_LEN);
		}
		break;
	case CORE_KIND_RECORD:
		msgpack_pack_map(&pk, 3);
		core_mp_str(&pk, "id");
		core_mp_bin(&pk, b->rid, CORE_RID_LEN);
		core_mp_str(&pk, "type");
		msgpack_pack_uint8(&pk, (uint8_t)b->rtype);
		core_mp_str(&pk, "set");
		msgpack_pack_map(&pk, b->nset);
		for (i = 0; i < b->nset; i++) {
			core_mp_str(&pk, b->set[i].key);
			if (b->set[i].value == NULL)
				msgpack_pack_nil(&pk);
			else
				core_mp_str(&pk, b->set[i].value);
		}
		break;
	case CORE_KIND_REMOVE:
	case CORE_KIND_ERASE:
		msgpack_pack_map(&pk, 1);
		core_mp_str(&pk, "id");
		core_mp_bin(&pk, b->rid, CORE_RID_LEN);
		break;
	default:
		return DG_EINVAL;
	}
	return out->err;
}

int
core_body_key_check(enum core_rtype t, const char *key,
    const struct core_fdef **def, size_t *lang)
{
	const char *at = strchr(key, '@');
	size_t flen = at ? (size_t)(at - key) : strlen(key);
	char tag[CORE_FIELD_NAME_MAX + 1];
	const struct core_fdef *f;

	if (strlen(key) > CORE_FIELD_NAME_MAX)
		return DG_EINVAL;
	f = core_schema_field(t, key, flen);
	if (f == NULL)
		return DG_EINVAL;
	*lang = 0;
	if (at != NULL) {
		if (!f->translatable)
			return DG_EINVAL;
		if (core_valid_lang(at + 1, strlen(at + 1), tag, sizeof tag) !=
			0 ||
		    strcmp(tag, at + 1) != 0)
			return DG_EINVAL;
		*lang = flen + 1;
	}
	*def = f;
	return 0;
}

static bool
key_is(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	    memcmp(o->via.str.ptr, s, n) == 0;
}

static char *
dup_str(const msgpack_object *o)
{
	char *s = malloc(o->via.str.size + 1);

	if (s != NULL) {
		memcpy(s, o->via.str.ptr, o->via.str.size);
		s[o->via.str.size] = '\0';
	}
	return s;
}

static int
get_bin(const msgpack_object *o, uint8_t *out, size_t n)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n)
		return DG_EDECODE;
	memcpy(out, o->via.bin.ptr, n);
	return 0;
}

static int
get_role(const msgpack_object *o, uint8_t *role)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    (o->via.u64 != CORE_ROLE_VOLUNTEER &&
		o->via.u64 != CORE_ROLE_COORDINATOR))
		return DG_EDECODE;
	*role = (uint8_t)o->via.u64;
	return 0;
}

/* A name or reason: min..max bytes of one line of text.  It reaches
 * every member's terminal, so no control characters. */
static int
get_line(const msgpack_object *o, size_t min, size_t max, char **out)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size < min ||
	    o->via.str.size > max)
		return DG_EDECODE;
	if (o->via.str.size > 0 &&
	    core_text_check_value(o->via.str.ptr, o->via.str.size, false) != 0)
		return DG_EDECODE;
	*out = dup_str(o);
	return *out ? 0 : DG_ENOMEM;
}

static int
get_rid(const msgpack_object *o, uint8_t rid[CORE_RID_LEN])
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != CORE_RID_LEN)
		return DG_EDECODE;
	memcpy(rid, o->via.bin.ptr, CORE_RID_LEN);
	return 0;
}

static int
field_cmp(const void *a, const void *b)
{
	return strcmp(((const struct core_field *)a)->key,
	    ((const struct core_field *)b)->key);
}

/* Sorts a body's fields by key: by insertion when they are few, as in
 * most bodies (a contact has about 5), where it costs a fraction of
 * qsort's calls; qsort above, so a body of CORE_RECORD_FIELDS_MAX
 * fields costs no square. */
#define SORT_SMALL 16

static void
sort_fields(struct core_field *f, size_t n)
{
	struct core_field x;
	size_t i, j;

	if (n > SORT_SMALL) {
		qsort(f, n, sizeof *f, field_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		x = f[i];
		for (j = i; j > 0 && strcmp(f[j - 1].key, x.key) > 0; j--)
			f[j] = f[j - 1];
		f[j] = x;
	}
}

static int
decode_set(const msgpack_object *m, struct core_body *b)
{
	const struct core_fdef *def;
	const msgpack_object_kv *kv;
	char *canon = NULL;
	size_t i, lang;
	int rc;

	if (m->type != MSGPACK_OBJECT_MAP || m->via.map.size == 0)
		return DG_EDECODE;
	if (m->via.map.size > CORE_RECORD_FIELDS_MAX)
		return DG_ELIMIT;
	b->set = calloc(m->via.map.size, sizeof *b->set);
	if (b->set == NULL)
		return DG_ENOMEM;
	for (i = 0; i < m->via.map.size; i++) {
		kv = &m->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    (kv->val.type != MSGPACK_OBJECT_STR &&
			kv->val.type != MSGPACK_OBJECT_NIL))
			return DG_EDECODE;
		b->set[i].key = dup_str(&kv->key);
		b->nset = i + 1;
		if (b->set[i].key == NULL)
			return DG_ENOMEM;
		if (core_body_key_check(b->rtype, b->set[i].key, &def, &lang))
			return DG_EINVAL;
		if (kv->val.type == MSGPACK_OBJECT_NIL)
			continue;
		b->set[i].value = dup_str(&kv->val);
		if (b->set[i].value == NULL)
			return DG_ENOMEM;
		/* Only canonical values are written; anything else was not
		 * written by dugnad and is refused. */
		rc = core_valid_value(def->type, b->set[i].value, &canon, NULL,
		    0);
		if (rc != 0)
			return rc == DG_ENOMEM ? rc : DG_EINVAL;
		rc = strcmp(canon, b->set[i].value) ? DG_EINVAL : 0;
		sodium_memzero(canon, strlen(canon));
		free(canon);
		canon = NULL;
		if (rc != 0)
			return rc;
	}
	sort_fields(b->set, b->nset);
	for (i = 1; i < b->nset; i++) {
		if (strcmp(b->set[i - 1].key, b->set[i].key) == 0)
			return DG_EDECODE;
	}
	return 0;
}

static int
decode_keys(const msgpack_object *a, struct core_body *b)
{
	const msgpack_object *e;
	size_t i;

	if (a->type != MSGPACK_OBJECT_ARRAY)
		return DG_EDECODE;
	if (a->via.array.size > CORE_MEMBERS_MAX)
		return DG_ELIMIT;
	b->to = calloc(a->via.array.size ? a->via.array.size : 1,
	    sizeof *b->to);
	if (b->to == NULL)
		return DG_ENOMEM;
	for (i = 0; i < a->via.array.size; i++) {
		e = &a->via.array.ptr[i];
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 ||
		    e->via.array.ptr[0].type != MSGPACK_OBJECT_BIN ||
		    e->via.array.ptr[0].via.bin.size != 32 ||
		    e->via.array.ptr[1].type != MSGPACK_OBJECT_BIN ||
		    e->via.array.ptr[1].via.bin.size != CORE_SEALED_LEN)
			return DG_EDECODE;
		memcpy(b->to[i].pk, e->via.array.ptr[0].via.bin.ptr, 32);
		memcpy(b->to[i].box, e->via.array.ptr[1].via.bin.ptr,
		    CORE_SEALED_LEN);
	}
	b->nto = a->via.array.size;
	return 0;
}

static int
decode_map(uint8_t kind, const msgpack_object *m, struct core_body *b)
{
	const msgpack_object_kv *kv = m->via.map.ptr;
	uint32_t n = m->via.map.size;
	uint64_t t;

	switch (kind) {
	case CORE_KIND_GENESIS:
		if (n != 2 || !key_is(&kv[0].key, "name") ||
		    !key_is(&kv[1].key, "nonce") ||
		    get_bin(&kv[1].val, b->nonce, CORE_NONCE16) != 0)
			return DG_EDECODE;
		return get_line(&kv[0].val, 1, CORE_NET_NAME_MAX, &b->name);
	case CORE_KIND_ADMIT:
		if (n != 4 || !key_is(&kv[0].key, "pk") ||
		    !key_is(&kv[1].key, "role") || !key_is(&kv[2].key, "name") ||
		    !key_is(&kv[3].key, "invite") ||
		    get_bin(&kv[0].val, b->pk, 32) != 0 ||
		    get_role(&kv[1].val, &b->role) != 0)
			return DG_EDECODE;
		if (kv[3].val.type != MSGPACK_OBJECT_NIL) {
			if (get_bin(&kv[3].val, b->invite, 32) != 0)
				return DG_EDECODE;
			b->has_invite = true;
		}
		return get_line(&kv[2].val, 1, CORE_NAME_MAX, &b->name);
	case CORE_KIND_REVOKE:
		if (n != 3 || !key_is(&kv[0].key, "pk") ||
		    !key_is(&kv[1].key, "upto") ||
		    !key_is(&kv[2].key, "reason") ||
		    get_bin(&kv[0].val, b->pk, 32) != 0 ||
		    kv[1].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return DG_EDECODE;
		b->upto = kv[1].val.via.u64;
		return get_line(&kv[2].val, 0, CORE_REASON_MAX, &b->reason);
	case CORE_KIND_INVITE:
		if (n != 5 || !key_is(&kv[0].key, "id") ||
		    !key_is(&kv[1].key, "role") ||
		    !key_is(&kv[2].key, "approved") ||
		    !key_is(&kv[3].key, "expires") ||
		    !key_is(&kv[4].key, "uses") ||
		    get_bin(&kv[0].val, b->invite, 32) != 0 ||
		    get_role(&kv[1].val, &b->role) != 0 ||
		    kv[2].val.type != MSGPACK_OBJECT_BOOLEAN ||
		    kv[3].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    kv[4].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    kv[4].val.via.u64 == 0)
			return DG_EDECODE;
		b->approved = kv[2].val.via.boolean;
		b->expires = kv[3].val.via.u64;
		b->uses = kv[4].val.via.u64;
		return 0;
	case CORE_KIND_UNINVITE:
		if (n != 1 || !key_is(&kv[0].key, "id"))
			return DG_EDECODE;
		return get_bin(&kv[0].val, b->invite, 32);
	case CORE_KIND_KEYS:
		if (n != 3 || !key_is(&kv[0].key, "epoch") ||
		    !key_is(&kv[1].key, "creator") ||
		    !key_is(&kv[2].key, "to") ||
		    kv[0].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    kv[0].val.via.u64 == 0 || kv[0].val.via.u64 > UINT32_MAX ||
		    get_bin(&kv[1].val, b->pk, 32) != 0)
			return DG_EDECODE;
		b->epoch = (uint32_t)kv[0].val.via.u64;
		return decode_keys(&kv[2].val, b);
	case CORE_KIND_RECORD:
		if (n != 3 || !key_is(&kv[0].key, "id") ||
		    !key_is(&kv[1].key, "type") || !key_is(&kv[2].key, "set") ||
		    get_rid(&kv[0].val, b->rid) != 0 ||
		    kv[1].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return DG_EDECODE;
		t = kv[1].val.via.u64;
		if (t < CORE_RT_CONTACT || t > CORE_RT_REFERRAL)
			return DG_EDECODE;
		b->rtype = (enum core_rtype)t;
		return decode_set(&kv[2].val, b);
	case CORE_KIND_REMOVE:
	case CORE_KIND_ERASE:
		if (n != 1 || !key_is(&kv[0].key, "id"))
			return DG_EDECODE;
		return get_rid(&kv[0].val, b->rid);
	}
	return DG_EDECODE;
}

int
core_body_decode(uint8_t kind, const uint8_t *p, size_t len,
    struct core_body *b)
{
	msgpack_unpacked u;
	int rc;

	memset(b, 0, sizeof *b);
	b->kind = kind;
	rc = core_mp_check(p, len, &body_limits);
	if (rc != 0)
		return rc;
	msgpack_unpacked_init(&u);
	rc = core_mp_unpack(&u, p, len);
	if (rc != 0)
		goto out;
	if (u.data.type != MSGPACK_OBJECT_MAP) {
		rc = DG_EDECODE;
		goto out;
	}
	rc = decode_map(kind, &u.data, b);
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

void
core_body_fini(struct core_body *b)
{
	size_t i;

	if (b == NULL)
		return;
	free(b->name);
	free(b->reason);
	free(b->to);
	for (i = 0; i < b->nset; i++) {
		free(b->set[i].key);
		if (b->set[i].value != NULL) {
			sodium_memzero(b->set[i].value, strlen(b->set[i].value));
			free(b->set[i].value);
		}
	}
	free(b->set);
	memset(b, 0, sizeof *b);
}

void
core_body_net_id(const uint8_t founder[32], const uint8_t nonce[CORE_NONCE16],
    uint8_t net[32])
{
	static const uint8_t key[] = "dugnad net id";
	uint8_t in[32 + CORE_NONCE16];

	memcpy(in, founder, 32);
	memcpy(in + 32, nonce, CORE_NONCE16);
	crypto_generichash(net, 32, in, sizeof in, key, sizeof key - 1);
}
