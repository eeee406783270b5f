/* cli/cmd_member.c - dugnad invite, join, requests, approve, deny,
 * revoke, members. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/cli.h"
#include "core/addr.h"
#include "net/node.h"
#include "cli/table.h"
#include "core/b32.h"
#include "core/hlc.h"
#include "core/ident.h"
#include "core/invite.h"
#include "core/json.h"
#include "core/text.h"
#include "store/member.h"

/* The role's name as the command line and JSON write it (translate it
 * with _() in sentences). */
static const char *
role_name(uint8_t role)
{
	return role == CORE_ROLE_COORDINATOR ? N_("coordinator") :
					       N_("volunteer");
}

static int
parse_role(const struct cli *c, const char *s, uint8_t *role)
{
	if (strcmp(s, "volunteer") == 0)
		*role = CORE_ROLE_VOLUNTEER;
	else if (strcmp(s, "coordinator") == 0)
		*role = CORE_ROLE_COORDINATOR;
	else {
		cli_err(c, "--role must be volunteer or coordinator");
		return EXIT_USAGE;
	}
	return 0;
}

/* "7d", "12h", "2w", "30m" -> seconds; at most a year. */
static int
parse_span(const char *s, uint64_t *out)
{
	char *end;
	unsigned long v;
	uint64_t unit;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (strcmp(end, "d") == 0)
		unit = 86400;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "w") == 0)
		unit = 7 * 86400;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else
		return -1;
	if (v == 0 || v * unit > 366ULL * 86400)
		return -1;
	*out = v * unit;
	return 0;
}

static int
no_permission(const struct cli *c, int rc, const char *doing)
{
	if (rc == DG_EPERM) {
		/* TRANSLATORS: %s is what they tried: "make invites",
		 * "approve members"... (translated on their own) */
		cli_err(c, "only a coordinator can %s; ask one of the "
			   "network's coordinators", _(doing));
		return EXIT_NOPERM;
	}
	return cli_fail(c, rc, doing);
}

int
cmd_invite(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct core_invite_code code;
	char text[CORE_INVITE_TEXT], when[64];
	uint8_t role = CORE_ROLE_VOLUNTEER;
	uint64_t span = 7 * 86400, uses = 1, expires;
	bool approved = false;
	char *end;
	int i, rc;

	if (argc == 3 && strcmp(argv[1], "--cancel") == 0) {
		rc = core_invite_parse(argv[2], &code);
		if (rc != 0) {
			cli_err(c, "that is not an invite code (or it has a typing "
				   "error)");
			return EXIT_DATA;
		}
		rc = cli_open(c, true, &n);
		if (rc != 0)
			return rc;
		rc = store_node_uninvite(n, &code);
		cli_close(c, n);
		sodium_memzero(&code, sizeof code);
		if (rc == DG_ENOTFOUND) {
			cli_err(c, "no invite of this network has that code");
			return EXIT_DATA;
		}
		if (rc != 0)
			return no_permission(c, rc, "cancel invites");
		if (c->json)
			printf("{\"cancelled\":true}\n");
		else
			printf("%s\n", _("The code is cancelled: nobody can "
					 "join with it any more."));
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
			rc = parse_role(c, argv[++i], &role);
			if (rc != 0)
				return rc;
		} else if (strcmp(argv[i], "--approved") == 0) {
			approved = true;
		} else if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc) {
			if (parse_span(argv[++i], &span) != 0) {
				cli_err(c, "--expires takes a time like 7d, "
					   "12h or 2w (at most a year)");
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--uses") == 0 && i + 1 < argc) {
			uses = strtoull(argv[++i], &end, 10);
			if (*end != '\0' || argv[i][0] < '1' ||
			    argv[i][0] > '9' || uses > 1000) {
				cli_err(c, "--uses takes a number from 1 to "
					   "1000");
				return EXIT_USAGE;
			}
		} else {
			cli_err(c, "unknown argument '%.40s'; usage: dugnad "
				   "invite [--role volunteer|coordinator] "
				   "[--approved] [--expires 7d] [--uses 1]",
			    argv[i]);
			return EXIT_USAGE;
		}
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	expires = (uint64_t)time(NULL) + span;
	rc = store_node_invite(n, role, approved, expires, uses, &code);
	cli_close(c, n);
	if (rc != 0)
		return no_permission(c, rc, "make invites");
	core_invite_format(&code, text);
	sodium_memzero(&code, sizeof code);
	if (c->json) {
		printf("{\"code\":\"%s\",\"role\":\"%s\",\"approved\":%s,"
		       "\"expires\":%llu,\"uses\":%llu}\n", text,
		    role_name(role), approved ? "true" : "false",
		    (unsigned long long)expires, (unsigned long long)uses);
	} else {
		cli_fmt_time((int64_t)expires, when, sizeof when);
		printf("%s\n\n", text);
		printf(ngettext("It works %llu time, until %s.\n",
			   "It works %llu times, until %s.\n",
			   (unsigned long)uses),
		    (unsigned long long)uses, when);
		printf(approved ?
			_("Anyone who has this code can join as %s without "
			  "waiting for approval.\n") :
			_("Anyone who has this code can ask to join as %s.\n"),
		    _(role_name(role)));
		printf("%s\n", _("Give it to the person yourself: read it out "
				 "face to face or on the phone, or write it on "
				 "paper. Do not post it in a group chat or send "
				 "it by e-mail."));
		printf("%s\n", _("Next: they run 'dugnad join CODE' (with "
				 "--peer HOST:PORT to reach your node over the "
				 "network, or they give you the file from "
				 "'dugnad bundle export'). Then 'dugnad requests' "
				 "shows them here: compare the safety number with "
				 "them before you approve."));
		printf("%s\n", _("If the code reaches the wrong person, cancel "
				 "it with 'dugnad invite --cancel CODE'."));
	}
	sodium_memzero(text, sizeof text);
	return 0;
}

