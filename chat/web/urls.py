"""The Origam client build: its page, chatAssets/ and other files, mounted at the root after the API.

The catch-all for the build's other files never takes a path under chatrooms/Chat/ or chatrooms/Avatar/, so an
API path nobody answers stays a 404 and can never be shadowed by a file of the build that happens to carry that
name.
"""

from django.urls import path, re_path

from chat.web import client_build

urlpatterns = [
    path("chatrooms", client_build.app_root, name="origam-app-root"),
    path("chatrooms/", client_build.app_page, name="origam-app-page"),
    path("chatrooms/index.html", client_build.app_page, name="origam-app-index"),
    path("chatAssets/<path:path>", client_build.app_asset, name="origam-app-asset"),
    re_path(r"^chatrooms/(?!(?:Chat|Avatar)(?:/|\Z))(?P<path>.+)\Z", client_build.app_file, name="origam-app-file"),
]
