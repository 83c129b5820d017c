"""The project's exceptions.

Every error the command line can report is an :class:`InfrariskError`; each class
carries the process exit code the CLI returns for it, so cron jobs can tell a bad
configuration from bad data from a failed check.
"""

from __future__ import annotations


class InfrariskError(Exception):
    """Base class of every error infrarisk reports to its user."""

    exit_code = 1


class ConfigError(InfrariskError):
    """A setting, profile or path is wrong or missing."""

    exit_code = 2


class DataError(InfrariskError):
    """Input data is unusable: the build stops before anything is published.

    Parameters
    ----------
    message : str
        What went wrong, naming the file (and row) where possible.
    problems : list, optional
        The :class:`infrarisk.problems.Problem` records behind the error.
    """

    exit_code = 3

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


class ManifestError(DataError):
    """A dataset does not match its manifest (checksum, row count, listing)."""


class CheckFailed(InfrariskError):
    """A data check found offending rows beyond its tolerance."""

    exit_code = 4

    def __init__(self, message: str, failures: list | None = None):
        super().__init__(message)
        self.failures = list(failures or [])


class SchemaError(DataError):
    """A fetched file does not have the shape its source promises (header, JSON, GeoJSON)."""


class LockBusy(InfrariskError):
    """Another run holds the lock: runs never overlap (cron can start the next one later)."""

    exit_code = 5


class FetchError(InfrariskError):
    """A download failed (network, HTTP status, size limit, checksum) after its retries.

    Parameters
    ----------
    message : str
        What failed, naming the source and the URL.
    url : str, optional
        The URL that failed.
    """

    exit_code = 6

    def __init__(self, message: str, url: str | None = None):
        super().__init__(message)
        self.url = url
