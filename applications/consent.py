"""The texts an applicant agrees to, versioned in code (SPEC §8: consent is recorded with
its text version and time). Change a text: give it a new version, never edit one in place,
so every recorded version still names the words that person read."""

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = "2026-02"
CONSENT_TEXTS = {
    "2026-01": _(
        "The Hedong District Federation of Trade Unions uses your name, ID number, phone, "
        "employer, occupation and community only to handle your application to join a "
        "union and, once you are a member, to keep your membership record and give you "
        "member services. The ID number is needed to make sure one person is one member; "
        "it is sensitive personal information. Your data is stored encrypted, only union "
        "staff of your street and the district federation can see it, and it is not given "
        "to anyone else unless the law requires it. You may ask your street federation to "
        "see, correct or delete it. If you do not agree, you can still apply in person at "
        "your street or community union."
    ),
    # 2026-02: the form also asks for the member service card number (optional).
    "2026-02": _(
        "The Hedong District Federation of Trade Unions uses your name, ID number, phone, "
        "employer, occupation, community and, if you give it, your member service card "
        "number only to handle your application to join a union and, once you are a "
        "member, to keep your membership record, give you member services and pay "
        "subsidies to your card. The ID number is needed to make sure one person is one "
        "member; it is sensitive personal information. Your data is stored encrypted, only "
        "union staff of your street and the district federation can see it, and it is not "
        "given to anyone else unless the law requires it. You may ask your street "
        "federation to see, correct or delete it. If you do not agree, you can still apply "
        "in person at your street or community union."
    ),
}
# Who may join (plan §一.(一)1), in the applicant's words.
DECLARATION_TEXT = _(
    "I work for a non-public enterprise or social organisation, or in scattered employment; "
    "my wages are my main income or I have a labour relationship; and I am not a member of "
    "a union already."
)


def consent_text(version=CONSENT_VERSION):
    return CONSENT_TEXTS[version]
