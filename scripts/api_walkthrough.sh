#!/usr/bin/env bash
# One proposal's life, from its draft to the rating of the answer, through the REST API with curl only.
# Start the product first (`make run`); it needs the demo data. BASE points elsewhere if needed.
#
#   bash scripts/api_walkthrough.sh
#
# It drafts a proposal of its own each time (demo-secretary's), so the demo's proposals stay as they are, and it
# signs out only the tokens it made: whoever else is signed in as a demo login stays signed in.
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8000/api/v1}
SITE=${BASE%/api/v1}
PASSWORD=${DEMO_PASSWORD:-shuozhou-demo-2026}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

show() {  # print some keys of a JSON object (all of it without keys), Chinese left readable
    python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps(d if len(sys.argv) < 2 else {k: d.get(k) for k in sys.argv[1:]}, ensure_ascii=False))' "$@"
}
field() {  # field KEY [KEY...]: one value of a JSON object, nested keys in turn
    python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1:]: d = d[k]
print(d)' "$@"
}
token() {
    curl -sf -X POST "$BASE/auth/token/" -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$PASSWORD\"}" | field token
}
etag() {  # the proposal's ETag, as the caller reads it
    curl -sfI "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $1" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'
}
act() {  # act TOKEN JSON: fire a workflow action with the current ETag
    local tag; tag=$(etag "$1")
    echo "\$ curl -X POST $BASE/proposals/$PROPOSAL/transitions/ -H 'If-Match: $tag' -d '$2'"
    curl -s -X POST "$BASE/proposals/$PROPOSAL/transitions/" -H "Authorization: Token $1" \
        -H 'Content-Type: application/json' -H "If-Match: $tag" -d "$2" | show state version revision_number code detail
}
edit() {  # edit JSON: the secretary changes the text, with the current ETag
    curl -sf -X PATCH "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $SECRETARY" \
        -H 'Content-Type: application/json' -H "If-Match: $(etag "$SECRETARY")" -d "$1" | show state revision_number version
}

