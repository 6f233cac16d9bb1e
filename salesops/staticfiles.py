"""Static files with their content's hash in their names, compressed with gzip and brotli (whitenoise).

Once ``collectstatic`` has run, every ``{% static %}`` address names the file's hash, so whitenoise serves it with
``Cache-Control: max-age=315360000, public, immutable`` and a phone keeps it until it changes; the .gz and .br
copies made by ``collectstatic`` are sent to a browser that accepts them. Before ``collectstatic`` has run (the
test suite, a fresh checkout) there is no manifest: the plain names are used, served by the finders.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
