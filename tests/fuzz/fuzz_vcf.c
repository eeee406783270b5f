/* Fuzz target: vCard import (core_vcf_parse). */
#include <stdint.h>
#include <string.h>

#include "core/vcf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
card(void *ctx, size_t line, const struct core_kv *kv, size_t n)
{
	size_t i, *total = ctx;

	(void)line;
	for (i = 0; i < n; i++)
		*total += strlen(kv[i].key) + strlen(kv[i].value);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0, line = 0;
	char why[128];

	(void)core_vcf_parse((const char *)data, size, card, &total, &line, why,
	    sizeof why);
	return 0;
}
