from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from membership.imports.services import may_import
from membership.models import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices,
                             widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("Excel file (.xlsx, at most 20 MB)"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(k, label) for k, label in ImportKind.choices if may_import(user, k)]
        self.fields["kind"].choices = choices
        if len(choices) == 1:
            self.fields["kind"].initial = choices[0][0]
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data", "data-testid": "import-upload"}
        self.helper.add_input(Submit("submit", _("Upload and check")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Choose an Excel .xlsx file; download the template "
                                          "if you need one."))
        return upload
