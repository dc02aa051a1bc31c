from ninja import NinjaAPI

api = NinjaAPI(title="bioseg API", version="1", urls_namespace="api")
