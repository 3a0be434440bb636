/* SPDX-License-Identifier: MIT */
/*
 * Reading one kind file: JSON, every key known, every value of its type,
 * every template's ${...} a known variable; an error names the file and the
 * key ("debian-installer.json: match[1].kernel: must be a string").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "datakinds.h"

#define DK_FILE_MAX (64 * 1024)

static int fail(char *err, size_t errlen, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, const char *file, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, errlen, "%s: ", file);

    va_start(ap, fmt);
    if (n > 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int valid_token(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);

    if (n < 1 || n > max)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
            return 0;
    return 1;
}

/* A relative path of printable characters, no "..", no leading '/', at most one '*' in the
 * last component. */
static int valid_path(const char *s)
{
    const char *star = strchr(s, '*');

    if (!*s || *s == '/' || strlen(s) > 200 || strstr(s, "..") || strchr(s, '\\'))
        return 0;
    for (const char *q = s; *q; q++)
        if ((unsigned char)*q <= 0x20 || *q == '"' || *q == 0x7f)
            return 0;
    return !star || (!strchr(star + 1, '*') && !strchr(star, '/'));
}

/* A menu text or command line: printable, no double quote. */
static int valid_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == 0x7f)
            return 0;
    return 1;
}

/* Copies the string at obj.key into *out; key names the place for messages. */
static int get_str(json_t *obj, const char *key, const char *where, int required, int kind,
                   char **out, const char *file, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    const char *s;

    *out = NULL;
    if (!v || json_is_null(v))
        return required ? fail(err, errlen, file, "%s%s: missing", where, key) : 0;
    if (!json_is_string(v))
        return fail(err, errlen, file, "%s%s: must be a string", where, key);
    s = json_string_value(v);
    if (kind == 'p' && !valid_path(s))
        return fail(err, errlen, file,
                    "%s%s: '%.60s' is not a relative path inside the image (no '..', at most "
                    "one '*' in the last component)",
                    where, key, s);
    if (kind == 't' && (!valid_text(s) || strlen(s) > 1000))
        return fail(err, errlen, file, "%s%s: control characters or '\"' (or over 1000 bytes)",
                    where, key);
    *out = strdup(s);
    return *out ? 0 : -ENOMEM;
}

/* Every key of obj is one of known (NULL-terminated). */
static int only_keys(json_t *obj, const char *const *known, const char *where, const char *file,
                     char *err, size_t errlen)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        int ok = 0;

        for (int i = 0; known[i] && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (!ok)
            return fail(err, errlen, file, "%s%s: unknown key", where, key);
    }
    return 0;
}

static int parse_layout(json_t *o, struct dk_layout *l, const char *where, const char *file,
                        char *err, size_t errlen)
{
    static const char *const keys[] = {"kernel", "initrd", "rootfs", "arch", "requires", NULL};
    json_t *req;
    size_t i;
    int r;

    if (!json_is_object(o))
        return fail(err, errlen, file, "%s: must be an object", where);
    if ((r = only_keys(o, keys, where, file, err, errlen)) < 0 ||
        (r = get_str(o, "kernel", where, 1, 'p', &l->kernel, file, err, errlen)) < 0 ||
        (r = get_str(o, "initrd", where, 0, 'p', &l->initrd, file, err, errlen)) < 0 ||
        (r = get_str(o, "rootfs", where, 0, 'p', &l->rootfs, file, err, errlen)) < 0 ||
        (r = get_str(o, "arch", where, 0, 't', &l->arch, file, err, errlen)) < 0)
        return r;
    req = json_object_get(o, "requires");
    if (req && (!json_is_array(req) || json_array_size(req) > DK_MAX_REQ))
        return fail(err, errlen, file, "%srequires: must be an array of at most %d paths", where,
                    DK_MAX_REQ);
    for (i = 0; req && i < json_array_size(req); i++) {
        json_t *v = json_array_get(req, i);

        if (!json_is_string(v) || !valid_path(json_string_value(v)))
            return fail(err, errlen, file, "%srequires[%zu]: must be a relative path", where, i);
        if (!(l->requires[i] = strdup(json_string_value(v))))
            return -ENOMEM;
    }
    return 0;
}

static int parse_entry(json_t *o, struct dk_entry *e, const char *where, const char *file,
                       char *err, size_t errlen)
{
    static const char *const keys[] = {"id", "title", "transport", "cmdline", NULL};
    char bad[64], key[80];
    int r;

    if (!json_is_object(o))
        return fail(err, errlen, file, "%s: must be an object", where);
    if ((r = only_keys(o, keys, where, file, err, errlen)) < 0 ||
        (r = get_str(o, "id", where, 1, 0, &e->id, file, err, errlen)) < 0 ||
        (r = get_str(o, "title", where, 1, 't', &e->title, file, err, errlen)) < 0 ||
        (r = get_str(o, "transport", where, 0, 0, &e->transport, file, err, errlen)) < 0 ||
        (r = get_str(o, "cmdline", where, 0, 't', &e->cmdline, file, err, errlen)) < 0)
        return r;
    if (!valid_token(e->id, 40, "-_"))
        return fail(err, errlen, file, "%sid: '%.40s' must match [a-z0-9_-]{1,40}", where, e->id);
    if (e->transport && !valid_token(e->transport, 15, ""))
        return fail(err, errlen, file,
                    "%stransport: '%.20s' must be a scheme such as http, nbd, "
                    "nfs",
                    where, e->transport);
    for (int t = 0; t < 2; t++) {
        const char *tmpl = t ? e->cmdline : e->title;

        snprintf(key, sizeof(key), "%s%s", where, t ? "cmdline" : "title");
        if (tmpl && dk_template_check(tmpl, e->transport != NULL, bad) < 0)
            return fail(err, errlen, file, "%s: unknown variable ${%s}%s", key, bad,
                        e->transport ? ""
                                     : " (an entry with no transport has no transport "
                                       "variables)");
    }
    return 0;
}

