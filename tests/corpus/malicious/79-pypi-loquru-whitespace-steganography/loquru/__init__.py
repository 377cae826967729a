from ._core import Core

logger = Core()
