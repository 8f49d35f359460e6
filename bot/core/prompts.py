"""Prompt templates are files in `prompts/` (settings.prompts_dir): `NAME.system.txt` and
`NAME.user.txt`, with `{{variable}}` placeholders. A missing or unknown variable is an error
that names the template, never a silently broken prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.errors import UsageError

_VAR = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Template:
    name: str
    text: str

    @property
    def variables(self) -> set[str]:
        return set(_VAR.findall(self.text))

    def render(self, **values: str) -> str:
        missing = self.variables - set(values)
        if missing:
            raise UsageError("Prompt template error", f"{self.name} needs {', '.join(sorted(missing))}.")
        return _VAR.sub(lambda m: str(values[m.group(1)]), self.text)


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip("\n")


def load(prompts_dir: Path, name: str) -> Template:
    path = Path(prompts_dir) / f"{name}.txt"
    if not path.is_file():
        raise UsageError("Prompt template missing", f"{path} not found; set prompts_dir or restore the prompts/ folder.")
    return Template(name, _read(path))
