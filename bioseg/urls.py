from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from bioseg.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # browsers ask for /favicon.ico whatever the page says: send them to the SVG icon
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("web/favicon.svg"))),
    path("", include("bioseg.web.urls")),
]
