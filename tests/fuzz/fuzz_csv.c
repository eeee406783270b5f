/* Fuzz target: CSV import (core_csv_parse). */
#include <stdint.h>
#include <string.h>

#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
row(void *ctx, size_t line, char **cells, size_t n)
{
	size_t i, *total = ctx;

	(void)line;
	for (i = 0; i < n; i++)
		*total += strlen(cells[i]);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0, line = 0;
	char why[128];

	(void)core_csv_parse((const char *)data, size, row, &total, &line, why,
	    sizeof why);
	return 0;
}
