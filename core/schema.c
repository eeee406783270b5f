#include "core/schema.h"

#include <string.h>

/* Marks the labels for translation (xgettext); cli/ translates them. */
#define N_(s) s

static const struct core_fdef contact_fields[] = {
	{ "name", CORE_FT_TEXT, true, true, N_("full name") },
	{ "lang", CORE_FT_LANGS, false, false, N_("languages (e.g. nb,so)") },
	{ "phone", CORE_FT_PHONE, false, false, N_("phone number") },
	{ "email", CORE_FT_EMAIL, false, false, N_("e-mail address") },
	{ "org", CORE_FT_TEXT, true, false, N_("organisation") },
	{ "role", CORE_FT_TEXT, true, false, N_("role") },
	{ "area", CORE_FT_TEXT, true, false, N_("area or district") },
	{ "note", CORE_FT_TEXT, true, false, N_("note") },
};

static const struct core_fdef meeting_fields[] = {
	{ "title", CORE_FT_TEXT, true, true, N_("title") },
	{ "organiser", CORE_FT_TEXT, true, false, N_("organiser") },
	{ "lang", CORE_FT_LANGS, false, false, N_("languages (e.g. nb,so)") },
	{ "starts", CORE_FT_DATETIME, false, true,
	    N_("start (2026-12-04T18:00+01:00)") },
	{ "tz", CORE_FT_TZ, false, false, N_("time zone (e.g. Europe/Oslo)") },
	{ "duration", CORE_FT_DURATION, false, false, N_("duration (90m, 1h30m, 2h, 1:30)") },
	{ "repeat", CORE_FT_REPEAT, false, false,
	    N_("recurrence (weekly, weekly/2 for every other week, "
	       "weekly:tu,th, monthly:1tu)") },
	{ "until", CORE_FT_DATE, false, false, N_("last date (2027-06-30)") },
	{ "place", CORE_FT_TEXT, true, false, N_("place or address") },
	{ "link", CORE_FT_URL, false, false, N_("online link") },
	{ "capacity", CORE_FT_INT, false, false, N_("capacity (people)") },
	{ "contact", CORE_FT_TEXT, true, false, N_("contact person") },
	{ "description", CORE_FT_TEXT, true, false, N_("description") },
};

static const struct core_fdef referral_fields[] = {
	{ "name", CORE_FT_TEXT, true, true, N_("service name") },
	{ "category", CORE_FT_CATEGORIES, false, false,
	    N_("category (health, violence, addiction, ...)") },
	{ "helps", CORE_FT_TEXT, true, false, N_("what they help with") },
	{ "lang", CORE_FT_LANGS, false, false, N_("languages offered") },
	{ "phone", CORE_FT_PHONE, false, false, N_("phone number") },
	{ "email", CORE_FT_EMAIL, false, false, N_("e-mail address") },
	{ "address", CORE_FT_TEXT, true, false, N_("address") },
	{ "web", CORE_FT_URL, false, false, N_("web site") },
	{ "hours", CORE_FT_TEXT, true, false, N_("opening hours") },
	{ "cost", CORE_FT_TEXT, true, false, N_("cost") },
	{ "area", CORE_FT_TEXT, true, false, N_("area served") },
	{ "note", CORE_FT_TEXT, true, false, N_("note") },
};

const char *const core_schema_categories[] = {
	"health", "mental-health", "violence", "addiction", "children",
	"family", "legal", "housing", "work", "language", "education",
	"economy", "immigration", "social", "other", NULL,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int
core_schema_rtype(const char *name, enum core_rtype *out)
{
	static const struct {
		const char *name;
		enum core_rtype t;
	} names[] = {
		{ "contact", CORE_RT_CONTACT }, { "contacts", CORE_RT_CONTACT },
		{ "meeting", CORE_RT_MEETING }, { "meetings", CORE_RT_MEETING },
		{ "referral", CORE_RT_REFERRAL },
		{ "referrals", CORE_RT_REFERRAL },
	};
	size_t i;

	for (i = 0; i < COUNT(names); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].t;
			return 0;
		}
	}
	return DG_EINVAL;
}

const char *
core_schema_rtype_name(enum core_rtype t)
{
	switch (t) {
	case CORE_RT_CONTACT: return N_("contact");
	case CORE_RT_MEETING: return N_("meeting");
	case CORE_RT_REFERRAL: return N_("referral");
	}
	return "?";
}

const char *
core_schema_rtype_plural(enum core_rtype t)
{
	switch (t) {
	case CORE_RT_CONTACT: return "contacts";
	case CORE_RT_MEETING: return "meetings";
	case CORE_RT_REFERRAL: return "referrals";
	}
	return "?";
}

const struct core_fdef *
core_schema_fields(enum core_rtype t, size_t *n)
{
	switch (t) {
	case CORE_RT_CONTACT:
		*n = COUNT(contact_fields);
		return contact_fields;
	case CORE_RT_MEETING:
		*n = COUNT(meeting_fields);
		return meeting_fields;
	case CORE_RT_REFERRAL:
		*n = COUNT(referral_fields);
		return referral_fields;
	}
	*n = 0;
	return NULL;
}

const struct core_fdef *
core_schema_field(enum core_rtype t, const char *name, size_t len)
{
	const struct core_fdef *f;
	size_t n, i;

	f = core_schema_fields(t, &n);
	for (i = 0; i < n; i++) {
		if (strlen(f[i].name) == len && memcmp(f[i].name, name, len) == 0)
			return &f[i];
	}
	return NULL;
}

const char *
core_schema_title_field(enum core_rtype t)
{
	return t == CORE_RT_MEETING ? "title" : "name";
}
