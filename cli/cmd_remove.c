/* cli/cmd_remove.c - dugnad remove (tombstone), dugnad erase. */
#include <string.h>

#include "cli/cli.h"
#include "core/entry.h"

static int
write_one(struct cli *c, int argc, char **argv, uint8_t kind)
{
	struct store_node *n = NULL;
	struct core_rstate s;
	struct core_body b;
	char sh[16];
	int rc;

	if (argc != 2) {
		cli_err(c, "usage: dugnad %s ID", c->cmd);
		return EXIT_USAGE;
	}
	memset(&s, 0, sizeof s);
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	memset(&b, 0, sizeof b);
	rc = cli_find(c, n, argv[1], b.rid);
	if (rc != 0)
		goto out;
	rc = store_node_record(n, b.rid, &s);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the record");
		goto out;
	}
	cli_short_rid(b.rid, sh);
	if (s.erased) {
		cli_err(c, "record %s is already erased", sh);
		rc = EXIT_DATA;
		goto out;
	}
	if (kind == CORE_KIND_REMOVE && s.removed) {
		cli_err(c, "record %s is already removed", sh);
		rc = EXIT_DATA;
		goto out;
	}
	b.kind = kind;
	rc = store_node_append(n, &b, 1);
	if (rc != 0) {
		rc = cli_fail(c, rc, "nothing was changed");
		goto out;
	}
	if (c->json)
		printf("{\"id\":\"%s\",\"%s\":true}\n", sh,
		    kind == CORE_KIND_ERASE ? "erased" : "removed");
	else if (kind == CORE_KIND_ERASE)
		printf(_("erased %s: its content is dropped from this store; "
			 "run 'dugnad compact' to clear the freed space.\n"),
		    sh);
	else
		printf(_("removed %s\n"), sh);
out:
	core_rstate_fini(&s);
	cli_close(c, n);
	return rc;
}

int
cmd_remove(struct cli *c, int argc, char **argv)
{
	return write_one(c, argc, argv, CORE_KIND_REMOVE);
}

int
cmd_erase(struct cli *c, int argc, char **argv)
{
	return write_one(c, argc, argv, CORE_KIND_ERASE);
}