static void
join_log(void *ctx, int level, const char *line)
{
	const struct cli *c = ctx;

	(void)level;
	if (!c->json)
		fprintf(stderr, "%s\n", line);
}

/* Sends the join request to a member's node and waits for the welcome. */
static int
join_over_network(struct cli *c, struct store_node *n, const char *peer,
    unsigned wait_s)
{
	struct net_config cfg;
	struct net_node *nn = NULL;
	struct net_sync_report rep;
	char *netname = NULL;
	uint8_t net[32];
	int rc;

	memset(&cfg, 0, sizeof cfg);
	cfg.log = join_log;
	cfg.ctx = c;
	memset(&rep, 0, sizeof rep);
	rc = net_node_new(n, &cfg, &nn);
	if (rc == 0)
		rc = net_node_join(nn, peer, wait_s, &rep);
	net_node_free(nn);
	switch (rc) {
	case 0:
		break;
	case DG_ETIMEOUT:
		cli_err(c, "not approved within %u seconds; the request waits "
			   "at %s: run the same command again later", wait_s,
		    peer);
		return EXIT_TEMPFAIL;
	case DG_EREFUSED:
	case DG_EPROTO:
		cli_err(c, "%s refused the join (%s); check the code with the "
			   "coordinator", peer, rep.problem[0] ? rep.problem :
			   dg_strerror(rc));
		return EXIT_NOPERM;
	case DG_ESTATE:
		cli_err(c, "this node has no pending join");
		return EXIT_CONFIG;
	default:
		cli_err(c, "cannot reach %s (%s); check the address and that "
			   "'dugnad serve' runs there", peer, rep.problem[0] ?
			   rep.problem : dg_strerror(rc));
		return EXIT_UNAVAIL;
	}
	if (store_node_network(n, net, &netname) != 0)
		return cli_fail(c, DG_ESTATE, "the join did not complete");
	if (c->json)
		printf("{\"joined\":true,\"entries\":%llu}\n",
		    (unsigned long long)rep.received);
	else
		printf(ngettext("Welcome: this node joined the network '%s' "
				"(%llu entry).\n", "Welcome: this node joined "
				"the network '%s' (%llu entries).\n",
				(unsigned long)rep.received), netname,
		    (unsigned long long)rep.received);
	if (!c->json)
		printf("%s\n", _("Next: run 'dugnad serve' and leave it "
				 "running while you work, so that your changes "
				 "and the others' reach each other; 'dugnad "
				 "list' shows the directory."));
	free(netname);
	return 0;
}

