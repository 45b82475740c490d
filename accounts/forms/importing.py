"""Forms of the CSV import: the upload, the delimiter, the column mapping. One per action."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.http import QueryDict

from accounts.importer.columns import Target
from accounts.importer.files import DELIMITERS, MAX_FILE_BYTES, column_label


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"Up to {MAX_FILE_BYTES // (1024 * 1024)} MB; UTF-8 (with or without BOM) or Windows Latin-1; columns "
            "separated by commas or semicolons; a first row that names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. Split it into smaller files."
            )
        return upload

    def upload(self) -> dict[str, Any]:
        """The file's name and bytes, for `importing.create_import`."""
        file = self.cleaned_data["file"]
        return {"filename": file.name, "raw": file.read()}


class DelimiterForm(forms.Form):
    delimiter = forms.ChoiceField(label="Columns are separated by", choices=list(DELIMITERS.items()))


NOT_IMPORTED = ""


class MappingForm(forms.Form):
    """A select per target, listing the file's columns. A column goes to one target at most."""

    def __init__(self, *args: Any, targets: Sequence[Target], header: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        choices = [(NOT_IMPORTED, "— not imported —")] + [
            (str(index), column_label(header, index)) for index in range(len(header))
        ]
        for target in self.targets:
            self.fields[target.key] = forms.ChoiceField(
                label=target.label, choices=choices, required=target.required, help_text=target.help
            )

    @classmethod
    def for_mapping(cls, mapping: dict[str, int], **kwargs: Any) -> MappingForm:
        return cls(initial={key: str(index) for key, index in mapping.items()}, **kwargs)

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        found: dict[str, list[forms.BoundField]] = {}
        for target in self.targets:
            found.setdefault(target.section, []).append(self[target.key])
        return list(found.items())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first: dict[str, str] = {}
        for target in self.targets:
            column = cleaned.get(target.key)
            if not column:
                continue
            if column in first:
                self.add_error(target.key, f"This column is already imported as {first[column]}.")
            else:
                first[column] = target.label
        return cleaned

    def mapping(self) -> dict[str, int]:
        return {key: int(value) for key, value in self.cleaned_data.items() if value}

    @staticmethod
    def lenient_mapping(data: QueryDict, targets: Sequence[Target], columns: int) -> dict[str, int]:
        """The mapping a half-filled form asks for, for the live preview: what is readable, each column once."""
        mapping: dict[str, int] = {}
        for target in targets:
            value = data.get(target.key, "")
            if value.isdigit() and int(value) < columns and int(value) not in mapping.values():
                mapping[target.key] = int(value)
        return mapping
