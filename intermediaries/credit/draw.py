"""The 双随机 draw, in one place: deterministic from the seed and the frozen candidate lists.

Algorithm (published so that anyone can re-run it):

1. firms = the frozen firm ids sorted ascending; inspectors likewise;
2. rng = ``random.Random(seed)`` (Python's string seeding: SHA-512 of the seed text, stable
   across Python versions);
3. drawn firms = ``rng.sample(firms, firm_count)``, in that order;
4. for each drawn firm in order: eligible = the sorted inspectors not excluded for that firm;
   its inspectors = ``sorted(rng.sample(eligible, inspectors_per_firm))``.

The candidate lists are canonical JSON (sorted keys, no spaces); their SHA-256 and the seed's
SHA-256 are published when the plan is committed, before the draw.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass


def canonical(candidates: dict) -> str:
    return json.dumps(
        {
            "firms": sorted(int(f) for f in candidates.get("firms", [])),
            "inspectors": sorted(int(i) for i in candidates.get("inspectors", [])),
            "excluded": {
                str(k): sorted(int(i) for i in v)
                for k, v in sorted(
                    candidates.get("excluded", {}).items(), key=lambda kv: int(kv[0])
                )
                if v
            },
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Drawn:
    firm_id: int
    inspector_ids: tuple[int, ...]


class DrawImpossible(ValueError):
    """The plan asks for more than its candidate lists can give."""


def problems(candidates: dict, firm_count: int, per_firm: int) -> list[str]:
    """Why a draw from these lists cannot be made (checked before the seed is committed)."""
    firms = candidates.get("firms", [])
    inspectors = candidates.get("inspectors", [])
    out = []
    if firm_count > len(firms):
        out.append(f"要求抽取 {firm_count} 家机构，但符合条件的机构只有 {len(firms)} 家。")
    excluded = {str(k): set(v) for k, v in candidates.get("excluded", {}).items()}
    short = [
        f
        for f in firms
        if len([i for i in inspectors if i not in excluded.get(str(f), ())]) < per_firm
    ]
    if short:
        out.append(
            f"有 {len(short)} 家候选机构可派的无关联检查人员少于 {per_firm} 名"
            f"（机构编号 {', '.join(map(str, sorted(short)[:10]))}），请增加检查人员。"
        )
    return out


def run(seed: str, candidates: dict, firm_count: int, per_firm: int) -> list[Drawn]:
    found = problems(candidates, firm_count, per_firm)
    if found:
        raise DrawImpossible(" ".join(found))
    firms = sorted(int(f) for f in candidates["firms"])
    inspectors = sorted(int(i) for i in candidates["inspectors"])
    excluded = {int(k): set(v) for k, v in candidates.get("excluded", {}).items()}
    rng = random.Random(seed)
    out = []
    for firm in rng.sample(firms, firm_count):
        eligible = [i for i in inspectors if i not in excluded.get(firm, ())]
        out.append(Drawn(firm, tuple(sorted(rng.sample(eligible, per_firm)))))
    return out
