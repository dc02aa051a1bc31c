from django.urls import path

from bioseg.web.views import audit, auth, dashboard, registry, wizard

app_name = "web"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("enterprises/", registry.enterprise_list, name="enterprise-list"),
    path("enterprises/<int:pk>/", registry.enterprise_detail, name="enterprise-detail"),
    path("sites/", registry.site_list, name="site-list"),
    path("sites/new/", registry.site_create, name="site-create"),
    path("sites/<int:pk>/", registry.site_detail, name="site-detail"),
    path("sites/<int:pk>/edit/", registry.site_edit, name="site-edit"),
    path("products/", registry.product_list, name="product-list"),
    path("products/new/", registry.product_create, name="product-create"),
    path("products/<int:pk>/", registry.product_detail, name="product-detail"),
    path("products/<int:pk>/edit/", registry.product_edit, name="product-edit"),
    path("personnel/", registry.person_list, name="person-list"),
    path("personnel/<int:pk>/", registry.person_detail, name="person-detail"),
    path("<str:kind>/<int:pk>/history/", audit.history, name="history"),
    path("audit/", audit.audit_verify, name="audit"),
    path("wizard/", wizard.wizard, name="wizard"),
    path("wizard/pdf/", wizard.wizard_pdf, name="wizard-pdf"),
]
