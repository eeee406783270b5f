#include "core/err.h"

/* Marks the texts for translation (xgettext); cli/ translates them. */
#define N_(s) s

const char *
dg_strerror(int code)
{
	switch (code) {
	case DG_OK: return N_("success");
	case DG_ENOMEM: return N_("out of memory");
	case DG_EINVAL: return N_("invalid value");
	case DG_EDECODE: return N_("malformed data");
	case DG_ELIMIT: return N_("over the size limit");
	case DG_EUTF8: return N_("text is not valid UTF-8");
	case DG_ECRYPTO: return N_("decryption failed");
	case DG_ESIG: return N_("bad signature");
	case DG_ECHAIN: return N_("hash chain broken");
	case DG_EPASS: return N_("wrong passphrase");
	case DG_ENOTFOUND: return N_("not found");
	case DG_EEXIST: return N_("already exists");
	case DG_EAMBIG: return N_("ambiguous id prefix");
	case DG_ENOSPC: return N_("no space left");
	case DG_EIO: return N_("input/output error");
	case DG_ECORRUPT: return N_("store is damaged");
	case DG_EPERM: return N_("not permitted");
	case DG_EFORK: return N_("forked log");
	case DG_ESTATE: return N_("not ready");
	case DG_EVERSION: return N_("unsupported version");
	case DG_EBUSY: return N_("busy");
	case DG_EMAPFULL: return N_("store map full");
	case DG_EPROTO: return N_("protocol violation");
	case DG_ECLOSED: return N_("connection closed");
	case DG_ETIMEOUT: return N_("timed out");
	case DG_EREFUSED: return N_("refused by the peer");
	case DG_ENET: return N_("network error");
	}
	return N_("unknown error");
}
