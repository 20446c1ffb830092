"""Routes that domain apps add to the API (the core never imports them): firms, credit lists…"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiRoute:
    route: str  # under /api/v1/, e.g. "firms/"
    view: Any  # an APIView class
    name: str


_ROUTES: dict[str, ApiRoute] = {}


def register_route(route: ApiRoute) -> None:
    _ROUTES[route.name] = route


def routes() -> list[ApiRoute]:
    return sorted(_ROUTES.values(), key=lambda r: r.route)
