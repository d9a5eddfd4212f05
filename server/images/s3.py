"""Image servers on Amazon S3 or S3-compatible storage (boto3).

A put is atomic by itself: readers see the old object or the new one. The public URL
defaults to the bucket's virtual-host address on AWS, or ``ENDPOINT/BUCKET/`` (path
style) when ``endpoint_url`` is set; set ``public_url`` for a CDN or a custom domain.
"""

from __future__ import annotations

from typing import Any

from server.images import log
from server.images.errors import ImageLoginRefused, ImageServerDown, ImageServerError
from server.images.servers import TIMEOUT, ImageServer, Settings

_LOGIN_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                "InvalidToken", "InvalidClientTokenId", "AuthFailure"}
_BUSY_CODES = {"SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError",
               "Throttling", "ThrottlingException"}


class S3Server(ImageServer):
    """A bucket (and key prefix) on S3 or an S3-compatible store."""

    kind = "s3"

    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.text("bucket", required=True)
        self.prefix = settings.text("prefix", "").strip("/")
        self.region = settings.text("region")
        self.endpoint_url = settings.text("endpoint_url")
        self._key_id = settings.text("access_key_id")
        self._secret_key = settings.text("secret_access_key")
        self.acl = settings.text("acl")
        self.timeout = settings.number("timeout", TIMEOUT)
        super().__init__(settings, self._default_url())
        self._client: Any = None

    def _default_url(self) -> str:
        prefix = self.prefix + "/" if self.prefix else ""
        if self.endpoint_url:
            return f"{self.endpoint_url.rstrip('/')}/{self.bucket}/{prefix}"
        region = self.region or "us-east-1"
        return f"https://{self.bucket}.s3.{region}.amazonaws.com/{prefix}"

    @property
    def where(self) -> str:
        place = f"s3://{self.bucket}/{self.prefix}"
        return place + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    # -- operations ---------------------------------------------------------------------

    def upload(self, name: str, data: bytes, content_type: str) -> None:
        extra = {"ACL": self.acl} if self.acl else {}
        self._call(f"upload {name}", "put_object", Bucket=self.bucket, Key=self._key(name),
                   Body=data, ContentType=content_type, **extra)
        log.debug("uploaded %s to %s", name, self.where)

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client_call("head_object", Bucket=self.bucket, Key=self._key(name))
        except ClientError as exc:
            if _status(exc) == 404:
                return False
            raise self._client_error(f"look for {name}", exc) from None
        except Exception as exc:
            raise self._other_error(f"look for {name}", exc) from None
        return True

    def delete(self, name: str) -> None:
        self._call(f"delete {name}", "delete_object", Bucket=self.bucket, Key=self._key(name))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- client and errors --------------------------------------------------------------

    def _client_call(self, method: str, **kwargs: Any) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            session = boto3.session.Session(aws_access_key_id=self._key_id,
                                            aws_secret_access_key=self._secret_key,
                                            region_name=self.region)
            config = Config(connect_timeout=self.timeout, read_timeout=self.timeout,
                            retries={"max_attempts": 2, "mode": "standard"})
            self._client = session.client("s3", endpoint_url=self.endpoint_url,
                                          config=config)
        return getattr(self._client, method)(**kwargs)

    def _call(self, what: str, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        try:
            return self._client_call(method, **kwargs)
        except ClientError as exc:
            raise self._client_error(what, exc) from None
        except Exception as exc:
            raise self._other_error(what, exc) from None

    def _client_error(self, what: str, exc: Any) -> ImageServerError:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        text = f"cannot {what}: {code or _status(exc)} {error.get('Message', '')}".strip()
        if code in _LOGIN_CODES:
            return self.error(ImageLoginRefused, f"{text}; check access_key_id and "
                              "secret_access_key", code=code)
        if code in _BUSY_CODES or _status(exc) >= 500:
            return self.error(ImageServerDown, text, code=code)
        if code == "NoSuchBucket":
            return self.error(ImageServerError, f"cannot {what}: the bucket {self.bucket} "
                              "does not exist", code=code)
        return self.error(ImageServerError, text, code=code)

    def _other_error(self, what: str, exc: Exception) -> ImageServerError:
        from botocore import exceptions as bx

        if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
            return self.error(ImageServerError, f"cannot {what}: no credentials; set "
                              "access_key_id and secret_access_key")
        if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError):
            return self.error(ImageServerDown, f"cannot {what}: no answer within "
                              f"{self.timeout:.0f} s")
        if isinstance(exc, bx.EndpointConnectionError | bx.ConnectionClosedError
                      | bx.HTTPClientError | ConnectionError):
            return self.error(ImageServerDown, f"cannot {what}: cannot connect ({exc})")
        if isinstance(exc, bx.BotoCoreError | ValueError):
            return self.error(ImageServerError, f"cannot {what}: {exc}")
        raise exc


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
