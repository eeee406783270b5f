/* tests/unit/test_addr.c - core/addr.c (accepted and refused forms,
 * canonical text), and the address book built on it (store/peers.c) on
 * a real store. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "store/node.h"
#include "store/peers.h"
#include "tests/unit/t.h"

/* The canonical text of in, or "ERR <code>".  Returns a static buffer. */
static const char *
canon(const char *in)
{
	static char res[CORE_ADDR_TEXT_MAX + 1];
	char host[CORE_ADDR_HOST_MAX + 1];
	uint16_t port = 0;
	int rc;

	rc = core_addr_parse(in, host, &port);
	if (rc != 0) {
		snprintf(res, sizeof res, "ERR %d", rc);
		return res;
	}
	core_addr_format(host, port, res, sizeof res);
	return res;
}

#define GOOD(in, want) T_EQ_STR(canon(in), want)
#define BAD(in) T_EQ_STR(canon(in), "ERR -2")

static void
test_ipv4(void)
{
	char host[CORE_ADDR_HOST_MAX + 1];
	uint16_t port = 0;

	T_EQ_INT(core_addr_parse("192.0.2.7:7000", host, &port), 0);
	T_EQ_STR(host, "192.0.2.7");
	T_EQ_INT(port, 7000);
	GOOD("0.0.0.0:1", "0.0.0.0:1");
	GOOD("255.255.255.255:65535", "255.255.255.255:65535");
	GOOD("10.0.0.1:80", "10.0.0.1:80");
	BAD("256.0.0.1:7000");
	BAD("1.2.3:7000");
	BAD("1.2.3.4.5:7000");
	BAD("1.2.3.:7000");
	BAD(".1.2.3:7000");
	BAD("1..2.3:7000");
	BAD("010.0.0.1:7000"); /* octal to some resolvers */
	BAD("1.2.3.0004:7000");
	BAD("1.2.3.4444:7000");
	BAD("127.1:7000");
	BAD("12345:7000");
	BAD("...:7000");
}

static void
test_ipv6(void)
{
	char host[CORE_ADDR_HOST_MAX + 1];
	uint16_t port = 0;

	T_EQ_INT(core_addr_parse("[::1]:7000", host, &port), 0);
	T_EQ_STR(host, "::1");
	T_EQ_INT(port, 7000);
	GOOD("[::1]:7000", "[::1]:7000");
	GOOD("[0:0:0:0:0:0:0:1]:7000", "[::1]:7000");
	GOOD("[2001:DB8::7]:443", "[2001:db8::7]:443");
	GOOD("[2001:0db8:0000:0000:0000:0000:0000:0007]:1",
	    "[2001:db8::7]:1");
	GOOD("[::ffff:192.0.2.7]:7000", "[::ffff:192.0.2.7]:7000");
	GOOD("[fe80::1]:9", "[fe80::1]:9");
	BAD("::1:7000");      /* without brackets */
	BAD("2001:db8::7:7000");
	BAD("[::1]");         /* no port */
	BAD("[::1]7000");
	BAD("[::1]:");
	BAD("[::1:7000");
	BAD("[]:7000");
	BAD("[:]:7000");
	BAD("[fe80::1%eth0]:7000"); /* zones are local to one machine */
	BAD("[1:2:3:4:5:6:7:8:9]:7000");
	BAD("[::g]:7000");
	BAD("[192.0.2.7]:7000");
	BAD("[node.example.org]:7000");
	BAD("[::1]:7000:1");
}

static void
test_dns(void)
{
	char host[CORE_ADDR_HOST_MAX + 1], name[300], in[320];
	uint16_t port = 0;
	size_t i;

	T_EQ_INT(core_addr_parse("Node.Example.ORG:7000", host, &port), 0);
	T_EQ_STR(host, "node.example.org");
	GOOD("localhost:7000", "localhost:7000");
	GOOD("node-1.example.org:7000", "node-1.example.org:7000");
	GOOD("1node.example.org:7000", "1node.example.org:7000");
	GOOD("a.b2:7000", "a.b2:7000");
	GOOD("10.0.0.1a:7000", "10.0.0.1a:7000");
	GOOD("xn--frivillig-q6a.no:7000", "xn--frivillig-q6a.no:7000");
	BAD("-node.example.org:7000");
	BAD("node-.example.org:7000");
	BAD("node..example.org:7000");
	BAD(".example.org:7000");
	BAD("example.org.:7000"); /* an empty last label */
	BAD("node_1.example.org:7000");
	BAD("node example.org:7000");
	BAD("nøde.example.org:7000");
	BAD("a.123:7000"); /* all-digit last label */
	BAD(":7000");
	BAD("node.example.org");
	BAD("node.example.org:");

	/* a label of 63 characters, not 64 */
	memset(name, 'a', 63);
	snprintf(name + 63, sizeof name - 63, ".org:1");
	GOOD(name, name);
	memset(name, 'a', 64);
	snprintf(name + 64, sizeof name - 64, ".org:1");
	BAD(name);

	/* 253 characters in all, not 254: labels of 49 and dots */
	for (i = 0; i < 253; i++)
		name[i] = i % 50 == 49 ? '.' : 'b';
	name[253] = '\0';
	T_EQ_INT(name[252], 'b');
	snprintf(in, sizeof in, "%s:65535", name);
	T_EQ_INT(core_addr_parse(in, host, &port), 0);
	T_EQ_STR(host, name);
	T_EQ_INT(strlen(canon(in)), 253 + 6);
	snprintf(in, sizeof in, "c%s:65535", name);
	BAD(in);
	snprintf(in, sizeof in, "%s:65535x", name);
	BAD(in);
}

