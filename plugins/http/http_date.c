/* SPDX-License-Identifier: MIT */
/* HTTP dates (RFC 9110 5.6.7: IMF-fixdate, and the obsolete forms read); see http_date.h. */
#include "http_date.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Spaces and tabs around the parts of an obsolete date form. */
static const char *skip_ws(const char *p)
{
    return p + strspn(p, " \t");
}

static const char wdays[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int parse_month(const char *p)
{
    for (int i = 0; i < 12; i++)
        if (strncmp(p, months[i], 3) == 0)
            return i + 1;
    return -1;
}

/* Reads exactly n digits. */
static const char *digits(const char *p, int n, int *ret)
{
    int v = 0;

    for (int i = 0; i < n; i++, p++) {
        if (*p < '0' || *p > '9')
            return NULL;
        v = v * 10 + (*p - '0');
    }
    *ret = v;
    return p;
}

/* "HH:MM:SS" */
static const char *parse_clock(const char *p, int *h, int *mi, int *s)
{
    if (!(p = digits(p, 2, h)) || *p++ != ':' || !(p = digits(p, 2, mi)) || *p++ != ':' ||
        !(p = digits(p, 2, s)))
        return NULL;
    return p;
}

int64_t http_date_parse(const char *s)
{
    const char *p, *comma;
    int day, mon, year, h, mi, sec;

    if (!s)
        return -1;
    s = skip_ws(s);
    comma = strchr(s, ',');
    if (comma) {
        p = skip_ws(comma + 1);
        if (!(p = digits(p, 2, &day)))
            return -1;
        if (*p == '-') { /* RFC 850: 06-Nov-94 */
            if ((mon = parse_month(p + 1)) < 0 || p[4] != '-' || !(p = digits(p + 5, 2, &year)))
                return -1;
            year += year < 70 ? 2000 : 1900;
        } else { /* IMF-fixdate: 06 Nov 1994 */
            if (*p != ' ' || (mon = parse_month(p + 1)) < 0 || p[4] != ' ' ||
                !(p = digits(p + 5, 4, &year)))
                return -1;
        }
        if (*p++ != ' ' || !(p = parse_clock(p, &h, &mi, &sec)) || strncmp(p, " GMT", 4) != 0)
            return -1;
        p += 4;
    } else { /* asctime: Sun Nov  6 08:49:37 1994 */
        if (strlen(s) < 24 || s[3] != ' ' || (mon = parse_month(s + 4)) < 0 || s[7] != ' ')
            return -1;
        p = s + 8;
        if (*p == ' ')
            p++;
        if (!(p = digits(p, p[1] >= '0' && p[1] <= '9' ? 2 : 1, &day)) || *p++ != ' ' ||
            !(p = parse_clock(p, &h, &mi, &sec)) || *p++ != ' ' || !(p = digits(p, 4, &year)))
            return -1;
    }
    if (*skip_ws(p) != '\0' || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    return days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + h * 3600 + mi * 60 + sec;
}

int http_date_format(int64_t t, char *buf, size_t size)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, y;
    int64_t secs = t - days * 86400;
    unsigned m, d;
    int n;

    civil_from_days(days, &y, &m, &d);
    n = snprintf(buf, size, "%s, %02u %s %04" PRId64 " %02d:%02d:%02d GMT",
                 wdays[((days % 7) + 7) % 7], d, months[m - 1], y, (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60));
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
