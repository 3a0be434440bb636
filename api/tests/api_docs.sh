#!/bin/bash
# SPDX-License-Identifier: MIT
# docs/api.md's route table against the daemon: every documented route and
# method answers (not the router's 404/405), and every served route (the index
# at GET /api/v1) is documented with the same methods.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/api/tests/common.sh"
set -u

DOC=$PXECORE_SRC/docs/api.md
[ -f "$DOC" ] || fail "no $DOC"
make_image "$T/img"
api_start --image "$T/img"

# documented: "| GET, PUT | `/api/v1/x/{name}` | ..." -> "GET /api/v1/x/{}" lines
python3 - "$DOC" >"$T/documented" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r"^\| ((?:GET|PUT|POST|DELETE|PATCH)(?:, (?:GET|PUT|POST|DELETE|PATCH))*) \| `(/[^`]*)` \|", line)
    if not m:
        continue
    path = re.sub(r"\{[a-z]+\.\.\.\}", "*", m.group(2))
    path = re.sub(r"\{[a-z]+\}", "{}", path)
    for meth in m.group(1).split(", "):
        print(meth, path)
PY
[ "$(wc -l <"$T/documented")" -ge 17 ] || fail "route table not found in docs/api.md"
req GET /api/v1; expect 200 "route index"
python3 - "$T/out" >"$T/served" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["routes"]:
    for meth in r["methods"].split(", "):
        if meth != "HEAD":
            print(meth, r["path"])
PY
sort -o "$T/documented" "$T/documented"
sort -o "$T/served" "$T/served"
diff -u "$T/documented" "$T/served" || fail "documented routes (-) and served routes (+) differ"

# every documented route answers: sample values for the parameters, mutations first
sample() {
    p=${1//\{\}/X}
    case $p in
    /api/v1/plugins/X/*) p=/api/v1/plugins/nbd/sessions ;;
    /api/v1/plugins/X) p=/api/v1/plugins/http ;;
    /api/v1/methods/X) p=/api/v1/methods/http ;;
    /api/v1/hosts/X) p=/api/v1/hosts/52-54-00-12-34-56 ;;
    /api/v1/images/X) p=/api/v1/images/archiso ;;
    /api/v1/entries/X) p=/api/v1/entries/memtest ;;
    /api/v1/clients/X/timeline) p=/api/v1/clients/52:54:00:12:34:56/timeline ;;
    /api/v1/menus/X) p=/api/v1/menus/pxelinux ;;
    /ui/\*) p=/ui/app.js ;;
    esac
    echo "$p"
}
body_for() {
    case $1 in
    /api/v1/methods/*) echo '{"enabled":true}' ;;
    /api/v1/hosts/*) echo '{"cmdline_extra":"quiet"}' ;;
    /api/v1/entries/*) echo '{"kernel":"memtest86+x64.bin"}' ;;
    *) echo '{"count":0}' ;;
    esac
}
n=0
for meth in PUT PATCH POST GET DELETE; do
    while read -r m path; do
        [ "$m" = "$meth" ] || continue
        p=$(sample "$path")
        if [ "$m" = GET ] || [ "$m" = DELETE ]; then req "$m" "$p"
        else put_json "$m" "$p" "$(body_for "$p")"; fi
        n=$((n + 1))
        case $CODE in
        2??) ;;
        404 | 405) # only a plugin's own answer may say so
            [ "$path" = "/api/v1/plugins/{}/*" ] && grep -q '"message": "nbd' "$T/out" ||
                fail "$m $p (documented as $path): HTTP $CODE" ;;
        *) cat "$T/out"; fail "$m $p (documented as $path): HTTP $CODE" ;;
        esac
    done <"$T/documented"
done
echo "api_docs: $n documented routes answer; documented == served"
