"""The product's URLs and, under /bench/, the baselines it is measured against."""

from django.urls import path

from bench import baselines
from tracker.urls import handler404, handler500  # noqa: F401
from tracker.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/raw/proposals/", baselines.raw_proposal_list),
    path("bench/raw/statistics/", baselines.raw_statistics),
    path("bench/raw/year-review/", baselines.raw_year_review),
    path("bench/naive/proposals/", baselines.NaiveProposalList.as_view()),
    path("bench/hello/", baselines.hello),
    path("bench/hello-api/", baselines.HelloAPI.as_view()),
    *product_urlpatterns,
]
