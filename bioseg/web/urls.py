from django.urls import path

from bioseg.web.views import audit, auth, dashboard, pilots, registry, wizard

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
    path("pilots/", pilots.pilot_list, name="pilot-list"),
    path("pilots/new/", pilots.pilot_create, name="pilot-create"),
    path("pilots/<int:pk>/", pilots.pilot_detail, name="pilot-detail"),
    path("pilots/<int:pk>/facts/", pilots.pilot_facts, name="pilot-facts"),
    path("pilots/<int:pk>/assess/", pilots.pilot_assess, name="pilot-assess"),
    path("pilots/<int:pk>/evidence/", pilots.pilot_evidence, name="pilot-evidence"),
    path("pilots/<int:pk>/evidence/<int:ev_pk>/", pilots.pilot_evidence_download, name="pilot-evidence-file"),
    path("pilots/<int:pk>/submit/", pilots.pilot_submit, name="pilot-submit"),
    path("pilots/<int:pk>/review/", pilots.pilot_review, name="pilot-review"),
    path("pilots/<int:pk>/joint-plan/", pilots.pilot_joint_plan, name="pilot-joint-plan"),
    path("pilots/<int:pk>/decide/", pilots.pilot_decide, name="pilot-decide"),
    path("pilots/<int:pk>/return/", pilots.pilot_return, name="pilot-return"),
    path("pilots/<int:pk>/determinations/<int:det_pk>/", pilots.pilot_determination, name="pilot-determination"),
]
