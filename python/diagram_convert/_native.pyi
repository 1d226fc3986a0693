"""Type stubs of the native module (Rust, PyO3); use the package's public API instead."""

from typing import Dict, List, Optional, Sequence, Tuple, Union

ENGINE_VERSION: str

class MemoryBudgetExceeded(MemoryError): ...

def validate(request: bytes, strict: bool = False) -> List[Tuple[str, str]]: ...
def worker_main() -> int: ...
def write_viewer(out: str) -> Tuple[str, int, int, List[str]]: ...

class Converter:
    def __init__(
        self,
        *,
        dpi: float = 150.0,
        threads: int = 0,
        renderer: str = "hayro",
        formats: Sequence[str] = ...,
        grayscale: Optional[bool] = None,
        annotate_png: bool = False,
        svg_page: str = "auto",
        page_timeout: Optional[float] = 120.0,
        worker: Optional[Tuple[str, List[str]]] = None,
        worker_memory: Optional[int] = ...,
    ) -> None: ...
    @property
    def threads(self) -> int: ...
    def convert(
        self,
        request: bytes,
        files: Union[str, Dict[object, Union[bytes, str]]],
        out: Optional[str],
        strict: bool = False,
        memory_budget: int = ...,
    ) -> Tuple[str, List[Tuple[int, int, List[Tuple[str, bytes]]]]]: ...
