import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import Hit


@csrf_exempt
@require_POST
def ceiling(request: HttpRequest) -> JsonResponse:
    """Parse the JSON body, insert one row, answer 201: the same request as intake, minus the product."""
    try:
        body = json.loads(request.body)
        note = str(body.get("customer", {}).get("external_id", ""))[:128] if isinstance(body, dict) else ""
    except ValueError:
        note = ""
    hit = Hit.objects.create(note=note)
    return JsonResponse({"id": hit.pk}, status=201)


@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """What the harness polls until a gunicorn worker answers: no database, no log line."""
    return HttpResponse("ok", content_type="text/plain")
