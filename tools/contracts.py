"""Write or check `contracts/events/*.schema.json` from the event catalogue.

uv run python tools/contracts.py write   # after changing a payload model
uv run python tools/contracts.py check   # exit 1 when code and contracts differ
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from stemkit.contracts import CATALOG
from stemkit.eventing.schemas import all_schemas

EVENTS_DIR = Path(__file__).resolve().parent.parent / "contracts" / "events"


def render(schema: object) -> str:
    return json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if argv not in (["write"], ["check"]):
        print(__doc__)
        return 2
    stale = []
    for name, schema in all_schemas(CATALOG).items():
        path = EVENTS_DIR / f"{name}.schema.json"
        text = render(schema)
        if path.exists() and path.read_text() == text:
            continue
        if argv == ["write"]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(EVENTS_DIR.parent.parent)}")
        else:
            stale.append(path.name)
    if stale:
        print("contracts differ from the code for: " + ", ".join(stale))
        print("run `uv run python tools/contracts.py write` and review the diff")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