int
cmd_join(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct core_invite_code code;
	const char *name = NULL, *peer = NULL;
	char buf[CORE_JOIN_NAME_MAX + 2], *nl, host[CORE_ADDR_HOST_MAX + 1];
	unsigned long wait_s = 600;
	uint16_t port;
	int i, rc;

	if (argc < 2) {
		cli_err(c, "usage: dugnad join CODE [--name NAME] "
			   "[--peer HOST:PORT [--wait SECONDS]]");
		return EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (strcmp(argv[i], "--peer") == 0 && i + 1 < argc) {
			peer = argv[++i];
			if (core_addr_parse(peer, host, &port) != 0) {
				cli_err(c, "'%.60s' is not an address; give "
					   "the member's node as HOST:PORT",
				    peer);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc) {
			char *end;

			wait_s = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || argv[i][0] < '0' ||
			    argv[i][0] > '9' || wait_s < 1 || wait_s > 86400) {
				cli_err(c, "--wait takes a number of seconds "
					   "from 1 to 86400");
				return EXIT_USAGE;
			}
		} else {
			cli_err(c, "unknown argument '%.40s'; usage: dugnad "
				   "join CODE [--name NAME] [--peer HOST:PORT "
				   "[--wait SECONDS]]", argv[i]);
			return EXIT_USAGE;
		}
	}
	rc = core_invite_parse(argv[1], &code);
	if (rc != 0) {
		cli_err(c, rc == DG_EINVAL ? "the code has a typing error; "
					     "check it with the coordinator" :
					     "that is not an invite code; it "
					     "looks like abcdef-ghijkl-...");
		return EXIT_DATA;
	}
	if (name == NULL && cli_interactive()) {
		fputs(_("Your name, as the coordinators will see it: "),
		    stderr);
		if (fgets(buf, sizeof buf, stdin) == NULL) {
			cli_err(c, "cancelled");
			return EXIT_USAGE;
		}
		nl = strchr(buf, '\n');
		if (nl != NULL)
			*nl = '\0';
		name = buf;
	}
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) > CORE_JOIN_NAME_MAX ||
	    core_text_check_value(name, strlen(name), false) != 0) {
		cli_err(c, "give your name with --name NAME (1 to %d "
			   "characters of text on one line)", CORE_JOIN_NAME_MAX);
		return EXIT_USAGE;
	}
	rc = cli_open(c, false, &n);
	if (rc != 0)
		return rc;
	rc = store_node_join(n, &code, name);
	sodium_memzero(&code, sizeof code);
	if (rc == 0 && peer != NULL) {
		rc = join_over_network(c, n, peer, (unsigned)wait_s);
		cli_close(c, n);
		return rc;
	}
	cli_close(c, n);
	if (rc == DG_EEXIST) {
		cli_err(c, "this node already belongs to a network");
		return EXIT_CANTCREAT;
	}
	if (rc != 0)
		return cli_fail(c, rc, "cannot record the join");
	if (c->json)
		printf("{\"joining\":true}\n");
	else
		printf("%s\n%s\n%s\n", _("Join request recorded. A coordinator "
					 "must approve it before you can see "
					 "or change anything."),
		    _("Next: run 'dugnad bundle export request.dugnad' and "
		      "give that file to the coordinator (a USB stick is fine: "
		      "the file is encrypted). When they ask, read them your "
		      "safety number from 'dugnad id': it shows the request is "
		      "yours."),
		    _("Then import the file they give back with 'dugnad bundle "
		      "import FILE'; 'dugnad members' shows you are in. "
		      "Instead of files, 'dugnad join CODE --peer HOST:PORT' "
		      "sends the request to a coordinator's laptop running "
		      "'dugnad serve' and waits for the approval."));
	return 0;
}

