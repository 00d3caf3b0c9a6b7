"""OptiDEL's results in Python: ``load_run`` reads a run folder (numpy only); ``optidel.encoder``
loads the encoder ``optidel export --what encoder`` writes (PyTorch, imported only when used)."""
from .run import Run, RunFolderError, Selection, load_run
from .subset import SUBSET_MIME, Subset

__all__ = ["Run", "RunFolderError", "Selection", "Subset", "SUBSET_MIME", "load_run"]
