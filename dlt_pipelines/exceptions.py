"""Every error the pipeline raises on purpose. Each message says what went
wrong and what to do; the run turns any of them into exit code 2 (3 for a
busy lock), with the message as its last line."""


class PipelineError(Exception):
    """Something the operator must fix; the message says what."""


class UrlError(PipelineError, ValueError):
    """A connection URL this project cannot honour."""


class SourceError(PipelineError):
    """A source database cannot be read as the contract expects."""


class WarehouseError(PipelineError):
    """The warehouse is misconfigured, unreachable or in use."""


class QueryError(PipelineError):
    """The warehouse refused a statement; the message is the engine's, in one line."""


class BuildFailed(PipelineError):
    """dbt could not build or test the warehouse; nothing is published."""


class RunLockBusy(PipelineError):
    """Another run holds the warehouse's lock."""


class LockLost(BuildFailed):
    """The run no longer holds the warehouse's lock: it publishes nothing."""
