"""The Origam client's files: avatars, and the client build (its page, chatAssets/ and other files).

Mounted at the root after the API (chatrooms/Chat/). The catch-all for the build's other files never takes a
path under chatrooms/Chat/ or chatrooms/Avatar/, so an API path nobody answers stays a 404 and can never be
shadowed by a file of the build that happens to carry that name.
"""

from django.urls import path, re_path

from chat.api.origam import assets

urlpatterns = [
    re_path(r"^chatrooms/Avatar/(?P<user_id>[^/]+)/?\Z", assets.avatar, name="origam-avatar"),
    path("chatrooms", assets.app_root, name="origam-app-root"),
    path("chatrooms/", assets.app_page, name="origam-app-page"),
    path("chatrooms/index.html", assets.app_page, name="origam-app-index"),
    path("chatAssets/<path:path>", assets.app_asset, name="origam-app-asset"),
    re_path(r"^chatrooms/(?!(?:Chat|Avatar)(?:/|\Z))(?P<path>.+)\Z", assets.app_file, name="origam-app-file"),
]
