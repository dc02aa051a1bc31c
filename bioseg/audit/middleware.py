import uuid

from bioseg.audit.context import audit_context


class AuditRequestMiddleware:
    """Gives each request an id and makes its user the actor of every write it causes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else "anonymous"
        with audit_context(actor=actor, request_id=request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
