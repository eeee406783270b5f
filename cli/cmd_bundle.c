/* cli/cmd_bundle.c - dugnad bundle export FILE, dugnad bundle import
 * FILE: entries on a USB stick. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "core/ident.h"
#include "net/node.h"
#include "store/member.h"

static int
bundle_export(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct store_members m;
	struct core_buf out;
	struct cli_progress pg;
	const char *path = NULL, *to = NULL;
	bool since = false;
	uint8_t pk[32], net[32];
	size_t count = 0, i, found = 0;
	char id[CORE_ID_TEXT];
	/* 1: for every active member (store_node_bundle); 2: one */
	int a, rc, mode = 1;

	for (a = 2; a < argc; a++) {
		if ((strcmp(argv[a], "--for") == 0 ||
			strcmp(argv[a], "--since-peer") == 0) &&
		    a + 1 < argc) {
			since = strcmp(argv[a], "--since-peer") == 0;
			to = argv[++a];
		} else if (argv[a][0] != '-' && path == NULL) {
			path = argv[a];
		} else {
			cli_err(c, "usage: dugnad bundle export FILE [--for ID | "
				   "--since-peer ID]");
			return EXIT_USAGE;
		}
	}
	if (path == NULL) {
		cli_err(c, "usage: dugnad bundle export FILE [--for ID]");
		return EXIT_USAGE;
	}
	rc = cli_open(c, false, &n);
	if (rc != 0)
		return rc;
	if (to != NULL) {
		/* A member, or a newcomer admitted but not yet a member of
		 * this node's view: the full id always works. */
		mode = 2;
		if (core_ident_id_parse(to, pk) != 0) {
			rc = store_node_members(n, &m);
			if (rc != 0) {
				rc = cli_fail(c, rc, "cannot read the members");
				goto out;
			}
			for (i = 0; i < m.list.n; i++) {
				core_ident_id_text(m.list.m[i].pk, id);
				if (strlen(to) >= 4 &&
				    strncasecmp(id, to, strlen(to)) == 0) {
					memcpy(pk, m.list.m[i].pk, 32);
					found++;
				}
			}
			store_members_fini(&m);
			if (found != 1) {
				cli_err(c, "--for: no single member matches "
					   "'%.40s'; see 'dugnad members'", to);
				rc = EXIT_DATA;
				goto out;
			}
		}
	}
	if (to != NULL && store_node_members(n, &m) == 0) {
		const struct core_member *x = core_members_find(&m.list, pk);
		/* A revoked coordinator may be in a dispute that its own
		 * revocation of someone else settles: it must see the log. */
		bool revoked = x != NULL && x->status == CORE_MEMBER_REVOKED &&
		    x->role != CORE_ROLE_COORDINATOR;

		store_members_fini(&m);
		if (revoked) {
			cli_err(c, "that member was revoked; bundles are not made "
				   "for revoked members");
			rc = EXIT_NOPERM;
			goto out;
		}
	}
	core_buf_init(&out);
	cli_progress_start(&pg, c, _("Writing entries"), 0);
	store_db_progress(store_node_db(n), cli_progress_store, &pg);
	rc = store_node_bundle(n, mode, to ? pk : NULL, since ? pk : NULL, &out,
	    &count);
	store_db_progress(store_node_db(n), NULL, NULL);
	cli_progress_end(&pg);
	if (rc == DG_ESTATE && store_node_network(n, net, NULL) != 0) {
		cli_err(c, "this node has no network and no join request; run "
			   "'dugnad join CODE' first");
		rc = EXIT_CONFIG;
	} else if (rc == DG_ELIMIT) {
		cli_err(c, "the network has more than %d active members, too "
			   "many for one bundle; make one for each laptop with "
			   "--for ID (nothing was written)",
		    CORE_BUNDLE_RECIPIENTS_MAX);
		rc = EXIT_DATA;
	} else if (rc != 0) {
		rc = cli_fail(c, rc, "cannot write the bundle");
	} else {
		rc = cli_write_file(c, path, out.data, out.len);
	}
	if (rc == 0) {
		if (c->json)
			printf("{\"file\":\"%s\",\"entries\":%zu}\n", path, count);
		else if (store_node_network(n, net, NULL) != 0)
			printf(_("Wrote your join request to %s. Give it to the "
				 "coordinator.\n"), path);
		else if (to)
			printf(ngettext("Wrote %zu entry to %s (encrypted for "
					"that member only).\n",
				   "Wrote %zu entries to %s (encrypted for that "
				   "member only).\n", (unsigned long)count),
			    count, path);
		else
			printf(ngettext("Wrote %zu entry to %s (encrypted for "
					"the network's members).\n",
				   "Wrote %zu entries to %s (encrypted for the "
				   "network's members).\n", (unsigned long)count),
			    count, path);
	}
	core_buf_fini(&out);
out:
	cli_close(c, n);
	return rc;
}

/* Counts the entries taken in (the store notes them with no total);
 * the rebuild of the views an import may end with counts the whole
 * store, which is not this counter's. */
static void
taken_progress(void *ctx, uint64_t done, uint64_t total)
{
	if (total == 0)
		cli_progress_set(ctx, done, false);
}

/* "N entries were refused: why", with the plural of the language. */
static const char *
refused_text(size_t n, const char *why)
{
	static char msg[400];

	snprintf(msg, sizeof msg, ngettext("%zu entry was refused: %s",
	    "%zu entries were refused: %s", (unsigned long)n), n, why);
	return msg;
}

