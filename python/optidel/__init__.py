"""OptiDEL's results in Python: ``load_run`` reads a run folder (numpy only), ``load_datalist`` an
exported subset's datalist.json, and ``optidel.encoder`` loads the encoder that
``optidel export --what encoder`` writes (PyTorch, imported only when used)."""
from .datalist import load_datalist
from .run import Run, RunFolderError, Selection, load_run
from .subset import SUBSET_MIME, Subset

__all__ = ["Run", "RunFolderError", "Selection", "Subset", "SUBSET_MIME", "load_datalist", "load_run"]
