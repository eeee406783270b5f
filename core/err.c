#include "core/err.h"

const char *
dg_strerror(int code)
{
	switch (code) {
	case DG_OK: return "success";
	case DG_ENOMEM: return "out of memory";
	case DG_EINVAL: return "invalid value";
	case DG_EDECODE: return "malformed data";
	case DG_ELIMIT: return "over the size limit";
	case DG_EUTF8: return "text is not valid UTF-8";
	case DG_ECRYPTO: return "decryption failed";
	case DG_ESIG: return "bad signature";
	case DG_ECHAIN: return "hash chain broken";
	case DG_EPASS: return "wrong passphrase";
	case DG_ENOTFOUND: return "not found";
	case DG_EEXIST: return "already exists";
	case DG_EAMBIG: return "ambiguous id prefix";
	case DG_ENOSPC: return "no space left";
	case DG_EIO: return "input/output error";
	case DG_ECORRUPT: return "store is damaged";
	case DG_EPERM: return "not permitted";
	case DG_EFORK: return "forked log";
	case DG_ESTATE: return "not ready";
	case DG_EVERSION: return "unsupported version";
	case DG_EBUSY: return "busy";
	case DG_EMAPFULL: return "store map full";
	case DG_EPROTO: return "protocol violation";
	case DG_ECLOSED: return "connection closed";
	case DG_ETIMEOUT: return "timed out";
	case DG_EREFUSED: return "refused by the peer";
	case DG_ENET: return "network error";
	}
	return "unknown error";
}
