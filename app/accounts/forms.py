"""Account forms. Field validation messages are translated; rules live in services.accounts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from app.core.forms import TranslatedForm

LOGIN_HELP = _l("Mobile number (10 digits) or e-mail")


class LoginForm(TranslatedForm):
    login = StringField(_l("Phone number or e-mail"), validators=[DataRequired(), Length(max=254)],
                        description=LOGIN_HELP)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class RegisterForm(TranslatedForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    login = StringField(_l("Phone number or e-mail"), validators=[DataRequired(), Length(max=254)],
                        description=LOGIN_HELP)
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional(), NumberRange(1900, 2025)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=128)],
                             description=_l("At least 8 characters"))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])
    submit = SubmitField(_l("Create account"))


class ResetRequestForm(TranslatedForm):
    login = StringField(_l("Phone number or e-mail"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(TranslatedForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])
    submit = SubmitField(_l("Set the new password"))


class ChangePasswordForm(TranslatedForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])
    submit = SubmitField(_l("Change password"))


class ProfileForm(TranslatedForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional(), NumberRange(1900, 2025)])
    workplace_unit = StringField(_l("Workplace unit"), validators=[Optional(), Length(max=200)],
                                 description=_l("For officials: the agency you work for"))
    position = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Save"))


class GrantForm(TranslatedForm):
    role = SelectField(_l("Role"), choices=[("helper", _l("Community digital helper")),
                                            ("organizer", _l("Organizer")),
                                            ("manager", _l("Manager")),
                                            ("admin", _l("Administrator"))])
    locality_code = StringField(_l("Locality code"), validators=[DataRequired(), Length(max=20)],
                                description=_l("The role covers this unit and everything below it."))
    submit = SubmitField(_l("Grant"))


class MessagePreferencesForm(TranslatedForm):
    """The kinds of message are checkboxes named ``receive`` (one per kind), read by the view."""

    channel = SelectField(_l("Preferred channel"), choices=[
        ("", _l("Automatic (e-mail if I have one, else SMS)")), ("email", _l("E-mail")), ("sms", _l("SMS")),
        ("zalo", _l("Zalo"))], validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ConfirmImportForm(TranslatedForm):
    """Confirms an import whose changes to existing accounts were listed (the file is kept
    server-side under ``token`` meanwhile)."""

    token = HiddenField(validators=[DataRequired(), Length(min=32, max=32)])
    submit = SubmitField(_l("Confirm these changes and import"))


class DeleteAccountForm(TranslatedForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=128)],
                             description=_l("To confirm that it is you."))
    submit = SubmitField(_l("Delete my account for good"))
