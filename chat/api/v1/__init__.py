"""The project's own REST API: DRF ViewSets over chat/ and invites/, routed under /api/v1/."""