static void
test_port(void)
{
	GOOD("h:1", "h:1");
	GOOD("h:65535", "h:65535");
	GOOD("h:7000", "h:7000");
	BAD("h:0");
	BAD("h:65536");
	BAD("h:99999");
	BAD("h:100000");
	BAD("h:07000");
	BAD("h:+7000");
	BAD("h:-7000");
	BAD("h: 7000");
	BAD("h:7000 ");
	BAD(" h:7000");
	BAD("h :7000");
	BAD("h:7000\n");
	BAD("h:0x1b58");
	BAD("h:7e3");
	BAD("h:7000:7000");
	BAD("h");
	BAD("");
	BAD(":");
}

static void
test_format(void)
{
	char out[CORE_ADDR_TEXT_MAX + 1], small[8];

	core_addr_format("Node.Example.ORG", 7000, out, sizeof out);
	T_EQ_STR(out, "node.example.org:7000");
	core_addr_format("2001:db8::7", 1, out, sizeof out);
	T_EQ_STR(out, "[2001:db8::7]:1");
	core_addr_format("192.0.2.7", 65535, out, sizeof out);
	T_EQ_STR(out, "192.0.2.7:65535");
	core_addr_format("192.0.2.7", 65535, small, sizeof small);
	T_EQ_STR(small, "192.0.2");
	small[0] = 'x';
	core_addr_format("192.0.2.7", 65535, small, 0);
	T_EQ_INT(small[0], 'x');
}

/* The canonical text parses back to itself. */
static void
test_round_trip(void)
{
	static const char *const in[] = { "192.0.2.7:7000", "[::1]:7000",
		"[2001:DB8:0:0:1::1]:7000", "Node.Example.org:7000",
		"[::ffff:10.0.0.1]:1" };
	char once[CORE_ADDR_TEXT_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		snprintf(once, sizeof once, "%s", canon(in[i]));
		T_ASSERT(strncmp(once, "ERR", 3) != 0);
		T_EQ_STR(canon(once), once);
	}
}

/* --- store/peers.c ------------------------------------------------ */

#define PASS "correct horse battery"

static struct store_peer seen[STORE_PEERS_MAX + 1];
static size_t nseen;

static int
keep(void *ctx, const struct store_peer *p)
{
	(void)ctx;
	if (nseen > STORE_PEERS_MAX)
		return -100;
	seen[nseen++] = *p;
	return 0;
}

static int
stop(void *ctx, const struct store_peer *p)
{
	(void)p;
	return ++*(int *)ctx == 2 ? -99 : 0;
}

static int
list(struct store_node *n)
{
	nseen = 0;
	return store_node_peers(n, keep, NULL);
}

static void
rm_dir(const char *dir)
{
	char path[512];
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		remove(path);
	}
	closedir(dp);
	rmdir(dir);
}

static char tmp[64];
static struct store_node *node;

