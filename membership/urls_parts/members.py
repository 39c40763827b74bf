"""URLs of the members pages."""

from django.urls import path

from membership.views import members as views

urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/enroll/", views.member_enroll, name="member_enroll"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("members/<int:pk>/card/", views.member_card, name="member_card"),
    path("members/<int:pk>/dues/", views.member_dues, name="member_dues"),
]