/* Finds a member by id prefix (4+ characters of its text id). */
static int
find_member(const struct cli *c, const struct store_members *m,
    const char *prefix, const struct core_member **out)
{
	char id[CORE_ID_TEXT];
	size_t i, len = strlen(prefix), found = 0;

	if (len < 4) {
		cli_err(c, "give at least 4 characters of the node id");
		return EXIT_USAGE;
	}
	for (i = 0; i < m->list.n; i++) {
		core_ident_id_text(m->list.m[i].pk, id);
		if (strncasecmp(id, prefix, len) == 0) {
			*out = &m->list.m[i];
			found++;
		}
	}
	if (found == 1)
		return 0;
	cli_err(c, found ? "'%.40s' matches more than one member; type more "
			   "of the id" :
			   "no member with id '%.40s'; see 'dugnad members'",
	    prefix);
	return EXIT_DATA;
}

struct forks {
	const struct cli *c;
	struct core_buf *out;
	size_t n;
};

static int
fork_line(void *arg, const uint8_t author[32], uint64_t seq)
{
	struct forks *f = arg;
	char id[CORE_ID_TEXT];

	core_ident_id_text(author, id);
	if (f->c->json) {
		core_buf_str(f->out, f->n ? ",{\"id\":" : "{\"id\":");
		core_json_str(f->out, id);
		core_buf_printf(f->out, ",\"seq\":%llu}",
		    (unsigned long long)seq);
	} else {
		printf(_("alert: %.10s wrote two different entries numbered %llu (a "
			 "fork); nothing after it is taken. See the "
			 "coordinator's guide, doc/guides/en/coordinator.md.\n"),
		    id, (unsigned long long)seq);
	}
	f->n++;
	return 0;
}

int
cmd_members(struct cli *c, int argc, char **argv)
{
	static const char *const head[] = { N_("ID"), N_("NAME"), N_("ROLE"),
		N_("STATUS"), N_("ADMITTED BY"), N_("SINCE") };
	const char *th[6];
	struct store_node *n = NULL;
	struct store_members m;
	struct cli_table t;
	struct core_buf out;
	const struct core_member *x;
	char id[CORE_ID_TEXT], sh[16], by[16], when[32];
	size_t i;
	int rc;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: dugnad members");
		return EXIT_USAGE;
	}
	struct core_buf fk;
	struct forks f;

	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	core_buf_init(&fk);
	f.c = c;
	f.out = &fk;
	f.n = 0;
	rc = store_node_members(n, &m);
	if (rc == 0 && !c->json) {
		/* Alerts first: a coordinator must not miss them. */
		rc = store_node_forks(n, fork_line, &f);
		if (rc != 0)
			store_members_fini(&m);
	}
	cli_close(c, n);
	if (rc != 0) {
		core_buf_fini(&fk);
		return cli_fail(c, rc, "cannot read the members");
	}
	core_buf_fini(&fk);
	core_buf_init(&out);
	for (size_t k = 0; k < 6; k++)
		th[k] = _(head[k]);
	cli_table_init(&t, 6, th);
	if (c->json)
		core_buf_ch(&out, '[');
	for (i = 0; i < m.list.n; i++) {
		x = &m.list.m[i];
		core_ident_id_text(x->pk, id);
		cli_short_node(x->pk, sh);
		cli_short_node(x->by, by);
		cli_fmt_time((int64_t)(CORE_HLC_MS(x->since) / 1000), when,
		    sizeof when);
		if (c->json) {
			core_buf_str(&out, i ? ",\n{\"id\":" : "\n{\"id\":");
			core_json_str(&out, id);
			core_buf_str(&out, ",\"name\":");
			if (x->name != NULL)
				core_json_str(&out, x->name);
			else
				core_buf_str(&out, "null");
			core_buf_printf(&out, ",\"role\":\"%s\",\"status\":"
			    "\"%s\",\"admitted_by\":", role_name(x->role),
			    x->status == CORE_MEMBER_ACTIVE ? "active" :
							      "revoked");
			core_ident_id_text(x->by, id);
			core_json_str(&out, id);
			core_buf_str(&out, ",\"since\":");
			core_json_hlc(&out, x->since);
			core_buf_ch(&out, '}');
		} else {
			cli_table_row(&t, (const char *const[]){ sh,
			    x->name ? x->name : _("(founder)"),
			    _(role_name(x->role)),
			    x->status == CORE_MEMBER_ACTIVE ? _("active") :
							      _("revoked"),
			    by, when });
		}
	}
	if (c->json) {
		core_buf_str(&out, m.list.n ? "\n]\n" : "]\n");
		rc = cli_write_out(c, &out);
	} else if ((rc = cli_table_print(&t, stdout)) != 0) {
		rc = cli_fail(c, rc, "cannot list the members");
	}
	cli_table_fini(&t);
	core_buf_fini(&out);
	store_members_fini(&m);
	return rc;
}

