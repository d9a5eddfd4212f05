"""The errors of the image upload.

::

    SyncCenterError
     +-- ImageError                  one image cannot be used: missing, too big, not an image
     |    +-- ImageSourceDown        its URL cannot be reached or timed out (retryable)
     +-- TargetError
          +-- ImageServerError       the image server refused or failed an operation
               +-- ImageLoginRefused  the server refused the user name, password or key
               +-- ImageServerDown    cannot reach the server, or it timed out (retryable)

Each carries ``server`` (the name of the ``[images.NAME]`` table) and ``where`` (its
address without the password) in its context; image errors carry ``source``.
"""

from __future__ import annotations

from server.errors import SyncCenterError, TargetError


class ImageError(SyncCenterError):
    """An image cannot be read or is not one Amazon accepts."""


class ImageSourceDown(ImageError):
    """An image's URL cannot be reached or did not answer in time; try again later."""

    retryable = True


class ImageServerError(TargetError):
    """The image server refused or failed an operation."""


class ImageLoginRefused(ImageServerError):
    """The image server refused the credentials."""


class ImageServerDown(ImageServerError):
    """The image server cannot be reached or did not answer in time; try again later."""

    retryable = True