static void
test_book(void)
{
	struct store_node *n;
	uint8_t pk[32], zero[32] = { 0 };
	char addr[32];
	int i, calls = 0;

	strcpy(tmp, "/tmp/dugnad-test-addr-XXXXXX");
	T_ASSERT(mkdtemp(tmp) != NULL);
	T_EQ_INT(store_node_init(tmp, PASS, strlen(PASS), 65536, &node), 0);
	n = node;
	memset(pk, 0x5a, sizeof pk);

	T_EQ_INT(list(n), 0);
	T_EQ_INT(nseen, 0);
	T_EQ_INT(store_node_peer_add(n, "Node.Example.ORG:7000"), 0);
	T_EQ_INT(store_node_peer_add(n, "[0:0::1]:7000"), 0);
	T_EQ_INT(store_node_peer_add(n, "192.0.2.7:7000"), 0);
	/* any spelling of a known address is known */
	T_EQ_INT(store_node_peer_add(n, "node.example.org:7000"), DG_EEXIST);
	T_EQ_INT(store_node_peer_add(n, "[::1]:7000"), DG_EEXIST);
	T_EQ_INT(store_node_peer_add(n, "node.example.org"), DG_EINVAL);
	T_EQ_INT(store_node_peer_add(n, "node.example.org:7001"), 0);

	T_EQ_INT(list(n), 0);
	T_EQ_INT(nseen, 4);
	T_EQ_STR(seen[0].addr, "192.0.2.7:7000");
	T_EQ_STR(seen[1].addr, "[::1]:7000");
	T_EQ_STR(seen[2].addr, "node.example.org:7000");
	T_EQ_STR(seen[3].addr, "node.example.org:7001");
	T_ASSERT(seen[0].added > 0);
	T_EQ_INT(seen[0].last_sync, 0);
	T_EQ_INT(seen[0].last_fail, 0);
	T_EQ_INT(seen[0].fails, 0);
	T_ASSERT(!seen[0].has_node);
	T_ASSERT(memcmp(seen[0].node, zero, 32) == 0);

	/* the walk stops at fn's code */
	T_EQ_INT(store_node_peers(n, stop, &calls), -99);
	T_EQ_INT(calls, 2);

	/* failures count up; a success resets them and keeps the node */
	T_EQ_INT(store_node_peer_result(n, "192.0.2.7:7000", pk, false, 100),
	    0);
	T_EQ_INT(store_node_peer_result(n, "192.0.2.7:7000", NULL, false, 200),
	    0);
	T_EQ_INT(list(n), 0);
	T_EQ_INT(seen[0].fails, 2);
	T_EQ_INT(seen[0].last_fail, 200);
	T_EQ_INT(seen[0].last_sync, 0);
	T_ASSERT(!seen[0].has_node);
	T_EQ_INT(store_node_peer_result(n, "192.0.2.7:7000", pk, true, 300), 0);
	T_EQ_INT(list(n), 0);
	T_EQ_INT(seen[0].fails, 0);
	T_EQ_INT(seen[0].last_fail, 200);
	T_EQ_INT(seen[0].last_sync, 300);
	T_ASSERT(seen[0].has_node);
	T_ASSERT(memcmp(seen[0].node, pk, 32) == 0);
	/* a success without a node id keeps the one known */
	T_EQ_INT(store_node_peer_result(n, "[::1]:7000", NULL, true, 400), 0);
	T_EQ_INT(store_node_peer_result(n, "192.0.2.7:7000", NULL, true, 500),
	    0);
	T_EQ_INT(list(n), 0);
	T_EQ_INT(seen[0].last_sync, 500);
	T_ASSERT(seen[0].has_node);
	T_ASSERT(memcmp(seen[0].node, pk, 32) == 0);
	T_EQ_INT(seen[1].last_sync, 400);
	T_ASSERT(!seen[1].has_node);
	/* unknown or bad addresses: nothing written */
	T_EQ_INT(store_node_peer_result(n, "192.0.2.8:7000", pk, true, 600),
	    DG_ENOTFOUND);
	T_EQ_INT(store_node_peer_result(n, "192.0.2.8", pk, true, 600),
	    DG_EINVAL);
	T_EQ_INT(list(n), 0);
	T_EQ_INT(nseen, 4);

	/* the record survives closing and opening */
	store_node_close(node);
	node = NULL;
	T_EQ_INT(store_node_open(tmp, PASS, strlen(PASS), 65536, &node), 0);
	n = node;
	T_EQ_INT(list(n), 0);
	T_EQ_INT(nseen, 4);
	T_EQ_INT(seen[0].last_sync, 500);
	T_EQ_INT(seen[0].last_fail, 200);

	/* remove */
	T_EQ_INT(store_node_peer_remove(n, "NODE.example.org:7001"), 0);
	T_EQ_INT(store_node_peer_remove(n, "node.example.org:7001"),
	    DG_ENOTFOUND);
	T_EQ_INT(store_node_peer_remove(n, "node.example.org"), DG_EINVAL);
	T_EQ_INT(store_node_peer_result(n, "node.example.org:7001", NULL,
		     false, 700),
	    DG_ENOTFOUND);
	T_EQ_INT(list(n), 0);
	T_EQ_INT(nseen, 3);

	/* at most STORE_PEERS_MAX */
	for (i = 3; i < STORE_PEERS_MAX; i++) {
		snprintf(addr, sizeof addr, "10.0.%d.%d:7000", i / 256, i % 256);
		T_EQ_INT(store_node_peer_add(n, addr), 0);
	}
	T_EQ_INT(store_node_peer_add(n, "10.9.9.9:7000"), DG_ELIMIT);
	T_EQ_INT(list(n), 0);
	T_EQ_INT(nseen, STORE_PEERS_MAX);
	T_EQ_INT(store_node_peer_remove(n, "10.0.0.3:7000"), 0);
	T_EQ_INT(store_node_peer_add(n, "10.9.9.9:7000"), 0);
}

static void
test_cleanup(void)
{
	store_node_close(node);
	node = NULL;
	if (tmp[0] != '\0')
		rm_dir(tmp);
}

T_MAIN(T_CASE(test_ipv4), T_CASE(test_ipv6), T_CASE(test_dns),
    T_CASE(test_port), T_CASE(test_format), T_CASE(test_round_trip),
    T_CASE(test_book), T_CASE(test_cleanup))
