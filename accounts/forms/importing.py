"""Forms of the CSV import: the upload, the delimiter, the column mapping. One per action."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.http import QueryDict

from accounts.importer.columns import Target
from accounts.importer.files import DELIMITERS, column_label, max_file_bytes, size_limit_text
from accounts.importer.formats import DATE_FORMATS, NUMBER, NUMBER_FORMATS


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"Up to {size_limit_text()}; UTF-8 (with or without BOM) or Windows Latin-1; columns separated by "
            "commas or semicolons; a first row that names the columns."
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_file_bytes():
            raise forms.ValidationError(f"The file is larger than {size_limit_text()}. Split it into smaller files.")
        return upload

    def upload(self) -> dict[str, Any]:
        """The file's name and the file itself (read in blocks), for `importing.create_import`."""
        file = self.cleaned_data["file"]
        return {"filename": file.name, "raw": file}


class RunForm(forms.Form):
    """Start the import: all or nothing, or (`skip_invalid`) the valid rows and not the others."""

    skip_invalid = forms.BooleanField(required=False)


class DelimiterForm(forms.Form):
    delimiter = forms.ChoiceField(label="Columns are separated by", choices=list(DELIMITERS.items()))


NOT_IMPORTED = ""


class MappingForm(forms.Form):
    """A select per target, listing the file's columns. A column goes to one target at most. For a number or date
    column that the check could not read alone (`ask`: target → (NUMBER or DATE, the question)), or that the person
    already said how to read, a choice of how it reads."""

    def __init__(
        self,
        *args: Any,
        targets: Sequence[Target],
        header: Sequence[str],
        ask: dict[str, tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        self.ask = {key: found for key, found in (ask or {}).items() if key in {t.key for t in self.targets}}
        choices = [(NOT_IMPORTED, "— not imported —")] + [
            (str(index), column_label(header, index)) for index in range(len(header))
        ]
        labels = {target.key: target.label for target in self.targets}
        for target in self.targets:
            self.fields[target.key] = forms.ChoiceField(
                label=target.label, choices=choices, required=target.required, help_text=target.help
            )
        for key, (kind, question) in self.ask.items():
            options = NUMBER_FORMATS if kind == NUMBER else DATE_FORMATS
            self.fields[f"format_{key}"] = forms.ChoiceField(
                label=f"How to read {labels[key]}",
                choices=list(options.items()),
                required=False,
                widget=forms.RadioSelect,
                help_text=f"The column {question}" if question else "",
            )

    @classmethod
    def for_mapping(cls, mapping: dict[str, int], formats: dict[str, str] | None = None, **kwargs: Any) -> MappingForm:
        initial: dict[str, str] = {key: str(index) for key, index in mapping.items()}
        initial.update({f"format_{key}": value for key, value in (formats or {}).items()})
        return cls(initial=initial, **kwargs)

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        found: dict[str, list[forms.BoundField]] = {}
        for target in self.targets:
            found.setdefault(target.section, []).append(self[target.key])
        return list(found.items())

    def format_fields(self) -> list[forms.BoundField]:
        return [self[f"format_{key}"] for key in self.ask]

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
        for key in self.ask:
            if cleaned.get(key) and not cleaned.get(f"format_{key}"):
                self.add_error(f"format_{key}", "Say how this column is written: the check cannot tell.")
        return cleaned

    def mapping(self) -> dict[str, int]:
        return {
            target.key: int(self.cleaned_data[target.key])
            for target in self.targets
            if self.cleaned_data.get(target.key)
        }

    def formats(self) -> dict[str, str]:
        """How the person says the mapped number and date columns read."""
        return {
            key: self.cleaned_data[f"format_{key}"]
            for key in self.ask
            if self.cleaned_data.get(key) and self.cleaned_data.get(f"format_{key}")
        }

    @staticmethod
    def lenient_mapping(data: QueryDict, targets: Sequence[Target], columns: int) -> dict[str, int]:
        """The mapping a half-filled form asks for, for the live preview: what is readable, each column once."""
        mapping: dict[str, int] = {}
        for target in targets:
            value = data.get(target.key, "")
            if value.isdigit() and int(value) < columns and int(value) not in mapping.values():
                mapping[target.key] = int(value)
        return mapping
