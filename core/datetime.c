#include "core/datetime.h"

/* Days since 1970-01-01, after Howard Hinnant's days_from_civil: count
 * from 0000-03-01 so the leap day ends the year, in 400-year eras. */
int64_t
core_datetime_days(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = month > 2 ? month - 3 : month + 9;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The inverse of core_datetime_days (Hinnant's civil_from_days). */
static void
civil(int64_t days, int *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)m;
	*year = (int)(yoe + era * 400 + (m <= 2));
}

int
core_datetime_weekday(int year, int month, int day)
{
	/* 1970-01-01 was a Thursday, day 3 counting from Monday. */
	int64_t w = (core_datetime_days(year, month, day) + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

int64_t
core_datetime_to_unix(const struct core_datetime *dt)
{
	return core_datetime_days(dt->year, dt->month, dt->day) * 86400 +
	    dt->hour * 3600 + dt->min * 60 + dt->sec -
	    (int64_t)dt->offset_min * 60;
}

void
core_datetime_from_unix(int64_t t, int offset_min, struct core_datetime *out)
{
	int64_t days = t / 86400, rem = t % 86400;

	/* Split before adding the offset so t near INT64_MAX cannot
	 * overflow. */
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	rem += (int64_t)offset_min * 60;
	while (rem < 0) {
		rem += 86400;
		days--;
	}
	while (rem >= 86400) {
		rem -= 86400;
		days++;
	}
	civil(days, &out->year, &out->month, &out->day);
	out->hour = (int)(rem / 3600);
	out->min = (int)(rem / 60 % 60);
	out->sec = (int)(rem % 60);
	out->offset_min = offset_min;
}
