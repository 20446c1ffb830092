"""Sign-in settings (tracker.accounts): the second factor (TOTP), LDAP and OIDC single sign-on.

Star-imported by ``tracker.config.settings``, which adds the LDAP and OIDC backends to
``AUTHENTICATION_BACKENDS`` when they are configured. Every upper-case name here is a setting.
"""

from __future__ import annotations

import os

from tracker.config.env import DEBUG, env_bool

# Second factor (TOTP) for reform admins and inspectors: on in production, off in the demo.
TOTP_REQUIRED = env_bool("TRACKER_TOTP_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("TRACKER_TOTP_ISSUER", "中介服务与收费清理台账")

# LDAP sign-in (ldap3), on when TRACKER_LDAP_URI is set. See README "Single sign-on".
LDAP_URI = os.environ.get("TRACKER_LDAP_URI", "")
LDAP_BIND_DN = os.environ.get("TRACKER_LDAP_BIND_DN", "")
LDAP_BIND_PASSWORD = os.environ.get("TRACKER_LDAP_BIND_PASSWORD", "")
LDAP_USER_BASE = os.environ.get("TRACKER_LDAP_USER_BASE", "")
LDAP_USER_FILTER = os.environ.get("TRACKER_LDAP_USER_FILTER", "(uid={username})")
LDAP_GROUP_BASE = os.environ.get("TRACKER_LDAP_GROUP_BASE", "")
LDAP_GROUP_FILTER = os.environ.get("TRACKER_LDAP_GROUP_FILTER", "(member={dn})")
LDAP_START_TLS = env_bool("TRACKER_LDAP_START_TLS", False)
# JSON list of {"group": DN, "role": staff|admin|inspector|viewer, "jurisdiction": code}: the
# first row whose group the person belongs to gives the role and jurisdiction.
LDAP_GROUP_MAP = os.environ.get("TRACKER_LDAP_GROUP_MAP", "[]")

# OIDC sign-in (mozilla-django-oidc), on when TRACKER_OIDC_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = os.environ.get("TRACKER_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("TRACKER_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("TRACKER_OIDC_SIGN_ALGO", "RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("TRACKER_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("TRACKER_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("TRACKER_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("TRACKER_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SCOPES = os.environ.get("TRACKER_OIDC_SCOPES", "openid email profile")
OIDC_USERNAME_CLAIM = os.environ.get("TRACKER_OIDC_USERNAME_CLAIM", "preferred_username")
# JSON list of {"claim": name, "value": v, "role": ..., "jurisdiction": code}: the first row
# whose claim holds the value (or contains it, for list claims) gives role and jurisdiction.
OIDC_CLAIM_MAP = os.environ.get("TRACKER_OIDC_CLAIM_MAP", "[]")
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