SECRETARY=$(token demo-secretary)
DELEGATE=$(token demo-delegate)
ME=$(curl -sf "$BASE/me/" -H "Authorization: Token $DELEGATE" | field delegate id)
SESSION=$(curl -sf "$BASE/sessions/" -H "Authorization: Token $SECRETARY" | python3 -c 'import json, sys, datetime as dt
now = dt.datetime.now(dt.timezone.utc)
print(next(s["id"] for s in json.load(sys.stdin)["results"]
           if s["body"] == "npc" and s["level"] == "city" and dt.datetime.fromisoformat(s["submission_deadline"]) > now))')

echo "# The secretary drafts a suggestion for session $SESSION and starts its research"
PROPOSAL=$(curl -sf -X POST "$BASE/proposals/" -H "Authorization: Token $SECRETARY" -H 'Content-Type: application/json' \
    -d "{\"session\": $SESSION, \"kind\": \"suggestion\", \"topic\": \"mental_health\",
         \"title\": \"关于为电商直播从业青年提供心理服务的建议\",
         \"background\": \"全市电商直播从业青年超过三千人，工作强度大、收入不稳定。\",
         \"recommendations\": \"一、在直播产业园设立青年心理服务站；二、将心理咨询纳入行业培训。\"}" | field id)
echo "  proposal $PROPOSAL"
act "$SECRETARY" '{"action": "start_research", "note": "开始问卷调研。"}'
edit '{"research_findings": "对全市312名电商直播从业青年的问卷显示，41%存在焦虑情绪。"}'
printf '问题,回答人数\n是否存在焦虑情绪,128\n' > "$WORK/survey.csv"
curl -sf -X POST "$BASE/proposals/$PROPOSAL/evidence/" -H "Authorization: Token $SECRETARY" \
    -F "file=@$WORK/survey.csv;type=text/csv" -F 'description=问卷汇总' | show original_name size

echo "# Consultation needs a lead delegate, whom a coordinator assigns (on the web: the API assigns nobody)"
curl -sf -c "$WORK/cookies" -o /dev/null "$SITE/login/"
csrf() { awk '$6 == "csrftoken" { print $7 }' "$WORK/cookies"; }
curl -sf -b "$WORK/cookies" -c "$WORK/cookies" -o /dev/null "$SITE/login/" -H "Referer: $SITE/login/" \
    --data-urlencode "csrfmiddlewaretoken=$(csrf)" --data-urlencode username=demo-coordinator \
    --data-urlencode "password=$PASSWORD"
assigned=$(curl -s -b "$WORK/cookies" -o /dev/null -w '%{http_code}' "$SITE/proposals/$PROPOSAL/assign/" \
    -H "Referer: $SITE/p/$PROPOSAL/" --data-urlencode "csrfmiddlewaretoken=$(csrf)" \
    --data-urlencode "assign-delegate=$ME" --data-urlencode assign-role=lead)
[ "$assigned" = 302 ] || { echo "Assigning the lead delegate answered $assigned." >&2; exit 1; }
curl -sf -b "$WORK/cookies" -o /dev/null "$SITE/logout/" -H "Referer: $SITE/" --data-urlencode "csrfmiddlewaretoken=$(csrf)"
echo "  demo-delegate is the lead"
act "$SECRETARY" '{"action": "start_consultation"}'

echo "# The lead delegate reads proposal $PROPOSAL and what they may do now"
curl -sf "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $DELEGATE" | show title state revision_number version
curl -sf "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $DELEGATE" | python3 -c 'import json, sys
for a in json.load(sys.stdin)["allowed_actions"]: print("  ", a["action"], "allowed" if a["allowed"] else "not now: " + a["reason"])'
act "$DELEGATE" '{"action": "comment", "note": "第二条建议请写明牵头单位。"}'
act "$DELEGATE" '{"action": "request_changes", "note": "请补充接受过专业心理咨询的比例。"}'

echo "# The secretary edits the text: without If-Match (refused), then with it"
curl -s -X PATCH "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $SECRETARY" -H 'Content-Type: application/json' \
    -d '{"research_findings": "…"}' | show status code detail
edit '{"research_findings": "对全市312名电商直播从业青年的问卷显示，41%存在焦虑情绪，仅6%接受过专业心理咨询。"}'
act "$SECRETARY" '{"action": "start_consultation"}'
act "$SECRETARY" '{"action": "finalise"}'
act "$DELEGATE" '{"action": "endorse", "note": "同意。"}'
act "$SECRETARY" '{"action": "finalise"}'
act "$DELEGATE" "{\"action\": \"submit\", \"reference_number\": \"第$(date +%H%M%S)号\"}"
act "$DELEGATE" '{"action": "register", "note": "已立案，交市卫健委办理。"}'

echo "# The session's office hands it to a unit of the directory; the unit answers; every signer rates the answer"
UNIT=$(curl -sf -G "$BASE/handling-units/" -H "Authorization: Token $DELEGATE" --data-urlencode 'search=市卫健委' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["results"][0]["id"])')
act "$DELEGATE" "{\"action\": \"assign_unit\", \"unit\": $UNIT, \"unit_role\": \"lead\"}"
act "$DELEGATE" "{\"action\": \"record_answer\", \"unit\": $UNIT, \"answer_class\": \"A\", \"answer_method\": \"writing\",
                 \"answer\": \"已在三个直播产业园设立青年心理服务站。\"}"
curl -sf "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $DELEGATE" | python3 -c 'import json, sys
for h in json.load(sys.stdin)["handling_units"]:
    print("  ", h["unit"]["name"], h["role"], "due", h["due_on"],
          "answered", h["answered_on"], "class", h["answer_class"])'
act "$DELEGATE" "{\"action\": \"rate\", \"unit\": $UNIT, \"rating\": \"satisfied\"}"

echo "# The transition log"
curl -sf "$BASE/proposals/$PROPOSAL/history/" -H "Authorization: Token $DELEGATE" | python3 -c 'import json, sys
for t in json.load(sys.stdin): print("  ", t["created_at"][:16], t["action"], t["from_state"], "→", t["to_state"], t["actor"]["name"])'
test "$(curl -sf "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $DELEGATE" | field state)" = closed
# Only the two tokens made here: auth/logout-all/ would sign out every client of these demo logins.
curl -sf -o /dev/null -X POST "$BASE/auth/logout/" -H "Authorization: Token $DELEGATE"
curl -sf -o /dev/null -X POST "$BASE/auth/logout/" -H "Authorization: Token $SECRETARY"
echo "# Done: proposal $PROPOSAL is closed."
