"""google-genai, imported when first used rather than when our modules load.

Importing it takes about half a second, a third of a Django start, and every process loads
the Gemini modules through the URLconf although most never call Gemini: each `manage.py`
command, and the web server until a creator generates with it. Annotations that name these
modules need `from __future__ import annotations`, so that only a call imports the SDK.
"""

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for a module; reading any of its names imports the real one."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


genai = LazyModule("google.genai")
genai_errors = LazyModule("google.genai.errors")
genai_types = LazyModule("google.genai.types")
