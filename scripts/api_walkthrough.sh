#!/usr/bin/env bash
# One proposal's life from consultation to the rating of the answer, through the REST API with curl only.
# Start the product first (`make run`); it needs the demo data. BASE points elsewhere if needed.
#
#   bash scripts/api_walkthrough.sh
#
# It mutates the demo data: the chosen proposal ends closed. `make clean-var && make run` starts afresh.
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8000/api/v1}
PASSWORD=${DEMO_PASSWORD:-shuozhou-demo-2026}

show() {  # print some keys of a JSON object (all of it without keys), Chinese left readable
    python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps(d if len(sys.argv) < 2 else {k: d.get(k) for k in sys.argv[1:]}, ensure_ascii=False))' "$@"
}
token() {
    curl -sf -X POST "$BASE/auth/token/" -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$PASSWORD\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
etag() {  # the proposal's ETag, as the caller reads it
    curl -s -o /dev/null -D - "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $1" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'
}
act() {  # act TOKEN JSON: fire a workflow action with the current ETag
    local tag; tag=$(etag "$1")
    echo "\$ curl -X POST $BASE/proposals/$PROPOSAL/transitions/ -H 'If-Match: $tag' -d '$2'"
    curl -s -X POST "$BASE/proposals/$PROPOSAL/transitions/" -H "Authorization: Token $1" \
        -H 'Content-Type: application/json' -H "If-Match: $tag" -d "$2" | show state version revision_number code detail
}

DELEGATE=$(token demo-delegate)
SECRETARY=$(token demo-secretary)
ME=$(curl -sf "$BASE/me/" -H "Authorization: Token $DELEGATE" | python3 -c 'import json, sys; print(json.load(sys.stdin)["delegate"]["id"])')
PROPOSAL=$(curl -sf "$BASE/proposals/?state=consultation&lead_delegate=$ME&page_size=1" -H "Authorization: Token $DELEGATE" \
    | python3 -c 'import json, sys; r = json.load(sys.stdin)["results"]; print(r[0]["id"] if r else "")')
if [ -z "$PROPOSAL" ]; then
    echo "No proposal in consultation with demo-delegate as lead is left; run 'make clean-var' and 'make run' again." >&2
    exit 1
fi

echo "# The lead delegate reads proposal $PROPOSAL and what they may do now"
curl -s "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $DELEGATE" | show title state revision_number version
curl -s "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $DELEGATE" | python3 -c 'import json, sys
for a in json.load(sys.stdin)["allowed_actions"]: print("  ", a["action"], "allowed" if a["allowed"] else "not now: " + a["reason"])'
act "$DELEGATE" '{"action": "comment", "note": "第二条建议请写明牵头单位。"}'
act "$DELEGATE" '{"action": "request_changes", "note": "请补充直播从业青年心理咨询需求的调研数据。"}'

echo "# The secretary edits the text: without If-Match (refused), then with it"
curl -s -X PATCH "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $SECRETARY" -H 'Content-Type: application/json' \
    -d '{"research_findings": "…"}' | show status code detail
curl -s -X PATCH "$BASE/proposals/$PROPOSAL/" -H "Authorization: Token $SECRETARY" -H 'Content-Type: application/json' \
    -H "If-Match: $(etag "$SECRETARY")" \
    -d '{"research_findings": "对全市312名电商直播从业青年的问卷显示，41%存在焦虑情绪，仅6%接受过专业心理咨询。"}' \
    | show state revision_number version
act "$SECRETARY" '{"action": "start_consultation"}'
act "$SECRETARY" '{"action": "finalise"}'
act "$DELEGATE" '{"action": "endorse", "note": "同意。"}'
act "$SECRETARY" '{"action": "finalise"}'
act "$DELEGATE" "{\"action\": \"submit\", \"reference_number\": \"第$(date +%H%M%S)号\"}"
act "$DELEGATE" '{"action": "register", "note": "已立案，交市卫健委办理。"}'
act "$DELEGATE" '{"action": "record_answer", "handling_units": "市卫生健康委员会", "answer": "已在三个直播产业园设立青年心理服务站。"}'
act "$DELEGATE" '{"action": "rate", "rating": "satisfied"}'

echo "# The transition log"
curl -s "$BASE/proposals/$PROPOSAL/history/" -H "Authorization: Token $DELEGATE" | python3 -c 'import json, sys
for t in json.load(sys.stdin): print("  ", t["created_at"][:16], t["action"], t["from_state"], "→", t["to_state"], t["actor"]["name"])'
curl -s -o /dev/null -X POST "$BASE/auth/logout-all/" -H "Authorization: Token $DELEGATE"
curl -s -o /dev/null -X POST "$BASE/auth/logout-all/" -H "Authorization: Token $SECRETARY"
