"""URLs of the subsidies app: the office's pages, the staff's skill-reward claims and the
members' own pages (no login). The API is in hedong_union/api_urls.py."""

from django.urls import path

from subsidies.views import batches, claims, office, organisations, public

app_name = "subsidies"
urlpatterns = [
    path("", office.index, name="index"),
    # The district office (the leadership group reads)
    path("overview/", office.overview, name="overview"),
    path("overview/export/", office.totals_export, name="totals_export"),
    path("years/", office.year_list, name="year_list"),
    path("years/add/", office.year_add, name="year_add"),
    path("years/<int:pk>/edit/", office.year_edit, name="year_edit"),
    path("programmes/<int:pk>/edit/", office.programme_edit, name="programme_edit"),
    path("universal/", office.universal_run, name="universal_run"),
    path("entitlements/", office.entitlement_list, name="entitlement_list"),
    path("entitlements/submit/", office.entitlements_submit, name="entitlements_submit"),
    path("entitlements/approve/", office.entitlements_approve, name="entitlements_approve"),
    path("entitlements/<int:pk>/reject/", office.entitlement_reject, name="entitlement_reject"),
    path("batches/", batches.batch_list, name="batch_list"),
    path("batches/create/", batches.batch_create, name="batch_create"),
    path("batches/<int:pk>/", batches.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/status/", batches.batch_status, name="batch_status"),
    path("batches/<int:pk>/approve/", batches.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/payment-file/", batches.batch_payment_file,
         name="batch_payment_file"),
    path("batches/<int:pk>/download/", batches.batch_download, name="batch_download"),
    path("batches/<int:pk>/result/", batches.batch_result_upload, name="batch_result_upload"),
    path("batches/<int:pk>/retry-failed/", batches.batch_retry_failed,
         name="batch_retry_failed"),
    path("results/<int:pk>/", batches.result_upload_detail, name="result_upload_detail"),
    path("results/<int:pk>/status/", batches.result_upload_status,
         name="result_upload_status"),
    path("organisations/", organisations.organisation_programmes,
         name="organisation_programmes"),
    path("organisations/development/", organisations.development_create,
         name="development_create"),
    path("organisations/grants/", organisations.industry_grant_create,
         name="industry_grant_create"),
    path("organisations/rebates/", organisations.founding_rebate_record,
         name="founding_rebate_record"),
    path("organisations/model-homes/", organisations.model_home_selection_add,
         name="model_home_selection_add"),
    path("organisations/model-homes/awards/", organisations.model_home_awards_create,
         name="model_home_awards_create"),
    path("organisations/social-workers/", organisations.social_worker_add,
         name="social_worker_add"),
    # Street, community and industry staff
    path("skill-claims/", claims.skill_claim_list, name="skill_claim_list"),
    path("skill-claims/new/", claims.skill_claim_create, name="skill_claim_create"),
    # Members, without an account
    path("spring-return/", public.spring_return, name="public_spring_return"),
    path("mine/", public.self_service, name="public_self_service"),
    path("mine/leave/", public.leave, name="public_leave"),
]
