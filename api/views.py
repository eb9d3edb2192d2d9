"""The delegates' REST API: thin views that read through proposals.selectors and write through
proposals.services. Anything outside the caller's scope is 404, as if it did not exist."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from knox.views import LoginView as KnoxLoginView
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import conditional
from api import serializers as s
from api.authentication import TokenAuthentication
from api.filters import (
    HandlingUnitFilter,
    MeetingFilter,
    NeedFilter,
    ProposalFilter,
    ProposalFilterBackend,
    StableOrderingFilter,
)
from api.pagination import HandlingUnitPagination
from api.parsers import EvidenceMultiPartParser
from api.preconditions import expected_version, meeting_etag, need_etag, version_checked
from api.throttling import ScopedRateThrottle
from proposals import selectors, services
from proposals.diffs import text_diffs
from proposals.documents import proposal_docx
from proposals.models import HandlingUnit, Need, Notice, Proposal
from proposals.workflow import INPUTS_BY_NAME, AnswerClass, AnswerMethod, ExtensionMonths, Rating, UnitRole
from tracker.media import download_response

ID = r"[0-9]{1,18}"  # ids fit a 64-bit integer; longer ones are simply not found


class LanguageMixin:
    """Messages in the caller's language: Accept-Language when sent, else the profile's language."""

    def perform_authentication(self, request):
        super().perform_authentication(request)
        user = request.user
        explicit = "HTTP_ACCEPT_LANGUAGE" in request.META
        if user.is_authenticated and not explicit and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


# --- Authentication -----------------------------------------------------------------------------------


class WrongCredentials(exceptions.APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = gettext_lazy("Wrong username or password.")
    default_code = "wrong_credentials"
    auth_header = 'Token realm="api"'


@extend_schema(
    tags=["auth"], request=s.LoginSerializer, responses={200: s.TokenSerializer}, auth=[],
    summary="Get a token", description="Exchange a username and password for a token. Attempts are throttled.",
    examples=[OpenApiExample("Log in", value={"username": "demo-delegate", "password": "…"}, request_only=True)],
)  # fmt: skip
class TokenLoginView(LanguageMixin, KnoxLoginView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "login"

    def post(self, request, format=None):
        credentials = s.LoginSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(request._request, **credentials.validated_data)
        if user is None or not user.is_active:
            raise WrongCredentials()
        request.user = user
        return super().post(request, format=format)


@extend_schema(tags=["auth"], request=None, responses={204: None}, summary="Revoke this token")
class TokenLogoutView(LanguageMixin, KnoxLogoutView):
    authentication_classes = (TokenAuthentication,)


@extend_schema(tags=["auth"], request=None, responses={204: None}, summary="Revoke all my tokens")
class TokenLogoutAllView(LanguageMixin, KnoxLogoutAllView):
    authentication_classes = (TokenAuthentication,)


# --- Proposals ----------------------------------------------------------------------------------------


class BinaryRenderer(renderers.BaseRenderer):
    """Lets a client ask for a file download; the file itself goes out as it is."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description='The ETag of the proposal as you read it, e.g. "12-7". A stale one is refused with 412.',
)  # fmt: skip
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag of the proposal as you read it, e.g. "12-7". Missing: 428; stale: 412.',
)  # fmt: skip
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The proposal's version, for If-Match."}}
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The ETag of the answer you hold: 304 with no body while nothing it shows has changed.",
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List proposals",
        description="The proposals you may see, filtered and paged.",
        parameters=[IF_NONE_MATCH],
    ),
    retrieve=extend_schema(
        summary="One proposal", description="With the actions you could take now.", parameters=[IF_NONE_MATCH]
    ),
    create=extend_schema(
        summary="Draft a proposal",
        description="Secretaries and coordinators draft for their own organisation.",
        request=s.ProposalCreateSerializer,
        responses={201: s.ProposalDetailSerializer},
        examples=[
            OpenApiExample(
                "Draft",
                request_only=True,
                value={
                    "session": 1,
                    "kind": Proposal.Kind.SUGGESTION.value,
                    "topic": Proposal.Topic.JOBS.value,  # from the choices: a hand-written one went stale
                    "title": "关于支持青年返乡创业的建议",
                    "background": "我市返乡青年创业面临融资难、场地贵等问题。",
                },
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit the text",
        description="Only while the proposal is a draft, in research or in consultation. Every change is a revision.",
        request=s.ProposalTextSerializer,
        responses={200: s.ProposalDetailSerializer},
        parameters=[IF_MATCH_REQUIRED],
    ),
)
class ProposalViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    filterset_class = ProposalFilter
    filter_backends = [ProposalFilterBackend, StableOrderingFilter]
    ordering_fields = ("id", "created_at", "updated_at", "title")
    ordering = ("-id",)
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.proposals_for_api(self.request.user, detail=self.action != "list")

    def get_serializer_class(self):
        return s.ProposalListSerializer if self.action == "list" else s.ProposalDetailSerializer

    def get_object(self) -> Proposal:
        # Filters and ordering are for the list; a proposal is found by its id alone.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _etag(self, pk: int) -> str | None:
        """The detail's ETag from one query, before any body; None when the caller does not see it."""
        key = selectors.proposal_representation_key(self.request.user, pk)
        return None if key is None else conditional.detail_etag(self.request, pk, key)

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK, etag: str | None = None) -> Response:
        etag = etag or self._etag(pk)  # read before the body: a write in between makes the next poll a 200
        proposal = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.ProposalDetailSerializer(proposal, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": etag})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and self.action in ("list", "retrieve"):
            conditional.vary(response)
            response["Cache-Control"] = "private, no-cache"  # per caller; a poll revalidates with If-None-Match
        return response

    def _input(self, serializer_class, data=None) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data,
                                      context=self.get_serializer_context())  # fmt: skip
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def list(self, request, *args, **kwargs):
        proposals = selectors.list_page(request.user, self.filter_queryset, self.paginator.id_page(request, self))
        caller = selectors.caller_key(request.user)
        if "If-None-Match" in request.headers:
            # The rows the page would show, as the key reads them: the same filters, cursor and order, no body.
            keys = self.pagination_class()
            rows = keys.paginate_queryset(
                proposals.values(*selectors.LIST_KEY_COLUMNS, *selectors.LIST_CURSOR_COLUMNS), request, view=self
            )
            etag = conditional.page_etag(request, [selectors.proposal_list_row_key(row) for row in rows],
                                         keys.get_next_link(), keys.get_previous_link(), caller)  # fmt: skip
            if conditional.none_match(request, etag):
                return conditional.not_modified(etag)
        page = self.paginate_queryset(proposals)
        paginator = self.paginator
        etag = conditional.page_etag(request, [selectors.proposal_list_row_key(row) for row in page],
                                     paginator.get_next_link(), paginator.get_previous_link(), caller)  # fmt: skip
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response["ETag"] = etag
        return response

    def retrieve(self, request, *args, **kwargs):
        pk = int(self.kwargs["pk"])
        etag = self._etag(pk)
        if etag is None:
            raise exceptions.NotFound()  # outside the caller's scope, as get_object_or_404 would say
        if conditional.none_match(request, etag):
            return conditional.not_modified(etag)
        return self._detail(pk, etag=etag)

    def create(self, request, *args, **kwargs):
        user = request.user
        if not selectors.organisations_in_scope(user).filter(pk=user.organisation_id).exists():
            raise exceptions.PermissionDenied(_("Only secretaries and coordinators draft proposals."))
        data = self._input(s.ProposalCreateSerializer)
        proposal = services.proposal_create(author=user, organisation=user.organisation, **data)
        response = self._detail(proposal.pk, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    def partial_update(self, request, *args, **kwargs):
        proposal = self.get_object()
        expected = expected_version(request, proposal, required=True)
        data = self._input(s.ProposalTextSerializer)
        with version_checked(expected):
            services.proposal_update_text(
                proposal_id=proposal.pk, actor=request.user, expected_version=expected, **data
            )
        return self._detail(proposal.pk)

    @extend_schema(
        summary="Fire a workflow action", request=s.TransitionRequestSerializer,
        responses={200: OpenApiResponse(s.ProposalDetailSerializer, description="The proposal after the action.")},
        parameters=[IF_MATCH],
        description=(
            "Takes the action through the workflow. A refused action answers 409 with the failed guard's `code` "
            "(e.g. `lead_not_endorsed`). `allowed_actions` on the proposal says what you may do now, and which "
            "inputs each action takes; a unit is named by its id in /api/v1/handling-units/."
        ),
        examples=[
            OpenApiExample("Endorse", value={"action": "endorse", "note": "同意，建议尽快定稿。"}, request_only=True),
            OpenApiExample("Request changes", request_only=True,
                           value={"action": "request_changes", "note": "请补充返乡青年创业贷款的具体数据。"}),
            OpenApiExample("Record submission", request_only=True,
                           value={"action": "submit", "reference_number": "第0123号", "submitted_on": "2027-01-08"}),
            OpenApiExample("Assign a handling unit", request_only=True,
                           value={"action": "assign_unit", "unit": 3, "unit_role": UnitRole.LEAD.value,
                                  "assigned_on": "2027-02-10"}),
            OpenApiExample("Record a unit's answer", request_only=True, value={
                "action": "record_answer", "unit": 3, "answer": "已将青年创业担保贷款纳入2027年工作计划。",
                "answer_class": AnswerClass.B.value, "answer_method": AnswerMethod.WRITING.value,
                "answered_on": "2027-05-20"}),
            OpenApiExample("Rate a unit's answer", request_only=True,
                           value={"action": "rate", "unit": 3, "rating": Rating.UNSATISFIED.value,
                                  "note": "答复未提出具体措施。"}),
            OpenApiExample("Give a unit more time", request_only=True,
                           value={"action": "extend_answer", "unit": 3, "extend_by": ExtensionMonths.TWO.value,
                                  "note": "需会同财政部门测算资金。"}),
            OpenApiExample("Mark as a key supervised item", request_only=True,
                           value={"action": "supervise", "note": "事关全市青年就业，列为重点督办。"}),
            OpenApiExample("Raise it again", request_only=True, value={"action": "carry_forward", "session": 2}),
        ],
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="transitions", url_name="transitions")
    def transitions(self, request, pk=None):
        proposal = self.get_object()
        expected = expected_version(request, proposal, required=False)
        data = self._input(s.TransitionRequestSerializer)
        inputs = {name: data[name] for name in INPUTS_BY_NAME if name in data}
        with version_checked(expected):
            services.transition_apply(
                proposal_id=proposal.pk, actor=request.user, action=data["action"], note=data.get("note", ""),
                inputs=inputs, expected_version=expected,
            )  # fmt: skip
        return self._detail(proposal.pk)

    @extend_schema(methods=["get"], summary="The consultation thread", responses=s.CommentSerializer(many=True))
    @extend_schema(
        methods=["post"], summary="Comment", request=s.CommentCreateSerializer, parameters=[IF_MATCH],
        responses={201: s.CommentSerializer},
        examples=[OpenApiExample("Comment", value={"body": "第二条建议可否写明责任单位？"}, request_only=True)],
    )  # fmt: skip
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, pk=None):
        proposal = self.get_object()
        if request.method == "GET":
            return Response(s.CommentSerializer(selectors.comments_of(proposal), many=True).data)
        expected = expected_version(request, proposal, required=False)
        data = self._input(s.CommentCreateSerializer)
        with version_checked(expected):
            comment = services.comment_add(
                proposal_id=proposal.pk, actor=request.user, body=data["body"], expected_version=expected
            )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revisions of the text", responses=s.RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def revisions(self, request, pk=None):
        return Response(s.RevisionSerializer(selectors.revisions_of(self.get_object()), many=True).data)

    @extend_schema(summary="One revision", responses=s.RevisionSerializer)
    @action(detail=True, methods=["get"], url_path=rf"revisions/(?P<number>{ID})", url_name="revision")
    def revision(self, request, pk=None, number=None):
        revision = get_object_or_404(selectors.revisions_of(self.get_object()), number=number)
        return Response(s.RevisionSerializer(revision).data)

    @extend_schema(
        summary="Compare two revisions", responses=s.RevisionDiffSerializer,
        description="Side by side, line by line; in changed lines the changed characters are marked.",
        parameters=[s.RevisionDiffQuerySerializer],  # with the bounds the view checks
    )  # fmt: skip
    @action(detail=True, methods=["get"], url_path="revisions/diff", url_name="revision-diff", filter_backends=[])
    def revision_diff(self, request, pk=None):
        proposal = self.get_object()
        query = self._input(s.RevisionDiffQuerySerializer, data=request.query_params.dict())
        numbers = [query["from"], query["to"]]
        found = selectors.revisions_by_number(proposal, numbers)
        missing = [n for n in numbers if n not in found]
        if missing:
            raise exceptions.NotFound(_("Revision %(number)d does not exist.") % {"number": missing[0]})
        diff = {"from_number": numbers[0], "to_number": numbers[1],
                "fields": text_diffs(found[numbers[0]], found[numbers[1]])}  # fmt: skip
        return Response(s.RevisionDiffSerializer(diff).data)

    @extend_schema(methods=["get"], summary="Evidence", responses=s.EvidenceSerializer(many=True))
    @extend_schema(
        methods=["post"], summary="Upload evidence", request={"multipart/form-data": s.EvidenceUploadSerializer},
        responses={201: s.EvidenceSerializer},
        description="At most EVIDENCE_MAX_BYTES (10 MB by default); the content must match the file type. Research "
        "evidence until submission; after it, with `unit`, a handling unit's answer letter (capability "
        "`add_answer_letter`).",
    )  # fmt: skip
    @action(
        detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[],
        parser_classes=[EvidenceMultiPartParser],
    )  # fmt: skip
    def evidence(self, request, pk=None):
        proposal = self.get_object()
        if request.method == "GET":
            return Response(s.EvidenceSerializer(selectors.evidence_of(proposal), many=True, context={
                "request": request}).data)  # fmt: skip
        data = self._input(s.EvidenceUploadSerializer)  # the parser refused a file over the limit
        evidence = services.evidence_add(
            proposal_id=proposal.pk, actor=request.user, upload=data["file"], description=data.get("description", ""),
            unit_id=data.get("unit"),
        )  # fmt: skip
        return Response(s.EvidenceSerializer(evidence, context={"request": request}).data, status=201)

    @extend_schema(
        summary="Download evidence",
        # The file goes out with the type it was accepted as (services.EVIDENCE_TYPES), not as octet-stream.
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
            for content_type in sorted({file_type.content_type for file_type in services.EVIDENCE_TYPES.values()})
        },
    )  # fmt: skip
    @action(
        detail=True, methods=["get"], url_path=rf"evidence/(?P<evidence_id>{ID})", url_name="evidence-download",
        renderer_classes=[renderers.JSONRenderer, BinaryRenderer],
    )  # fmt: skip
    def evidence_download(self, request, pk=None, evidence_id=None):
        evidence = get_object_or_404(selectors.evidence_of(self.get_object()), pk=evidence_id)
        return download_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)

    @extend_schema(
        summary="Remove evidence", request=s.EvidenceRemovalSerializer, responses={204: None},
        description="Until the text is final, by those who steer the proposal; the file is deleted from storage "
        "and the removal logged with its reason. Replace a file by uploading the new one, then removing the old.",
    )  # fmt: skip
    @action(
        detail=True, methods=["post"], url_path=rf"evidence/(?P<evidence_id>{ID})/remove", url_name="evidence-remove"
    )
    def evidence_remove(self, request, pk=None, evidence_id=None):
        evidence = get_object_or_404(selectors.evidence_of(self.get_object()), pk=evidence_id)
        data = self._input(s.EvidenceRemovalSerializer)
        services.evidence_remove(evidence_id=evidence.pk, actor=request.user, reason=data["reason"])
        return Response(status=204)

    @extend_schema(
        summary="The proposal as a Word document",
        description="The official layout of a 议案, 建议 or 提案, with Chinese fonts declared for Word and WPS.",
        responses={
            (200, proposal_docx.DOCX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The .docx.")
        },
    )  # fmt: skip
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, BinaryRenderer])
    def document(self, request, pk=None):
        proposal = self.get_object()
        return FileResponse(
            io.BytesIO(proposal_docx.proposal_docx_bytes(proposal)), as_attachment=True,
            filename=proposal_docx.document_filename(proposal), content_type=proposal_docx.DOCX_CONTENT_TYPE,
        )  # fmt: skip

    @extend_schema(summary="The transition log", responses=s.TransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        return Response(s.TransitionSerializer(selectors.history_of(self.get_object()), many=True).data)

    @extend_schema(
        summary="Unassign a delegate", request=None,
        responses={200: OpenApiResponse(s.ProposalDetailSerializer, description="The proposal without them.")},
        description="A coordinator removes a delegate (by their `delegate.id`) before submission; logged in the "
        "history and told to the delegate and the secretaries. A delegate not on the proposal answers 404.",
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path=rf"delegates/(?P<delegate_id>{ID})/unassign", url_name="unassign")
    def unassign(self, request, pk=None, delegate_id=None):
        proposal = self.get_object()
        assignment = get_object_or_404(proposal.assignments.all(), delegate_id=delegate_id)
        services.delegate_unassign(proposal_id=proposal.pk, actor=request.user, assignment_id=assignment.pk)
        return self._detail(proposal.pk)


# --- Young people's needs (#16) ---------------------------------------------------------------------------


def _triage(actor, need_id: int, data: dict) -> Need:
    """The service of a triage action, with the one field it takes (the serializer refused any other)."""
    match data["action"]:
        case "accept":
            return services.need_accept(actor=actor, need_id=need_id, theme=data.get("theme"))
        case "merge":
            return services.need_merge(actor=actor, need_id=need_id, into_id=data.get("into"))
        case "decline":
            return services.need_decline(actor=actor, need_id=need_id, reason=data.get("reason"))
        case "forward":
            return services.need_forward(actor=actor, need_id=need_id, note=data.get("note", ""))
        case "link" | "unlink":
            linked = data["action"] == "link"
            return services.need_link(actor=actor, need_id=need_id, proposal_id=data.get("proposal"), linked=linked)
    raise AssertionError(data["action"])


@extend_schema_view(
    list=extend_schema(
        summary="List young people's needs", responses=s.NeedListSerializer(many=True),
        description="The needs (青年诉求) of the organisations you steer: a secretary's own organisation's, a "
        "coordinator's subtree's, everything for operators; with the contact details of who raised them. "
        "Delegates see none.",
    ),
    retrieve=extend_schema(
        summary="One need", responses={200: s.NeedDetailSerializer},
        description="With its log and the proposals it led to: their sessions and each unit's answer. The ETag "
        "header changes with every step of the need's log.",
    ),
    create=extend_schema(
        summary="Record a need", request=s.NeedCreateSerializer, responses={201: s.NeedDetailSerializer},
        description="A need heard from a survey, the hotline, a forum, a letter or a visit, recorded for an "
        "organisation you steer; it waits for triage. Contact details only with the person's consent; a reply "
        "needs an email address.",
        examples=[OpenApiExample("Record", request_only=True, value={
            "organisation": 5, "summary": "希望开展青年就业见习岗位对接", "topic": Proposal.Topic.JOBS.value,
            "channel": Need.Channel.SURVEY.value, "age_group": Need.AgeGroup.AGE_18_24.value,
            "group": Need.Group.JOB_SEEKERS.value, "people_count": 126, "county": 2,
            "details": "问卷中有126名应届毕业生反映缺少见习岗位。", "contact_name": "王同学",
            "contact_email": "wang@example.org", "contact_consent": True, "wants_reply": True,
            "language": "zh-hans"})],
    ),
)  # fmt: skip
class NeedViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    filterset_class = NeedFilter
    filter_backends = [ProposalFilterBackend, StableOrderingFilter]
    ordering_fields = ("id", "created_at", "updated_at", "people_count")
    ordering = ("-id",)
    lookup_value_regex = ID
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.needs_visible_to(self.request.user)

    def get_serializer_class(self):
        return s.NeedListSerializer if self.action == "list" else s.NeedDetailSerializer

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK, *, scoped: bool = True) -> Response:
        queryset = self.get_queryset() if scoped else Need.objects.select_related("organisation", "county")
        need = get_object_or_404(queryset.select_related("recorded_by").prefetch_related("events__actor"), pk=pk)
        data = s.NeedDetailSerializer(need, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": need_etag(need)})

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        data = dict(self._input(s.NeedCreateSerializer))
        need = services.need_record(actor=request.user, organisation_id=data.pop("organisation"), **data)
        response = self._detail(need.pk, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    @extend_schema(
        summary="Triage a need", request=s.NeedTriageSerializer,
        responses={200: OpenApiResponse(s.NeedDetailSerializer,
                                        description="The need after the action (merge: the need merged into).")},
        description=(
            "One action a time, each with its own field: `accept` under a `theme`; `merge` `into` another need "
            "(its count adds this one's people); `decline` with a `reason`; `forward` to the committee above, "
            "with an optional `note`; `link` an accepted need to a `proposal` you see, or `unlink` it. A merged "
            "or declined need takes no further action (400, with the field at fault in `errors`)."
        ),
        examples=[
            OpenApiExample("Accept", request_only=True, value={"action": "accept", "theme": "青年就业见习"}),
            OpenApiExample("Merge a duplicate", request_only=True, value={"action": "merge", "into": 12}),
            OpenApiExample("Decline", request_only=True,
                           value={"action": "decline", "reason": "属于个人劳动争议，已转交劳动监察部门。"}),
            OpenApiExample("Forward", request_only=True, value={"action": "forward", "note": "涉及全市政策。"}),
            OpenApiExample("Link to a proposal", request_only=True, value={"action": "link", "proposal": 7}),
            OpenApiExample("Unlink", request_only=True, value={"action": "unlink", "proposal": 7}),
        ],
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="triage", url_name="triage", filter_backends=[])
    def triage(self, request, pk=None):
        need = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(s.NeedTriageSerializer)
        need = _triage(request.user, need.pk, data)
        # A secretary who forwarded a need up reads it once more as it left: the committee above's from now on.
        return self._detail(need.pk, scoped=data["action"] != "forward")


# --- Face-to-face meetings (#16) ------------------------------------------------------------------------

MEETING_EXAMPLE = {
    "organisation": 3, "theme": "青年就业创业面对面", "starts_at": "2027-03-18T14:30:00+08:00",
    "place": "朔城区青年之家", "delegates": [1, 4], "young_people": 40,
    "agenda": "一、通报全区青年就业情况；二、代表委员与青年交流。", "needs": [2], "proposals": [5],
}  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List face-to-face meetings", responses=s.MeetingListSerializer(many=True),
        description="The meetings (共青团与人大代表、政协委员面对面) of the organisations you steer, or for a "
        "delegate those you attend; latest first.",
    ),
    retrieve=extend_schema(summary="One meeting", responses={200: s.MeetingDetailSerializer}),
    create=extend_schema(
        summary="Record a meeting", request=s.MeetingInputSerializer, responses={201: s.MeetingDetailSerializer},
        description="For an organisation you steer. The delegates attending are invited by mail with the meeting "
        "as a calendar event, reminded the day before; you are reminded of the minutes a week after.",
        examples=[OpenApiExample("Record", request_only=True, value=MEETING_EXAMPLE)],
    ),
    partial_update=extend_schema(
        summary="Change a meeting", request=s.MeetingChangeSerializer, responses={200: s.MeetingDetailSerializer},
        description="Its organisers. A new time or place is announced again to the delegates attending.",
        examples=[OpenApiExample("Move", request_only=True, value={"place": "应县青年之家"})],
    ),
)  # fmt: skip
class MeetingViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    filterset_class = MeetingFilter
    filter_backends = [ProposalFilterBackend, StableOrderingFilter]
    ordering_fields = ("id", "starts_at")
    ordering = ("-starts_at", "-id")
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.meetings_visible_to(self.request.user).prefetch_related("delegates__user")

    def get_serializer_class(self):
        return s.MeetingListSerializer if self.action == "list" else s.MeetingDetailSerializer

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        meeting = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.MeetingDetailSerializer(meeting, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": meeting_etag(meeting)})

    def _input(self, serializer_class, *, partial: bool = False) -> dict:
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        data = self._input(s.MeetingInputSerializer)
        meeting = services.meeting_save(actor=request.user, organisation_id=data.pop("organisation"), **data)
        response = self._detail(meeting.pk, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    def partial_update(self, request, *args, **kwargs):
        meeting = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        data = self._input(s.MeetingChangeSerializer, partial=True)
        services.meeting_save(actor=request.user, meeting_id=meeting.pk, **data)
        return self._detail(meeting.pk)

    @extend_schema(
        summary="Record a meeting's minutes", request=s.MeetingMinutesSerializer,
        responses={200: s.MeetingDetailSerializer},
        description="Its organisers, once the meeting has taken place.",
        examples=[OpenApiExample("Minutes", request_only=True,
                                 value={"minutes": "与会代表建议扩大见习基地，提高见习补贴，由团区委跟进。"})],
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="minutes", url_name="minutes", filter_backends=[])
    def minutes(self, request, pk=None):
        meeting = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(s.MeetingMinutesSerializer)
        services.meeting_minutes_record(actor=request.user, meeting_id=meeting.pk, minutes=data["minutes"])
        return self._detail(meeting.pk)


# --- Sessions, organisations, me ----------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="Sessions"), retrieve=extend_schema(summary="One session"))
class SessionViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.SessionSerializer
    lookup_value_regex = ID
    filter_backends = []

    def get_queryset(self):
        return selectors.sessions_visible_to(self.request.user)


@extend_schema_view(list=extend_schema(summary="Organisations"), retrieve=extend_schema(summary="One organisation"))
class OrganisationViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.OrganisationSerializer
    lookup_value_regex = ID
    filter_backends = []

    def get_queryset(self):
        return selectors.organisations_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Handling units", description="The directory of handling units (承办单位)."),
    retrieve=extend_schema(summary="One handling unit"),
    create=extend_schema(
        summary="Add a handling unit", request=s.HandlingUnitInputSerializer, responses={201: s.HandlingUnitSerializer},
        description="Coordinators and operators keep the directory.",
        examples=[OpenApiExample("Add", request_only=True, value={
            "name": "朔州市人力资源和社会保障局", "short_name": "市人社局", "level": HandlingUnit.Level.CITY.value,
            "contact_person": "王主任", "contact_email": "rsj@example.org"})],
    ),
    partial_update=extend_schema(
        summary="Change a handling unit", request=s.HandlingUnitInputSerializer,
        responses={200: s.HandlingUnitSerializer},
        description="Coordinators and operators. A unit is never deleted: `is_active: false` offers it no more.",
        examples=[OpenApiExample("Deactivate", request_only=True, value={"is_active": False})],
    ),
)  # fmt: skip
class HandlingUnitViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.HandlingUnitSerializer
    filterset_class = HandlingUnitFilter
    pagination_class = HandlingUnitPagination
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.handling_units()

    def create(self, request, *args, **kwargs):
        unit = services.handling_unit_save(actor=request.user, **self._input())
        return Response(s.HandlingUnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        unit = services.handling_unit_save(
            actor=request.user, unit_id=self.get_object().pk, **self._input(partial=True)
        )
        return Response(s.HandlingUnitSerializer(unit).data)

    def _input(self, partial: bool = False) -> dict:
        serializer = s.HandlingUnitInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class MeView(LanguageMixin, APIView):
    @extend_schema(summary="My profile and preferences", responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        summary="Change my language and reminder preferences", request=s.PreferencesSerializer,
        responses=s.MeSerializer,
        examples=[OpenApiExample("Daily digest", value={"reminder_mode": "digest", "digest_hour": 8},
                                 request_only=True)],
    )  # fmt: skip
    def patch(self, request):
        serializer = s.PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        services.user_update_preferences(user=user, **serializer.validated_data)
        return Response(s.MeSerializer(user, context={"request": request}).data)


class MyCalendarRegenerateView(LanguageMixin, APIView):
    @extend_schema(
        summary="Make my calendar feed's address", request=None, responses=s.MeSerializer,
        description="A new secret `calendar_url`, in this answer only (only its hash is kept); the old address "
        "answers 404 from now on. Subscribe with the new one.",
    )  # fmt: skip
    def post(self, request):
        token = services.calendar_token_regenerate(user=request.user)
        context = {"request": request, "calendar_token": token}
        response = Response(s.MeSerializer(request.user, context=context).data)
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema(summary="My reminders", description="Every reminder planned for me or sent to me, newest first.")
class MyRemindersView(LanguageMixin, ListAPIView):
    serializer_class = s.ReminderSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.reminders_of(self.request.user)


@extend_schema(
    summary="My notifications", parameters=[s.NoticeQuerySerializer],
    description="Every notice for me, newest first: what happened to a proposal I take part in, who did it, and "
    "whether I read it. `?unread=true` lists the unread only.",
)  # fmt: skip
class MyNotificationsView(LanguageMixin, ListAPIView):
    serializer_class = s.NoticeSerializer
    filter_backends = []

    def get_queryset(self):
        query = s.NoticeQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return selectors.notices_of(self.request.user, unread=query.validated_data.get("unread", False))


class MyNotificationReadView(LanguageMixin, APIView):
    @extend_schema(summary="Mark one of my notifications read", request=None, responses=s.NoticeSerializer)
    def post(self, request, notice_id):
        try:
            services.notice_mark_read(user=request.user, notice_id=notice_id)
        except Notice.DoesNotExist:
            raise exceptions.NotFound() from None  # another's notice does not exist for the caller
        notice = selectors.notices_of(request.user).get(pk=notice_id)
        return Response(s.NoticeSerializer(notice).data)


class MyNotificationsReadAllView(LanguageMixin, APIView):
    @extend_schema(
        summary="Mark all my notifications read", request=None,
        responses=inline_serializer("NoticesMarked", {"marked": serializers.IntegerField()}),
    )  # fmt: skip
    def post(self, request):
        return Response({"marked": services.notices_mark_all_read(user=request.user)})