struct rq {
	const struct cli *c;
	struct cli_table *t;
	struct core_buf *out;
	size_t n;
	struct store_node *node;
};

static int
request_row(void *arg, const struct store_request *r)
{
	struct rq *q = arg;
	struct store_members m;
	char id[CORE_ID_TEXT], sh[16], when[32];

	/* Requests already admitted (here or by another coordinator) are
	 * not waiting any more. */
	if (store_node_members(q->node, &m) == 0) {
		bool member = core_members_find(&m.list, r->req.pk) != NULL;

		store_members_fini(&m);
		if (member)
			return 0;
	}
	core_ident_id_text(r->req.pk, id);
	cli_short_node(r->req.pk, sh);
	cli_fmt_time((int64_t)r->received, when, sizeof when);
	if (q->c->json) {
		core_buf_str(q->out, q->n ? ",\n{\"id\":" : "\n{\"id\":");
		core_json_str(q->out, id);
		core_buf_str(q->out, ",\"name\":");
		core_json_str(q->out, r->req.name);
		core_buf_printf(q->out, ",\"received\":%llu}",
		    (unsigned long long)r->received);
	} else {
		cli_table_row(q->t, (const char *const[]){ sh, r->req.name,
		    when });
	}
	q->n++;
	return 0;
}

int
cmd_requests(struct cli *c, int argc, char **argv)
{
	static const char *const head[] = { N_("ID"), N_("NAME"),
		N_("RECEIVED") };
	const char *th[3] = { _(head[0]), _(head[1]), _(head[2]) };
	struct store_node *n = NULL;
	struct cli_table t;
	struct core_buf out;
	struct rq q;
	int rc;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: dugnad requests");
		return EXIT_USAGE;
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	core_buf_init(&out);
	cli_table_init(&t, 3, th);
	q.c = c;
	q.t = &t;
	q.out = &out;
	q.n = 0;
	q.node = n;
	if (c->json)
		core_buf_ch(&out, '[');
	rc = store_node_requests(n, request_row, &q);
	cli_close(c, n);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the requests");
	} else if (c->json) {
		core_buf_str(&out, q.n ? "\n]\n" : "]\n");
		rc = cli_write_out(c, &out);
	} else if (q.n == 0) {
		printf("%s\n", _("no join requests waiting"));
	} else if ((rc = cli_table_print(&t, stdout)) != 0) {
		rc = cli_fail(c, rc, "cannot list the requests");
	} else {
		printf("\n%s\n", _("Compare the safety number with each person "
				   "('dugnad approve ID' shows it), then "
				   "approve or deny."));
	}
	cli_table_fini(&t);
	core_buf_fini(&out);
	return rc;
}

