"""A visit's photos: each file checked (kind, size, pixels), shrunk when larger than a phone sends, its
capture time and position kept, counted against the rep's daily quota."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from salesops.transactions import entry_point
from visits.models import MAX_PHOTOS_PER_VISIT, PhotoUploadDay, Visit, VisitPhoto, VisitSettings
from visits.services.sheet_rules import require_own_draft, sheet_touched

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)
# A photo is kept at most this long on its long side (the phone shrinks it first; this catches other clients).
PHOTO_LONG_SIDE = 1600
PHOTO_JPEG_QUALITY = 82
# More pixels than a phone camera makes is refused unread (a decompression bomb).
PHOTO_MAX_PIXELS = 60_000_000
PHOTO_SIGNATURES = {
    b"\xff\xd8\xff": ".jpg",
    b"\x89PNG\r\n\x1a\n": ".png",
    b"GIF87a": ".gif",
    b"GIF89a": ".gif",
}


def _check_photo(photo: UploadedFile) -> str:
    """The file extension for an acceptable photo, or a ValidationError."""
    limit = VisitSettings.load().photo_max_bytes
    if photo.size is not None and photo.size > limit:
        raise ValidationError(
            {"photo": _("The photo is too large (at most %(size)s MB).") % {"size": round(limit / 1024 / 1024, 1)}}
        )
    head = photo.read(16)
    photo.seek(0)
    for signature, extension in PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return ".heic"
    raise ValidationError({"photo": _("The photo must be a JPEG, PNG, GIF, WebP or HEIC image.")})


def photo_fingerprint(photo: UploadedFile) -> str:
    """The SHA-256 of a photo's bytes (hex), read in chunks; the file is rewound for saving."""
    digest = hashlib.sha256()
    photo.seek(0)
    for chunk in photo.chunks():
        digest.update(chunk)
    photo.seek(0)
    return digest.hexdigest()


