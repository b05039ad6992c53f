"""The release plan's part of the policy: reminder offsets and the catalogue of item templates."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bot.i18n import N_
from bot.policy.ranges import LIST_LIMITS, PLAN_DUE_DAY, hard_problem
from bot.policy.values import LANGUAGES, REQUIRED_LANGUAGES, WholeDays
from bot.reasons import Reason as R

__all__ = ["OWNERS", "Owner", "PlanPolicy", "PlanTemplate", "default_plan_templates"]

Owner = Literal["client", "worker", "prison", "other"]
OWNERS: tuple[str, ...] = ("client", "worker", "prison", "other")
_SLUG = re.compile(r"[a-z_]+")
_MAX_LABEL = 100


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _remind_range(value: timedelta) -> timedelta:
    if reason := hard_problem("plan.remind_before", value):
        raise ValueError(reason)
    return value


def _due_day(value: int | None) -> int | None:
    if value is not None and (reason := PLAN_DUE_DAY.hard(value)):
        raise ValueError(reason)
    return value


def _labels(labels: dict[str, str]) -> dict[str, str]:
    """Every required language present, only known languages, short one-line labels."""
    problems = [
        f"{lang}: " + R(N_("a label in {lang} is required"), lang=lang)
        for lang in REQUIRED_LANGUAGES
        if not labels.get(lang, "").strip()
    ]
    for lang, label in labels.items():
        if lang not in LANGUAGES:
            problems.append(
                f"{lang}: "
                + R(N_("unknown language; use {languages}"), languages=", ".join(LANGUAGES))
            )
        elif len(label.strip()) > _MAX_LABEL:
            problems.append(f"{lang}: " + R(N_("at most {n} characters"), n=_MAX_LABEL))
    if problems:
        raise ValueError("; ".join(problems))
    return {lang: label.strip() for lang, label in labels.items() if label.strip()}


class PlanTemplate(_Model):
    """One catalogue item: who usually sees to it, when (days from release), its labels."""

    owner: Owner = "worker"
    # Days from the release date: -14 is two weeks before, 0 the release day; None: no date.
    due_days: Annotated[int | None, AfterValidator(_due_day)] = None
    labels: Annotated[dict[str, str], AfterValidator(_labels)]

    def label(self, lang: str) -> str:
        """The label in `lang` (fallback en, then fi)."""
        return self.labels.get(lang) or self.labels.get("en") or self.labels["fi"]


def _t(owner: Owner, due: int | None, **labels: str) -> PlanTemplate:
    return PlanTemplate(owner=owner, due_days=due, labels=labels)


def default_plan_templates() -> dict[str, PlanTemplate]:
    """What the field uses; ru/et/ar keep the Finnish name in brackets where a form carries it."""
    return {
        "id_card": _t(
            "prison",
            -21,
            fi="Henkilökortti",
            sv="Identitetskort",
            en="ID card",
            ru="Удостоверение личности (henkilökortti)",
            et="Isikutunnistus (henkilökortti)",
            ar="بطاقة الهوية (henkilökortti)",
        ),
        "bank_account": _t(
            "client",
            -14,
            fi="Pankkitili ja verkkopankkitunnukset",
            sv="Bankkonto och nätbankskoder",
            en="Bank account and online banking credentials",
            ru="Банковский счёт и коды интернет-банка",
            et="Pangakonto ja internetipanga paroolid",
            ar="حساب بنكي ورموز البنك الإلكتروني",
        ),
        "housing": _t(
            "worker",
            -30,
            fi="Asuntohakemus",
            sv="Bostadsansökan",
            en="Housing application",
            ru="Заявление на жильё (asuntohakemus)",
            et="Eluasemetaotlus (asuntohakemus)",
            ar="طلب سكن (asuntohakemus)",
        ),
        "basic_assistance": _t(
            "client",
            -7,
            fi="Kelan perustoimeentulotuki haettu",
            sv="Grundläggande utkomststöd från FPA sökt",
            en="Kela basic social assistance applied",
            ru="Подано на основное пособие Kela (perustoimeentulotuki)",
            et="Kela toimetulekutoetus taotletud (perustoimeentulotuki)",
            ar="تم طلب المساعدة الأساسية من Kela (perustoimeentulotuki)",
        ),
        "supplementary_assistance": _t(
            "worker",
            7,
            fi="Täydentävä toimeentulotuki hyvinvointialueelta",
            sv="Kompletterande utkomststöd från välfärdsområdet",
            en="Supplementary assistance from the county",
            ru="Дополнительное пособие (täydentävä toimeentulotuki)",
            et="Täiendav toimetulekutoetus (täydentävä toimeentulotuki)",
            ar="المساعدة التكميلية (täydentävä toimeentulotuki)",
        ),
        "housing_allowance": _t(
            "client",
            7,
            fi="Asumistuki haettu",
            sv="Bostadsbidrag sökt",
            en="Housing allowance applied",
            ru="Подано на пособие на жильё (asumistuki)",
            et="Eluasemetoetus taotletud (asumistuki)",
            ar="تم طلب إعانة السكن (asumistuki)",
        ),
        "jobseeker": _t(
            "client",
            7,
            fi="Ilmoittautuminen työnhakijaksi",
            sv="Anmälan som arbetssökande",
            en="Registering as a job seeker",
            ru="Регистрация ищущим работу (työnhakijaksi ilmoittautuminen)",
            et="Tööotsijaks registreerumine (työnhakijaksi ilmoittautuminen)",
            ar="التسجيل كباحث عن عمل (työnhakijaksi ilmoittautuminen)",
        ),
        "address_change": _t(
            "client",
            0,
            fi="Osoitteenmuutos",
            sv="Flyttanmälan",
            en="Address change",
            ru="Смена адреса (osoitteenmuutos)",
            et="Aadressimuudatus (osoitteenmuutos)",
            ar="تغيير العنوان (osoitteenmuutos)",
        ),
        "services_contact": _t(
            "worker",
            -7,
            fi="Yhteys päihde- tai mielenterveyspalveluihin",
            sv="Kontakt med missbruks- eller mentalvårdstjänster",
            en="Substance-use or mental-health services contact",
            ru="Связь со службой помощи (зависимость или психическое здоровье)",
            et="Ühendus sõltuvus- või vaimse tervise teenustega",
            ar="التواصل مع خدمات الإدمان أو الصحة النفسية",
        ),
        "first_meeting": _t(
            "worker",
            -3,
            fi="Ensimmäinen tapaaminen vapautumisen jälkeen sovittu",
            sv="Första mötet efter frigivningen avtalat",
            en="First meeting after release agreed",
            ru="Первая встреча после освобождения назначена",
            et="Esimene kohtumine pärast vabanemist kokku lepitud",
            ar="تم الاتفاق على أول لقاء بعد الإفراج",
        ),
    }


class PlanPolicy(_Model):
    """When the worker is told of open plan items (days before each item's due date)."""

    remind_before: list[Annotated[WholeDays, AfterValidator(_remind_range)]] = Field(
        default_factory=lambda: [timedelta(days=d) for d in (30, 14, 7, 1)],
        max_length=LIST_LIMITS["plan.remind_before"],
    )

    @model_validator(mode="after")
    def _distinct(self) -> PlanPolicy:
        """Each offset once."""
        if len(set(self.remind_before)) != len(self.remind_before):
            raise ValueError(R(N_("an offset is listed twice")))
        return self


def check_template_slugs(templates: dict[str, PlanTemplate]) -> dict[str, PlanTemplate]:
    """Catalogue keys are simple slugs (they are stored with each item made from them)."""
    bad = [slug for slug in templates if not _SLUG.fullmatch(slug)]
    if bad:
        raise ValueError(
            R(N_("template names use only a-z and _, e.g. id_card")) + ": " + ", ".join(bad)
        )
    return templates
