"""Detection: watchlists and the Hanoi gazetteer (units, agencies, public roles).

Phát hiện: danh sách theo dõi và danh bạ địa danh, cơ quan của Hà Nội (tên trước và sau sắp
xếp năm 2025 là bí danh của nhau).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from vimon.text import fold

_TOKEN = re.compile(r"[^\W_]+")
PREFIXES = {"quận": ("quận", "q"), "huyện": ("huyện", "h"), "thị xã": ("thị xã", "tx"),
            "phường": ("phường", "p"), "xã": ("xã",)}


def tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(fold(text)))


@dataclass
class Entity:
    id: str  # "district:ba-dinh", "unit:phuong-cua-nam", "agency:so-y-te", "role:…"
    kind: str  # district | unit | agency | role
    name: str
    aliases: list[str]
    districts: list[str] = field(default_factory=list)  # former districts it belongs to

    def query(self) -> str:
        """This entity as a query-language expression (quoted aliases, OR)."""
        quoted = ['"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in self.aliases]
        return "(" + " OR ".join(quoted) + ")"


class Gazetteer:
    def __init__(self, units: dict, agencies: dict) -> None:
        self.entities: dict[str, Entity] = {}
        for d in units["districts"]:
            names = [f"{p} {d['name']}" for p in PREFIXES[d["type"]]]
            if not d.get("prefix_only"):
                names.append(d["name"])
            self._add(Entity(f"district:{d['key']}", "district", f"{d['type']} {d['name']}",
                             names, [d["key"]]))
        for u in units["units_2025"]:
            key = "-".join(tokens(f"{u['type']} {u['name']}"))
            names = [f"{p} {u['name']}" for p in PREFIXES[u["type"]]]
            self._add(Entity(f"unit:{key}", "unit", f"{u['type']} {u['name']}", names, u["from"]))
        for kind, rows in (("agency", agencies["agencies"]), ("role", agencies["roles"])):
            for a in rows:
                self._add(Entity(f"{kind}:{a['key']}", kind, a["name"], a["aliases"]))
        # First two tokens -> [(alias tokens, entity id)], longest first. A set intersection of
        # an item's token pairs with these keys (C speed) finds the few places worth checking.
        self._index: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
        for e in self.entities.values():
            for a in e.aliases:
                t = tokens(a)
                if t:
                    self._index.setdefault(t[:2], []).append((t, e.id))
        for lst in self._index.values():
            lst.sort(key=lambda x: -len(x[0]))
        self._singles = frozenset(k[0] for k in self._index if len(k) == 1)
        self._firsts = frozenset(k[0] for k in self._index)
        self.district_names = {d["key"]: d["name"] for d in units["districts"]}

    def _add(self, e: Entity) -> None:
        self.entities[e.id] = e

    def scan(self, toks: list[str] | tuple[str, ...]) -> set[str]:
        """Entity ids mentioned in a folded token sequence: at each token that starts some
        alias, the longest alias of two or more tokens there, and a one-token alias."""
        found: set[str] = set()
        firsts = self._firsts
        if firsts.isdisjoint(toks):  # most texts: no token starts any alias
            return found
        index, singles = self._index, self._singles
        last = len(toks) - 1
        for i, t in enumerate(toks):
            if t not in firsts:
                continue
            if i < last:
                longer = index.get((t, toks[i + 1]))
                if longer is not None:
                    self._match_at(toks, i, longer, found)
            if t in singles:
                self._match_at(toks, i, index[(t,)], found)
        return found

    @staticmethod
    def _match_at(toks: list[str] | tuple[str, ...], i: int,
                  aliases: list[tuple[tuple[str, ...], str]], found: set[str]) -> None:
        """The longest alias (``aliases`` is longest first) that starts at token ``i``."""
        for alias, eid in aliases:
            m = len(alias)
            if i + m <= len(toks) and tuple(toks[i:i + m]) == alias:
                found.add(eid)
                return

    def districts_in(self, toks: list[str] | tuple[str, ...]) -> set[str]:
        """Former-district keys of the units mentioned (the 'district' facet)."""
        out: set[str] = set()
        for eid in self.scan(toks):
            out.update(self.entities[eid].districts)
        return out

    def district_keys(self, value: str) -> set[str]:
        """District keys a query value names: 'Ba Đình', 'quận Ba Đình', 'phường Cửa Nam',
        'ba-dinh'… (old and new names alike)."""
        return set(self._district_keys(value))

    @lru_cache(maxsize=4096)  # noqa: B019 - one gazetteer per process, kept for its lifetime
    def _district_keys(self, value: str) -> frozenset[str]:
        t = tokens(value)
        if not t:
            return frozenset()
        joined = "-".join(t)
        if joined in self.district_names:
            return frozenset((joined,))
        found = self.districts_in(t)
        if not found:  # a bare new-ward name ("Cửa Nam") without its prefix
            for prefix in ("phuong", "xa", "quan", "huyen"):
                found |= self.districts_in((prefix, *t))
        return frozenset(found)

    def search(self, kind: str | None = None) -> list[Entity]:
        return [e for e in self.entities.values() if kind is None or e.kind == kind]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    base = resources.files("vimon.detect") / "data"
    units = json.loads((base / "hanoi_units.json").read_text(encoding="utf-8"))
    agencies = json.loads((base / "agencies.json").read_text(encoding="utf-8"))
    return Gazetteer(units, agencies)


__all__ = ["Entity", "Gazetteer", "gazetteer", "tokens"]