static int
bundle_import(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct core_bundle *b = NULL;
	struct store_ingest rep;
	struct cli_progress pg;
	char *data = NULL, why[NET_PROBLEM_MAX];
	size_t len = 0, i;
	uint64_t total;
	int rc;

	if (argc != 3) {
		cli_err(c, "usage: dugnad bundle import FILE");
		return EXIT_USAGE;
	}
	rc = cli_read_file(c, argv[2], CORE_BUNDLE_FILE_MAX, &data, &len);
	if (rc != 0)
		return rc;
	rc = cli_open(c, false, &n);
	if (rc != 0)
		goto out;
	rc = store_node_bundle_open(n, (const uint8_t *)data, len, &b);
	switch (rc) {
	case 0:
		break;
	case DG_ENOTFOUND:
		cli_err(c, "%s is not for this node: it belongs to another "
			   "network, was made for someone else, or uses keys "
			   "this node does not have; nothing was imported",
		    argv[2]);
		rc = EXIT_DATA;
		goto out;
	case DG_EDECODE:
	case DG_EVERSION:
	case DG_ELIMIT:
		cli_err(c, "%s is not a complete dugnad bundle (damaged, cut "
			   "short or over the size limits); nothing was "
			   "imported", argv[2]);
		rc = EXIT_DATA;
		goto out;
	case DG_ECRYPTO:
	case DG_ESIG:
		cli_err(c, "%s has been altered (it does not authenticate); "
			   "nothing was imported", argv[2]);
		rc = EXIT_DATA;
		goto out;
	default:
		rc = cli_fail(c, rc, "cannot read the bundle");
		goto out;
	}
	for (i = 0, total = 0; i < b->nbatches; i++)
		total += b->batches[i].n;
	cli_progress_start(&pg, c, _("Taking in entries"), total);
	store_db_progress(store_node_db(n), taken_progress, &pg);
	rc = store_node_ingest(n, b, &rep);
	store_db_progress(store_node_db(n), NULL, NULL);
	cli_progress_end(&pg);
	if (rc == DG_ESTATE) {
		cli_err(c, "this node is in no network and the bundle does not "
			   "welcome it (run 'dugnad join CODE' first, or ask "
			   "the coordinator for a bundle made --for you)");
		rc = EXIT_CONFIG;
		goto out;
	}
	if (rc == DG_EPERM) {
		cli_err(c, "%s belongs to another network; nothing was "
			   "imported", argv[2]);
		rc = EXIT_DATA;
		goto out;
	}
	if (rc != 0) {
		rc = cli_fail(c, rc, "nothing was imported");
		goto out;
	}
	if (c->json) {
		printf("{\"entries\":%zu,\"known\":%zu,\"refused\":%zu,"
		       "\"forks\":%zu,\"requests\":%zu,\"admitted\":%zu,"
		       "\"joined\":%s}\n", rep.entries, rep.known, rep.refused,
		    rep.forks, rep.requests, rep.admitted,
		    rep.joined ? "true" : "false");
	} else {
		if (rep.joined)
			printf("%s\n", _("Welcome: this node joined the "
					 "network."));
		if (rep.unvouched) {
			char sender[CORE_SAFETY_TEXT];

			core_ident_safety(b->from, sender);
			printf(_("No invite code vouches for this network: "
				 "compare the safety number of the coordinator "
				 "who gave you the file: %s\n"), sender);
		}
		/* TRANSLATORS: the first number decides the plural. */
		printf(ngettext("imported %zu new entry (%zu already here)\n",
			   "imported %zu new entries (%zu already here)\n",
			   (unsigned long)rep.entries),
		    rep.entries, rep.known);
		if (rep.requests)
			printf(ngettext("%zu join request waiting: see "
					"'dugnad requests'\n",
				   "%zu join requests waiting: see 'dugnad "
				   "requests'\n", (unsigned long)rep.requests),
			    rep.requests);
		if (rep.admitted)
			printf(ngettext("%zu newcomer admitted with an "
					"approved invite; make them a bundle "
					"with 'dugnad bundle export FILE --for "
					"ID'\n",
				   "%zu newcomers admitted with an approved "
				   "invite; make each a bundle with 'dugnad "
				   "bundle export FILE --for ID'\n",
				   (unsigned long)rep.admitted),
			    rep.admitted);
	}
	if (rep.uncounted && !rep.refused && !rep.forks) {
		printf(ngettext("note: %zu entry written after the author's "
				"revocation counts for nothing\n",
			   "note: %zu entries written after the author's "
			   "revocation count for nothing\n",
			   (unsigned long)rep.uncounted),
		    rep.uncounted);
	} else if (rep.refused == 0 && rep.forks == 0 && rep.first_problem[0]) {
		cli_err(c, "%s", net_node_ingest_problem(&rep, why, sizeof why));
		rc = EXIT_DATA;
	} else if (rep.refused || rep.forks) {
		cli_err(c, "%s", refused_text(rep.refused,
		    rep.first_problem[0] ? net_node_ingest_problem(&rep, why,
		    sizeof why) : _("see above")));
		rc = EXIT_DATA;
	}
out:
	core_bundle_free(b);
	cli_close(c, n);
	if (data != NULL) {
		sodium_memzero(data, len);
		free(data);
	}
	return rc;
}

int
cmd_bundle(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return bundle_export(c, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return bundle_import(c, argc, argv);
	cli_err(c, "usage: dugnad bundle export FILE [--for ID] | bundle "
		   "import FILE");
	return EXIT_USAGE;
}