/* Asks "yes?" on the terminal; scripts (no terminal) go on. */
static bool
confirm(const char *question)
{
	char ans[8];

	if (!cli_interactive())
		return true;
	fprintf(stderr, _("%s [y/N] "), question);
	if (fgets(ans, sizeof ans, stdin) == NULL)
		return false;
	/* TRANSLATORS: the first letter of your word for "yes". */
	return ans[0] == 'y' || ans[0] == 'Y' || ans[0] == 'j' ||
	    ans[0] == 'J' || (ans[0] != '\n' && ans[0] == _("y")[0]);
}

int
cmd_approve(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct store_request r;
	const char *name = NULL;
	char safety[CORE_SAFETY_TEXT], sh[16];
	uint8_t pk[32], role = 0, *invite = NULL;
	bool have_req = false;
	int i, rc;

	if (argc < 2) {
		cli_err(c, "usage: dugnad approve ID [--role volunteer|coordinator] "
		    "[--name N]");
		return EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
			rc = parse_role(c, argv[++i], &role);
			if (rc != 0)
				return rc;
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else {
			cli_err(c, "unknown argument '%.40s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (name != NULL && (name[0] == '\0' ||
				strlen(name) > CORE_JOIN_NAME_MAX ||
				core_text_check_value(name, strlen(name),
				    false) != 0)) {
		cli_err(c, "--name takes 1 to %d characters of text on one "
			   "line", CORE_JOIN_NAME_MAX);
		return EXIT_USAGE;
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	/* A waiting request, or the full id a newcomer sent by hand. */
	rc = store_node_request_find(n, argv[1], &r);
	if (rc == 0) {
		have_req = true;
		memcpy(pk, r.req.pk, 32);
		if (name == NULL)
			name = r.req.name;
		invite = r.invite;
		{
			struct store_invite inv;

			/* The code must still be good when approved. */
			rc = store_node_invite_check(n, r.invite,
			    (uint64_t)time(NULL), &inv);
			if (rc != 0) {
				if (rc == DG_ESTATE)
					cli_err(c, "the invite code of this "
						   "request has expired; deny "
						   "it, or make a new invite");
				else if (rc == DG_ELIMIT)
					cli_err(c, "the invite code of this "
						   "request was already used; "
						   "deny it, or make a new "
						   "invite");
				else
					cli_err(c, "the invite code of this "
						   "request is no longer valid; "
						   "deny it, or make a new "
						   "invite");
				rc = EXIT_DATA;
				goto out;
			}
			if (role == 0)
				role = inv.role;
		}
	} else if (core_ident_id_parse(argv[1], pk) == 0) {
		if (name == NULL) {
			cli_err(c, "give the new member's name with --name");
			rc = EXIT_USAGE;
			goto out;
		}
	} else {
		cli_err(c, "no join request matches '%.40s' and it is not a "
			   "full node id; see 'dugnad requests'", argv[1]);
		rc = EXIT_DATA;
		goto out;
	}
	if (role == 0)
		role = CORE_ROLE_VOLUNTEER;
	core_ident_safety(pk, safety);
	cli_short_node(pk, sh);
	if (!c->json)
		printf(_("%s (%s) wants to join as %s.\nSafety number: %s\n"
			 "Ask them to read theirs ('dugnad id'); approve only "
			 "if it is the same.\n"), name, sh,
		    _(role_name(role)), safety);
	if (!confirm(_("Same safety number?"))) {
		cli_err(c, "not approved");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = store_node_admit(n, pk, role, name, invite);
	if (rc == DG_ESTATE) {
		cli_err(c, "%s was revoked and cannot come back; the person "
			   "needs a new identity ('dugnad init' with a new "
			   "--dir) and a new invite", sh);
		rc = EXIT_DATA;
		goto out;
	}
	if (rc == DG_EEXIST) {
		cli_err(c, "%s is already a member as %s", sh, _(role_name(role)));
		rc = EXIT_DATA;
		goto out;
	}
	if (rc != 0) {
		rc = no_permission(c, rc, "approve members");
		goto out;
	}
	if (have_req && store_node_request_drop(n, pk) != 0)
		cli_err(c, "approved, but the request could not be cleared");
	if (c->json)
		printf("{\"approved\":\"%s\",\"role\":\"%s\"}\n", sh,
		    role_name(role));
	else {
		printf(_("Approved %s as %s.\n"), name, _(role_name(role)));
		printf(_("Next: if they sent the request with 'dugnad join "
			 "CODE --peer' to a node where 'dugnad serve' runs, "
			 "they get in from there by themselves. Otherwise run "
			 "'dugnad bundle export welcome.dugnad --for %s' and "
			 "give them that file (it is encrypted); they run "
			 "'dugnad bundle import welcome.dugnad' and are "
			 "members.\n"), sh);
		printf("%s\n", _("Then they run 'dugnad serve' to stay in "
				 "sync; 'dugnad members' shows them here."));
	}
out:
	cli_close(c, n);
	return rc;
}

int
cmd_deny(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct store_request r;
	char sh[16];
	int rc;

	if (argc != 2) {
		cli_err(c, "usage: dugnad deny ID");
		return EXIT_USAGE;
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	rc = store_node_request_find(n, argv[1], &r);
	if (rc == 0)
		rc = store_node_request_drop(n, r.req.pk);
	cli_close(c, n);
	if (rc == DG_ENOTFOUND || rc == DG_EAMBIG) {
		cli_err(c, rc == DG_EAMBIG ? "'%.40s' matches more than one "
					     "request; type more of the id" :
					     "no join request matches '%.40s'; "
					     "see 'dugnad requests'", argv[1]);
		return EXIT_DATA;
	}
	if (rc != 0)
		return cli_fail(c, rc, "cannot deny the request");
	cli_short_node(r.req.pk, sh);
	if (c->json)
		printf("{\"denied\":\"%s\"}\n", sh);
	else
		printf(_("Denied the request of %s (%s).\n"), r.req.name, sh);
	return 0;
}

int
cmd_revoke(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct store_members m;
	const struct core_member *x;
	const char *reason = "";
	uint8_t pk[32], me[32];
	char sh[16];
	int i, rc;

	if (argc < 2) {
		cli_err(c, "usage: dugnad revoke ID [--reason TEXT]");
		return EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
			reason = argv[++i];
			if (strlen(reason) > CORE_REASON_MAX ||
			    (reason[0] && core_text_check_value(reason,
						strlen(reason), false) != 0)) {
				cli_err(c, "--reason takes up to %d characters "
					   "of text on one line", CORE_REASON_MAX);
				return EXIT_USAGE;
			}
		} else {
			cli_err(c, "unknown argument '%.40s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	rc = store_node_members(n, &m);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the members");
		goto out;
	}
	rc = find_member(c, &m, argv[1], &x);
	if (rc == 0)
		memcpy(pk, x->pk, 32);
	store_members_fini(&m);
	if (rc != 0)
		goto out;
	store_node_pk(n, me);
	if (memcmp(pk, me, 32) == 0) {
		cli_err(c, "you cannot revoke yourself; ask another "
			   "coordinator");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = store_node_revoke(n, pk, reason);
	if (rc == DG_ENOTFOUND) {
		cli_err(c, "that member is already revoked");
		rc = EXIT_DATA;
		goto out;
	}
	if (rc != 0) {
		rc = no_permission(c, rc, "revoke members");
		goto out;
	}
	cli_short_node(pk, sh);
	if (c->json)
		printf("{\"revoked\":\"%s\"}\n", sh);
	else {
		printf(_("Revoked %s. Their node is refused from now on and "
			 "cannot read anything written after this: new keys "
			 "were made for everyone else.\n"), sh);
		printf("%s\n", _("The revoked laptop keeps what it held "
				 "before (encrypted with its passphrase), but it "
				 "gets nothing new and no member will talk to "
				 "it."));
		printf("%s\n", _("Next: while 'dugnad serve' runs, the new "
				 "keys reach the connected members by "
				 "themselves; members who are offline get them "
				 "when they next sync, or from a file made with "
				 "'dugnad bundle export FILE'."));
	}
out:
	cli_close(c, n);
	return rc;
}
