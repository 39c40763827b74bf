from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.models import Narrative


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = Narrative
        fields = ["work_done", "problems", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}
        help_texts = {
            "work_done": _("What the federation did in these ten days: visits, enterprises "
                           "founded, members enrolled, events."),
            "problems": _("What got in the way."),
            "next_steps": _("What comes in the next ten days."),
        }


class CorrectionForm(forms.Form):
    note = forms.CharField(label=_("What this correction changes"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
