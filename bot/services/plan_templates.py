"""The release-plan template: items every plan starts with (English source, translated on show)."""

from bot.i18n import N_

TEMPLATE_TITLES = {
    "id_card": N_("ID card"),
    "bank_account": N_("Bank account"),
    "housing": N_("Housing application"),
    "benefits": N_("Benefits applied for"),
    "first_meeting": N_("First meeting with your worker agreed"),
}
