"""Security settings: login throttling (django-axes) and the trusted proxies, the Content
Security Policy, session and cookie settings, and the HTTPS settings of a deployment (DEBUG off).

Star-imported by ``tracker.config.settings``: every upper-case name here is a setting.
"""

from __future__ import annotations

import datetime
import os

from tracker.config.env import DEBUG, env_bool

# Login throttling: lock an account, and separately an IP address, after repeated failures,
# always with a cool-off (never a permanent lock). With 5 failures per 15 minutes an account
# sees at most 20 failed attempts an hour, well under the limit of 100.
AXES_FAILURE_LIMIT = int(os.environ.get("TRACKER_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("TRACKER_LOGIN_COOLOFF_MINUTES", "15"))
)
# Per account *and* client: five failures lock that account from that client only, so no one
# client can lock anyone else out (behind a proxy the client is taken from X-Forwarded-For,
# below; without TRACKER_PROXY_COUNT the header is ignored and REMOTE_ADDR is the client).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# Reverse proxies in front of the app (nginx: 1). Each appends the address it was connected
# from to X-Forwarded-For, so the client is the N-th entry from the right; anything further
# left was written by the client and is never trusted. tracker.web.security.client_ip does
# this for django-axes and the security log (django-ipware, with the same count and header
# precedence below, insists on the proxies' own addresses in the header too, which nginx's
# $proxy_add_x_forwarded_for does not add: with it alone every client behind nginx resolved
# to no address, one shared lockout).
TRACKER_PROXY_COUNT = int(os.environ.get("TRACKER_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "tracker.web.security.client_ip"
AXES_IPWARE_PROXY_COUNT = TRACKER_PROXY_COUNT or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRACKER_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Content Security Policy: no inline scripts, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", str(8 * 3600)))
# Inactivity expiry: each save restarts SESSION_COOKIE_AGE; SessionActivityMiddleware saves
# the session at most once a minute (SESSION_ACTIVITY_RESOLUTION) instead of on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ACTIVITY_RESOLUTION = int(os.environ.get("DJANGO_SESSION_ACTIVITY_RESOLUTION", "60"))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    if env_bool("DJANGO_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
