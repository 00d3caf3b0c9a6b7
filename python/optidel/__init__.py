"""OptiDEL's results in Python: the pre-trained encoder exported by ``optidel export --what encoder``."""
