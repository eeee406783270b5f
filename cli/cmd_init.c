/* cli/cmd_init.c - dugnad init, dugnad id, dugnad network. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/ident.h"
#include "core/json.h"

static void
print_id(const struct cli *c, const uint8_t pk[32], const char *net)
{
	char id[CORE_ID_TEXT], safety[CORE_SAFETY_TEXT], sh[16];
	struct core_buf b;

	core_ident_id_text(pk, id);
	core_ident_safety(pk, safety);
	cli_short_node(pk, sh);
	if (c->json) {
		core_buf_init(&b);
		core_buf_str(&b, "{\"id\":");
		core_json_str(&b, id);
		core_buf_str(&b, ",\"short\":");
		core_json_str(&b, sh);
		core_buf_str(&b, ",\"safety\":");
		core_json_str(&b, safety);
		if (net != NULL) {
			core_buf_str(&b, ",\"network\":");
			core_json_str(&b, net);
		}
		core_buf_str(&b, "}\n");
		(void)cli_write_out(c, &b);
		core_buf_fini(&b);
		return;
	}
	printf(_("node id:        %s\n"), id);
	printf(_("short id:       %s\n"), sh);
	printf(_("safety number:  %s\n"), safety);
	if (net != NULL)
		printf(_("network:        %s\n"), net);
}

int
cmd_init(struct cli *c, int argc, char **argv)
{
	struct store_node *n;
	uint8_t pk[32];
	char *pass;
	size_t plen;
	int rc;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "takes no arguments; usage: dugnad init");
		return EXIT_USAGE;
	}
	rc = cli_pass_get(c, true, &pass, &plen);
	if (rc != 0)
		return rc;
	rc = store_node_init(c->dir, pass, plen, c->map_size, &n);
	cli_pass_free(pass);
	if (rc == DG_EEXIST) {
		cli_err(c, "%s already holds a dugnad identity; use it, or "
			   "choose another --dir", c->dir);
		return EXIT_CANTCREAT;
	}
	if (rc != 0)
		return cli_fail(c, rc, "cannot create the store");
	store_node_pk(n, pk);
	store_node_close(n);
	print_id(c, pk, NULL);
	if (!c->json)
		printf("\n%s\n%s\n", _("Next: to start a new network, run "
					"'dugnad network create NAME'. To join "
					"one, ask a coordinator for an invite "
					"code and run 'dugnad join CODE'."),
		    _("Remember your passphrase: nobody can recover it, and "
		      "without it the data on this computer cannot be "
		      "opened."));
	return 0;
}

int
cmd_id(struct cli *c, int argc, char **argv)
{
	struct store_node *n;
	uint8_t pk[32], net[32];
	char *name = NULL;
	int rc;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "takes no arguments; usage: dugnad id");
		return EXIT_USAGE;
	}
	rc = cli_open(c, false, &n);
	if (rc != 0)
		return rc;
	store_node_pk(n, pk);
	if (store_node_network(n, net, &name) != 0)
		name = NULL;
	print_id(c, pk, name);
	free(name);
	cli_close(c, n);
	return 0;
}

int
cmd_network(struct cli *c, int argc, char **argv)
{
	struct store_node *n;
	struct core_buf b;
	uint8_t net[32];
	char *name = NULL;
	int rc;

	if (argc == 3 && strcmp(argv[1], "create") == 0) {
		if (argv[2][0] == '\0' || strlen(argv[2]) > 200) {
			cli_err(c, "the network name must be 1 to 200 bytes");
			return EXIT_DATA;
		}
		rc = cli_open(c, false, &n);
		if (rc != 0)
			return rc;
		rc = store_node_network_create(n, argv[2]);
		cli_close(c, n);
		if (rc == DG_EEXIST) {
			cli_err(c, "this node already belongs to a network");
			return EXIT_CANTCREAT;
		}
		if (rc == DG_EUTF8 || rc == DG_EINVAL) {
			cli_err(c, "the network name must be one line of UTF-8 "
				   "text; nothing was created");
			return EXIT_DATA;
		}
		if (rc != 0)
			return cli_fail(c, rc, "cannot create the network");
		if (c->json) {
			core_buf_init(&b);
			core_buf_str(&b, "{\"network\":");
			core_json_str(&b, argv[2]);
			core_buf_str(&b, ",\"role\":\"coordinator\"}\n");
			(void)cli_write_out(c, &b);
			core_buf_fini(&b);
		} else {
			printf(_("Founded the network \"%s\"; you are its "
				 "first coordinator.\nNext: add records with "
				 "'dugnad add meeting title=...'.\n"), argv[2]);
		}
		return 0;
	}
	if (argc != 1) {
		cli_err(c, "usage: dugnad network create NAME");
		return EXIT_USAGE;
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	rc = store_node_network(n, net, &name);
	cli_close(c, n);
	if (rc != 0)
		return cli_fail(c, rc, "cannot read the network");
	if (c->json) {
		core_buf_init(&b);
		core_buf_str(&b, "{\"network\":");
		core_json_str(&b, name);
		core_buf_str(&b, "}\n");
		(void)cli_write_out(c, &b);
		core_buf_fini(&b);
	} else {
		printf("%s\n", name);
	}
	free(name);
	return 0;
}