/* The arrays "match" and "entries". */
static int parse_lists(json_t *root, struct dk_kind *k, const char *file, char *err, size_t errlen)
{
    json_t *a = json_object_get(root, "match"), *en = json_object_get(root, "entries");
    char where[48];
    int r = 0;

    if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > DK_MAX_LAYOUTS)
        return fail(err, errlen, file, "match: must be an array of 1 to %d layouts",
                    DK_MAX_LAYOUTS);
    if (!json_is_array(en) || json_array_size(en) < 1 || json_array_size(en) > DK_MAX_ENTRIES)
        return fail(err, errlen, file, "entries: must be an array of 1 to %d entries",
                    DK_MAX_ENTRIES);
    for (size_t i = 0; r == 0 && i < json_array_size(a); i++) {
        snprintf(where, sizeof(where), "match[%zu].", i);
        r = parse_layout(json_array_get(a, i), &k->layouts[k->n_layouts++], where, file, err,
                         errlen);
    }
    for (size_t i = 0; r == 0 && i < json_array_size(en); i++) {
        snprintf(where, sizeof(where), "entries[%zu].", i);
        r = parse_entry(json_array_get(en, i), &k->entries[k->n_entries++], where, file, err,
                        errlen);
        for (size_t j = 0; r == 0 && j + 1 < k->n_entries; j++)
            if (!strcmp(k->entries[j].id, k->entries[k->n_entries - 1].id))
                r = fail(err, errlen, file, "%sid: '%s' repeats entries[%zu].id", where,
                         k->entries[j].id, j);
    }
    return r;
}

int dk_kind_parse(const char *text, const char *file, struct dk_kind *k, char *err, size_t errlen)
{
    static const char *const keys[] = {"kind",  "title",   "description", "cmdline",
                                       "match", "entries", NULL};
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    char bad[64];
    int r;

    memset(k, 0, sizeof(*k));
    if (!(k->file = strdup(file)))
        return -ENOMEM;
    if (!root)
        return fail(err, errlen, file, "line %d: %s", je.line, je.text);
    if (!json_is_object(root))
        r = fail(err, errlen, file, "must hold a JSON object");
    else if ((r = only_keys(root, keys, "", file, err, errlen)) < 0 ||
             (r = get_str(root, "kind", "", 1, 0, &k->name, file, err, errlen)) < 0 ||
             (r = get_str(root, "title", "", 1, 't', &k->title, file, err, errlen)) < 0 ||
             (r = get_str(root, "cmdline", "", 0, 't', &k->cmdline, file, err, errlen)) < 0)
        ;
    else if (!valid_token(k->name, 31, "-"))
        r = fail(err, errlen, file, "kind: '%.40s' must match [a-z0-9-]{1,31}", k->name);
    else if (dk_template_check(k->title, 0, bad) < 0 ||
             (k->cmdline && dk_template_check(k->cmdline, 0, bad) < 0))
        r = fail(err, errlen, file, "%s: unknown variable ${%s}",
                 dk_template_check(k->title, 0, bad) < 0 ? "title" : "cmdline", bad);
    else
        r = parse_lists(root, k, file, err, errlen);
    json_decref(root);
    return r;
}

int dk_kind_load(const char *path, struct dk_kind *k, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    const char *file = slash ? slash + 1 : path;
    FILE *f = fopen(path, "re");
    char *text;
    size_t n;
    int r;

    memset(k, 0, sizeof(*k));
    if (!f)
        return fail(err, errlen, file, "cannot open: %s", strerror(errno));
    text = malloc(DK_FILE_MAX + 1);
    n = text ? fread(text, 1, DK_FILE_MAX + 1, f) : 0;
    fclose(f);
    if (!text)
        return -ENOMEM;
    if (n > DK_FILE_MAX) {
        free(text);
        return fail(err, errlen, file, "larger than %d bytes", DK_FILE_MAX);
    }
    text[n] = '\0';
    r = dk_kind_parse(text, file, k, err, errlen);
    free(text);
    return r;
}

void dk_kind_free(struct dk_kind *k)
{
    free(k->file);
    free(k->name);
    free(k->title);
    free(k->cmdline);
    for (size_t i = 0; i < k->n_layouts; i++) {
        struct dk_layout *l = &k->layouts[i];

        free(l->kernel);
        free(l->initrd);
        free(l->rootfs);
        free(l->arch);
        for (int j = 0; l->requires[j]; j++)
            free(l->requires[j]);
    }
    for (size_t i = 0; i < k->n_entries; i++) {
        free(k->entries[i].id);
        free(k->entries[i].title);
        free(k->entries[i].transport);
        free(k->entries[i].cmdline);
    }
    memset(k, 0, sizeof(*k));
}
