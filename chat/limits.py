"""Length limits of the domain, each written once: the model fields, the services and both adapters use these."""

# The username of Django's user model: 150 characters.
USERNAME_MAX_LENGTH = 150
DISPLAY_NAME_MAX_LENGTH = 150
# Far beyond any real password, and small enough that hashing one costs nothing unusual.
PASSWORD_MAX_LENGTH = 4096
CHATROOM_NAME_MAX_LENGTH = 100
CHANNEL_NAME_MAX_LENGTH = 64
REFERENCE_CATEGORY_MAX_LENGTH = 200
KEY_ID_MAX_LENGTH = 64
# Why a message was hidden, and why a moderation act was done.
REASON_MAX_LENGTH = 500
MODERATION_TARGET_MAX_LENGTH = 200
TOKEN_NAME_MAX_LENGTH = 100
# A raw token is 43 characters; anything much longer is not one of ours.
TOKEN_MAX_LENGTH = 200
# Stored invite ids are 32 characters; a client may send the `teahaz:<chatroom>/<invite>` form, hence 200 on the wire.
INVITE_ID_MAX_LENGTH = 64
INVITE_REFERENCE_MAX_LENGTH = 200
# The name a file message keeps for its file (what the admin shows).
FILE_NAME_MAX_LENGTH = 255
# A search is a few words; its results are one page.
SEARCH_QUERY_MAX_LENGTH = 200
SEARCH_RESULTS_MAX = 100
