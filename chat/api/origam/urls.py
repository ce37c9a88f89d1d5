"""URL patterns (filled in by the protocol adapter)."""

urlpatterns: list = []
