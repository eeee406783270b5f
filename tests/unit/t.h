/* tests/unit/t.h - a tiny unit test runner.
 *
 * Each test file defines static test functions and a table:
 *
 *     static void test_x(void) { T_ASSERT(1 + 1 == 2); }
 *     T_MAIN(T_CASE(test_x), T_CASE(test_y))
 *
 * A failed assertion prints file:line and the expression, marks the
 * current case failed and returns from it.  The runner prints one line per
 * case and ends with "N passed, N failed"; the exit status is 1 if any
 * case failed.
 */
#ifndef TESTS_T_H
#define TESTS_T_H

#include <stdio.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

static int t_failed_now;

#define T_CASE(f) { #f, f }

#define T_ASSERT(e)                                                       \
	do {                                                              \
		if (!(e)) {                                               \
			fprintf(stderr, "  %s:%d: assertion failed: %s\n", \
			    __FILE__, __LINE__, #e);                      \
			t_failed_now = 1;                                 \
			return;                                           \
		}                                                         \
	} while (0)

#define T_EQ_INT(a, b)                                                    \
	do {                                                              \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);   \
		if (t_a_ != t_b_) {                                       \
			fprintf(stderr, "  %s:%d: %s == %lld, want %lld\n", \
			    __FILE__, __LINE__, #a, t_a_, t_b_);          \
			t_failed_now = 1;                                 \
			return;                                           \
		}                                                         \
	} while (0)

#define T_EQ_STR(a, b)                                                    \
	do {                                                              \
		const char *t_a_ = (a), *t_b_ = (b);                      \
		if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_)) { \
			fprintf(stderr, "  %s:%d: %s == \"%s\", want \"%s\"\n", \
			    __FILE__, __LINE__, #a, t_a_ ? t_a_ : "(null)", \
			    t_b_ ? t_b_ : "(null)");                      \
			t_failed_now = 1;                                 \
			return;                                           \
		}                                                         \
	} while (0)

#define T_MAIN(...)                                                       \
	int main(void)                                                    \
	{                                                                 \
		static const struct t_case cases[] = { __VA_ARGS__ };     \
		size_t n = sizeof cases / sizeof cases[0], pass = 0, i;   \
		for (i = 0; i < n; i++) {                                 \
			t_failed_now = 0;                                 \
			cases[i].fn();                                    \
			printf("%s %s\n", t_failed_now ? "FAIL" : "ok  ", \
			    cases[i].name);                               \
			pass += !t_failed_now;                            \
		}                                                         \
		printf("%zu passed, %zu failed\n", pass, n - pass);       \
		return pass == n ? 0 : 1;                                 \
	}

#endif
