"""Each visit's single photo becomes its first VisitPhoto (the file stays where it is)."""

import hashlib

from django.db import migrations


def _fingerprint(field_file) -> str:
    digest = hashlib.sha256()
    try:
        with field_file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def forwards(apps, schema_editor) -> None:
    Visit = apps.get_model("visits", "Visit")
    VisitPhoto = apps.get_model("visits", "VisitPhoto")
    photos = []
    for visit in Visit.objects.exclude(photo="").iterator(chunk_size=500):
        photos.append(
            VisitPhoto(
                visit_id=visit.pk,
                file=visit.photo.name,
                sha256=visit.photo_sha256 or _fingerprint(visit.photo),
                taken_at=visit.check_out_at or visit.check_in_at or visit.updated_at,
                latitude=visit.latitude,
                longitude=visit.longitude,
            )
        )
    VisitPhoto.objects.bulk_create(photos, batch_size=500)


def backwards(apps, schema_editor) -> None:
    Visit = apps.get_model("visits", "Visit")
    VisitPhoto = apps.get_model("visits", "VisitPhoto")
    for photo in VisitPhoto.objects.order_by("visit_id", "-taken_at", "-id").distinct("visit_id"):
        Visit.objects.filter(pk=photo.visit_id).update(photo=photo.file.name, photo_sha256=photo.sha256)


class Migration(migrations.Migration):
    dependencies = [("visits", "0006_visit_photos")]

    operations = [migrations.RunPython(forwards, backwards)]
