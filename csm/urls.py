"""URLs: the pages outside organizations, the API, and every organization's pages under /<org_slug>/."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from accounts.views import home
from csm import api
from csm.views import assets, auth, org_settings

settings_patterns: tuple[list[URLPattern | URLResolver], str] = (
    [
        path("", org_settings.index, name="index"),
        path("organization/", org_settings.organization, name="organization"),
        path("members/", org_settings.members, name="members"),
        path("members/invite/", org_settings.invite, name="invite"),
        path("members/<int:pk>/role/", org_settings.member_role, name="member_role"),
        path("members/<int:pk>/deactivate/", org_settings.member_deactivate, name="member_deactivate"),
        path("members/<int:pk>/reactivate/", org_settings.member_reactivate, name="member_reactivate"),
        path("invitations/<int:pk>/resend/", org_settings.invitation_resend, name="invitation_resend"),
        path("invitations/<int:pk>/revoke/", org_settings.invitation_revoke, name="invitation_revoke"),
        path("api-keys/", org_settings.api_keys, name="api_keys"),
        path("api-keys/<int:pk>/revoke/", org_settings.api_key_revoke, name="api_key_revoke"),
        path("activity/", org_settings.activity, name="activity"),
        path("emails/", org_settings.emails, name="emails"),
    ],
    "settings",
)

organization_patterns: list[URLPattern | URLResolver] = [
    path("", home.today, name="org_home"),
    path("", include("accounts.urls")),
    path("dashboards/", include("csm.dashboards.urls")),
    path("playbooks/", include("playbooks.urls")),
    path("settings/", include(settings_patterns)),
]

urlpatterns = [
    path("", auth.home, name="home"),
    path("favicon.ico", assets.favicon, name="favicon"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", auth.signup, name="signup"),
    path("signup/sent/", auth.signup_sent, name="signup_sent"),
    path("signup/resend/", auth.signup_resend, name="signup_resend"),
    path("signup/confirm/<str:token>/", auth.signup_confirm, name="signup_confirm"),
    path("password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("profile/", auth.profile, name="profile"),
    path("profile/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("orgs/", auth.org_chooser, name="org_chooser"),
    path("orgs/new/", auth.org_create, name="org_create"),
    path("invitations/<str:token>/", auth.invitation_accept, name="invitation_accept"),
    path("api/v1/", api.api.urls),
    path("api/<path:rest>", api.not_found),
    path("<slug:org_slug>/", include(organization_patterns)),
]
