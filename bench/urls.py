"""ROOT_URLCONF for benches (settings use it when AMENDS_BENCH=1): the product's URLs plus the ceiling view."""

from django.urls import path

from amends.config.urls import urlpatterns as product_urlpatterns

from .ceiling.views import ceiling, ready

urlpatterns = [
    path("bench/ceiling", ceiling, name="bench-ceiling"),
    path("bench/ready", ready, name="bench-ready"),
    *product_urlpatterns,
]