@dataclass
class PhotoUpload:
    """A photo handed in with a visit: the file and, when the phone knew them, when and where it was taken."""

    file: UploadedFile
    taken_at: dt.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _photo_prepared(photo: UploadedFile, extension: str) -> tuple[UploadedFile | ContentFile, str, dt.datetime | None]:
    """(the file to store, its extension, the capture time in its EXIF data if any).

    A JPEG, PNG or WebP larger than the phone would have sent (long side over PHOTO_LONG_SIDE) is shrunk here to a
    JPEG; a picture Pillow cannot read is refused; GIF and HEIC are kept as they are.
    """
    if extension not in (".jpg", ".png", ".webp"):
        return photo, extension, None
    not_an_image = ValidationError({"photo": _("The photo could not be read as an image.")})
    try:
        image = Image.open(photo)
        width, height = image.size
        if width * height > PHOTO_MAX_PIXELS:
            raise not_an_image
        image.verify()
        photo.seek(0)
        image = Image.open(photo)
        taken_at = _exif_taken_at(image)
        if max(width, height) <= PHOTO_LONG_SIDE:
            photo.seek(0)
            return photo, extension, taken_at
        image.draft("RGB", (PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return ContentFile(buffer.getvalue()), ".jpg", taken_at


def _exif_taken_at(image: Any) -> dt.datetime | None:
    """The camera's DateTimeOriginal (local time, as cameras write it), or None."""
    try:
        value = image.getexif().get_ifd(0x8769).get(0x9003)  # Exif IFD → DateTimeOriginal
        return timezone.make_aware(dt.datetime.strptime(str(value).strip(), "%Y:%m:%d %H:%M:%S")) if value else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _photo_quota_take(*, rep: AbstractBaseUser, count: int) -> None:
    """Count ``count`` more uploads against the rep's daily quota (PHOTO_DAILY_QUOTA), or refuse them all."""
    if count <= 0:
        return
    day = timezone.localdate()
    PhotoUploadDay.objects.get_or_create(rep=rep, date=day)
    uploads = PhotoUploadDay.objects.select_for_update().get(rep=rep, date=day)
    quota = settings.PHOTO_DAILY_QUOTA
    if uploads.count + count > quota:
        raise ValidationError(
            {
                "photo": _(
                    "You have uploaded %(used)d of today's %(quota)d photos; this would go over the limit. "
                    "Try again tomorrow."
                )
                % {"used": uploads.count, "quota": quota}
            }
        )
    uploads.count += count
    uploads.save(update_fields=["count"])


def _delete_files_on_commit(names: list[str]) -> None:
    """Delete stored files once the transaction that stopped using them has committed (kept if it rolls back)."""
    for name in names:
        if name:
            transaction.on_commit(partial(default_storage.delete, name))


def photos_change(
    *, by: AbstractBaseUser, visit: Visit, add: list[PhotoUpload], remove: list[int] | tuple[int, ...] = ()
) -> list[VisitPhoto]:
    """Remove the visit's photos named in ``remove`` (their files deleted after the commit), then add ``add``.

    At most MAX_PHOTOS_PER_VISIT photos stay on a visit, and each upload counts against the rep's daily quota.
    Every file is checked before anything is stored.
    """
    if not add and not remove:
        return []
    if add and visit.check_in_at is None:
        raise ValidationError({"photo": _("Check in before adding a photo.")})
    existing = list(visit.photos.all())
    leaving = [photo for photo in existing if photo.pk in set(remove)]
    if len(existing) - len(leaving) + len(add) > MAX_PHOTOS_PER_VISIT:
        raise ValidationError(
            {
                "photo": _("A visit keeps at most %(n)d photos; remove one before adding another.")
                % {"n": MAX_PHOTOS_PER_VISIT}
            }
        )
    prepared = []
    for upload in add:
        stored, extension, exif_time = _photo_prepared(upload.file, _check_photo(upload.file))
        taken_at = exif_time or upload.taken_at or timezone.now()
        if taken_at > timezone.now() + CLOCK_SKEW:
            raise ValidationError({"photo": _("The photo's capture time is in the future.")})
        if (upload.latitude is None) != (upload.longitude is None):
            raise ValidationError({"photo": _("Give both latitude and longitude of the photo, or neither.")})
        photo = VisitPhoto(
            visit=visit,
            taken_at=taken_at,
            latitude=upload.latitude,
            longitude=upload.longitude,
            sha256=photo_fingerprint(stored),
        )
        photo.full_clean(exclude=["visit", "file"], validate_constraints=False)
        prepared.append((photo, stored, extension))
    _photo_quota_take(rep=by, count=len(prepared))
    if leaving:
        VisitPhoto.objects.filter(pk__in=[photo.pk for photo in leaving]).delete()
        _delete_files_on_commit([photo.file.name for photo in leaving])
    for photo, stored, extension in prepared:
        photo.file.save(f"{uuid.uuid4().hex}{extension}", stored, save=False)
        photo.save()
    return [photo for photo, _stored, _extension in prepared]


def visit_photos_writable(*, by: AbstractBaseUser, visit: Visit) -> None:
    """Refuse anyone but the visit's rep, and a sheet no longer a draft."""
    require_own_draft(visit.sheet, by)


@entry_point
def visit_photo_add(*, by: AbstractBaseUser, visit: Visit, photo: PhotoUpload) -> VisitPhoto:
    """Add one photo to a visit the rep checked in to (at most MAX_PHOTOS_PER_VISIT, within the daily quota)."""
    visit = Visit.objects.select_for_update().select_related("sheet").get(pk=visit.pk)
    visit_photos_writable(by=by, visit=visit)
    (created,) = photos_change(by=by, visit=visit, add=[photo])
    sheet_touched(visit.sheet)
    return created


@entry_point
def visit_photo_remove(*, by: AbstractBaseUser, photo: VisitPhoto) -> None:
    """Take a photo off the rep's draft visit; its file is deleted once this commits."""
    visit = Visit.objects.select_for_update().select_related("sheet").get(pk=photo.visit_id)
    require_own_draft(visit.sheet, by)
    photos_change(by=by, visit=visit, add=[], remove=[photo.pk])
    sheet_touched(visit.sheet)
