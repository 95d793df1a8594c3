"""A realistic multilingual demo world for `amends demo_data`, safe to load twice.

Everything has a fixed key (team slug, username, location code, customer and interaction external id), and a story
(an interaction with its feedback and recovery case) is told only when its interaction is new. A second run finds
everything in place and adds nothing. Case times are relative to the moment of loading, so that the inbox shows
countdowns that are overdue, due in minutes and due in hours.
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from amends.cases.demo_setup import demo_playbooks_ensure, demo_sla_ensure
from amends.cases.enums import OPEN_STATUSES, CaseStatus, EventKind
from amends.cases.models import Case, CaseEvent
from amends.cases.services import case_add_note, case_clock_refresh, case_resolve, case_take_ownership, categories_seed
from amends.core.enums import Role
from amends.core.models import Location, Team, User
from amends.core.services import location_create, roles_ensure, user_create
from amends.customers.models import Customer, Interaction
from amends.customers.services import CustomerData, customer_upsert, interaction_record
from amends.intake.detection import Scores
from amends.intake.enums import Channel, FeedbackKind
from amends.intake.models import Feedback
from amends.intake.services import FeedbackInput, feedback_submit

DEMO_PASSWORD = "amends-demo"
SEED = 42
CASE_COUNT = 96
CALM_SURVEY_SHARE = 0.65  # of the interactions without a failure, how many get a survey answer
DAY = 24 * 60  # minutes


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: Role
    teams: tuple[str, ...]
    first_name: str
    last_name: str
    language: str = ""


@dataclass(frozen=True)
class LocationSpec:
    code: str
    name: str
    country: str
    timezone: str
    team: str
    touchpoint: str  # stay, delivery, store or flight: which remarks and attributes fit
    interaction_kind: str
    regions: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()


TEAMS = [
    TeamSpec("benelux", "Benelux care", "benelux-care@example.com"),
    TeamSpec("dach", "DACH care", "dach-care@example.com"),
    TeamSpec("south", "South care", "south-care@example.com"),
    TeamSpec("night", "Night shift"),
]
USERS = [
    UserSpec("agent", Role.AGENT, ("benelux",), "Eva", "de Jong"),
    UserSpec("supervisor", Role.SUPERVISOR, ("benelux", "dach"), "Pieter", "Bakker"),
    UserSpec("admin", Role.ADMIN, ("benelux", "dach", "south", "night"), "Anna", "Lindqvist"),
    UserSpec("agent.de", Role.AGENT, ("dach",), "Jonas", "Becker", "de"),
    UserSpec("agent.it", Role.AGENT, ("south",), "Giulia", "Marino", "it"),
    # A team without locations: this user must see no case at all.
    UserSpec("outsider", Role.AGENT, ("night",), "Nora", "Vermeer"),
]
LOCATIONS = [
    LocationSpec("ams-canal-hotel", "Canal House Hotel Amsterdam", "NL", "Europe/Amsterdam", "benelux", "stay", "stay"),
    LocationSpec("rtm-webshop-hub", "Web shop delivery hub Rotterdam", "NL", "Europe/Amsterdam", "benelux", "delivery",
                 "order", ("North", "South", "Randstad"), ("PostNL", "DHL", "DPD")),
    LocationSpec("ber-store-mitte", "Store Berlin Mitte", "DE", "Europe/Berlin", "dach", "store", "purchase"),
    LocationSpec("ams-fco-route", "Flight route Amsterdam-Rome", "IT", "Europe/Rome", "south", "flight", "flight"),
    LocationSpec("par-store-marais", "Store Paris Le Marais", "FR", "Europe/Paris", "south", "store", "purchase"),
    LocationSpec("mad-delivery-hub", "Delivery hub Madrid", "ES", "Europe/Madrid", "south", "delivery", "delivery",
                 ("Centro", "Norte", "Levante"), ("Correos Express", "SEUR", "MRW")),
]  # fmt: skip
LOCATIONS_BY_CODE = {location.code: location for location in LOCATIONS}
# Who takes a team's cases; a name listed twice takes more of them.
HANDLERS = {
    "benelux": ("agent", "agent", "supervisor"),
    "dach": ("agent.de", "agent.de", "supervisor"),
    "south": ("agent.it",),
}


@dataclass(frozen=True)
class LanguageProfile:
    customers: int
    email_domain: str
    phone_prefix: str
    phone_digits: int
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    locations: tuple[str, ...]  # where these customers are served; a code listed twice is visited more


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


PROFILES = {
    "nl": LanguageProfile(
        44, "example.nl", "+31 6 ", 8,
        _names("Sanne,Daan,Lotte,Bram,Femke,Thijs,Eva,Jeroen,Anouk,Ruben,Marieke,Joost,Iris,Sven,Noor,Wouter"),
        _names("de Vries,Jansen,van den Berg,Bakker,Visser,Smit,Meijer,de Boer,Mulder,de Graaf,Bos,Vos,van Dijk"),
        ("ams-canal-hotel", "rtm-webshop-hub", "rtm-webshop-hub", "ams-fco-route"),
    ),
    "de": LanguageProfile(
        38, "example.de", "+49 151 ", 8,
        _names("Lukas,Anna,Jonas,Lea,Felix,Marie,Maximilian,Sophie,Paul,Hannah,Tobias,Katharina,Niklas,Laura,Stefan"),
        _names("Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Koch,Richter,Schröder"),
        ("ber-store-mitte", "ber-store-mitte", "ams-canal-hotel", "ams-fco-route"),
    ),
    "it": LanguageProfile(
        32, "example.it", "+39 347 ", 7,
        _names("Giulia,Marco,Francesca,Luca,Chiara,Alessandro,Sara,Matteo,Elena,Davide,Valentina,Lorenzo,Martina"),
        _names("Rossi,Russo,Ferrari,Esposito,Bianchi,Romano,Colombo,Ricci,Greco,Bruno,Gallo,Conti,De Luca,Costa"),
        ("ams-fco-route", "ams-fco-route", "ams-canal-hotel", "par-store-marais"),
    ),
    "fr": LanguageProfile(
        30, "example.fr", "+33 6 ", 8,
        _names("Camille,Louis,Manon,Hugo,Chloé,Lucas,Léa,Gabriel,Inès,Arthur,Juliette,Théo,Sarah,Nathan,Émilie"),
        _names("Martin,Bernard,Dubois,Thomas,Robert,Richard,Petit,Durand,Leroy,Moreau,Simon,Laurent,Lefèvre"),
        ("par-store-marais", "par-store-marais", "ams-canal-hotel", "ams-fco-route"),
    ),
    "es": LanguageProfile(
        30, "example.es", "+34 6", 8,
        _names("Alejandro,María,Pablo,Carmen,Javier,Lucía,Sergio,Elena,Daniel,Paula,Álvaro,Marta,Diego,Sofía"),
        _names("García,Rodríguez,González,Fernández,López,Martínez,Sánchez,Pérez,Gómez,Jiménez,Ruiz,Díaz,Moreno"),
        ("mad-delivery-hub", "mad-delivery-hub", "ams-fco-route", "par-store-marais"),
    ),
    "en": LanguageProfile(
        26, "example.com", "+44 7700 900", 3,
        _names("Oliver,Emily,James,Charlotte,Harry,Amelia,Jack,Olivia,George,Isla,Thomas,Grace,William,Megan"),
        _names("Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Robinson,Wright,Evans,Walker,Roberts"),
        ("ams-canal-hotel", "ams-fco-route", "par-store-marais", "rtm-webshop-hub"),
    ),
}  # fmt: skip

# Free texts written for this demo. A line: language, mood (neg, pos, or chase: a customer still waiting),
# touchpoint (or any), the root-cause category a complaint points to (- for none), and after "|" the text.
REMARKS_TABLE = """
en neg delivery delivery        | My parcel arrived four days late and nobody told me why. The party is over now.
en neg delivery product_quality | The box was crushed and two of the glasses inside were broken.
en neg stay     cleanliness     | The bathroom was dirty when we arrived: hair in the shower, used towels on the floor.
en neg stay     booking         | We booked a room with a canal view and were given one facing the car park.
en neg store    staff_behaviour | The cashier was rude to my mother and refused to help her with the card machine.
en neg flight   delay           | Our flight to Rome left three hours late and nobody at the gate could tell us why.
en neg flight   other           | My suitcase did not arrive in Rome and I have been waiting two days for news.
en neg any      billing         | I was charged twice for the same order and I still have not received a refund.
en pos delivery -               | Delivered a day early and the driver even carried it upstairs. Great service.
en pos stay     -               | Lovely quiet room and the breakfast was excellent. We will come back.
en pos store    -               | The staff took the time to help me find the right size. Very friendly.
en pos flight   -               | Smooth flight, friendly crew, and we landed ahead of schedule.
en pos any      -               | Quick and easy, exactly what I needed.
en chase any    -               | I complained days ago and nobody has answered. Is anyone reading this?
nl neg delivery delivery        | Mijn pakket is drie dagen te laat bezorgd en niemand liet iets weten.
nl neg delivery product_quality | De doos was helemaal ingedeukt en de lamp erin was kapot.
nl neg stay     cleanliness     | De kamer rook naar sigaretten en het beddengoed was niet schoon.
nl neg stay     booking         | Onze reservering was zoek bij aankomst; we moesten een uur wachten op een kamer.
nl neg store    staff_behaviour | De medewerker aan de kassa was onvriendelijk en bleef op zijn telefoon kijken.
nl neg flight   delay           | De vlucht naar Rome werd zonder uitleg geannuleerd; we konden pas de volgende dag mee.
nl neg flight   other           | Mijn koffer is niet aangekomen in Rome en niemand weet waar hij is.
nl neg any      billing         | Er is twee keer geld van mijn rekening afgeschreven voor één bestelling.
nl pos delivery -               | Keurig op tijd bezorgd en netjes verpakt. Top!
nl pos stay     -               | Prachtig uitzicht op de gracht en heel vriendelijk personeel.
nl pos store    -               | Fijne winkel, goed geholpen en snel afgerekend.
nl pos flight   -               | Prettige vlucht, vriendelijke bemanning en op tijd geland.
nl pos any      -               | Alles ging snel en makkelijk, dank jullie wel.
nl chase any    -               | Ik heb een paar dagen geleden al geklaagd en nog steeds geen antwoord gekregen.
de neg delivery delivery        | Die Lieferung kam fünf Tage zu spät, obwohl ich für Expressversand bezahlt habe.
de neg delivery product_quality | Der Karton war durchnässt und die Ware darin beschädigt.
de neg stay     cleanliness     | Das Zimmer war schmutzig und im Bad lagen noch benutzte Handtücher.
de neg stay     booking         | Bei der Ankunft war unsere Buchung nicht auffindbar, trotz Bestätigung.
de neg store    staff_behaviour | Der Verkäufer war unfreundlich und hat mich einfach stehen lassen.
de neg store    product_quality | Die Jacke ist nach zweimal Tragen an der Naht gerissen.
de neg flight   delay           | Unser Flug nach Rom hatte vier Stunden Verspätung und es gab keinerlei Information.
de neg any      billing         | Mir wurde mehr berechnet als angegeben, und niemand fühlt sich zuständig.
de pos delivery -               | Schnelle Lieferung, alles gut verpackt. Gerne wieder.
de pos stay     -               | Sehr sauberes Zimmer und ein ausgezeichnetes Frühstück.
de pos store    -               | Kompetente Beratung und eine sehr freundliche Verkäuferin.
de pos flight   -               | Pünktlicher Flug und eine sehr aufmerksame Crew.
de pos any      -               | Alles hat reibungslos geklappt, vielen Dank!
de chase any    -               | Ich warte seit Tagen auf eine Antwort auf meine Beschwerde.
it neg delivery delivery        | Il pacco è arrivato con una settimana di ritardo e il tracciamento non funzionava.
it neg delivery delivery        | La scatola era aperta e mancava metà degli articoli.
it neg stay     cleanliness     | La camera non era pulita e gli asciugamani erano macchiati.
it neg stay     booking         | Avevamo prenotato una camera matrimoniale ma ci hanno dato due letti singoli.
it neg store    staff_behaviour | Il commesso è stato scortese e non ha voluto cambiare il prodotto difettoso.
it neg flight   delay           | Il volo per Roma è partito con tre ore di ritardo e nessuno ci ha spiegato il motivo.
it neg flight   other           | La mia valigia è arrivata danneggiata, con una ruota rotta.
it neg any      billing         | Mi avete addebitato due volte lo stesso importo sulla carta di credito.
it pos delivery -               | Consegna puntuale e corriere gentilissimo.
it pos stay     -               | Hotel splendido, personale cordiale e colazione ottima.
it pos store    -               | Negozio ordinato e commessi molto disponibili.
it pos flight   -               | Volo puntuale e personale di bordo molto gentile.
it pos any      -               | Tutto perfetto, grazie mille!
it chase any    -               | Ho scritto giorni fa e non ho ancora ricevuto nessuna risposta.
fr neg delivery delivery        | Ma commande devait arriver mardi, elle est arrivée le lundi suivant sans explication.
fr neg delivery product_quality | Le colis était abîmé et le vase à l'intérieur était cassé.
fr neg stay     cleanliness     | La chambre était sale et il y avait des cheveux dans la salle de bain.
fr neg stay     booking         | Nous avions réservé une chambre supérieure et on nous a donné une chambre standard.
fr neg store    staff_behaviour | La vendeuse a été désagréable et m'a parlé comme si je la dérangeais.
fr neg store    product_quality | Le pull a déteint dès le premier lavage.
fr neg flight   delay           | Vol annulé à la dernière minute et aucune solution proposée au comptoir.
fr neg any      billing         | J'ai été débité deux fois et le remboursement n'est toujours pas arrivé.
fr pos delivery -               | Livraison rapide et colis en parfait état.
fr pos stay     -               | Chambre calme et très propre, personnel aux petits soins.
fr pos store    -               | Très bon accueil et des conseils utiles, merci à l'équipe.
fr pos flight   -               | Vol agréable et équipage souriant.
fr pos any      -               | Simple et rapide, rien à redire.
fr chase any    -               | J'ai déjà écrit il y a plusieurs jours et personne ne m'a répondu.
es neg delivery delivery        | El pedido llegó con cuatro días de retraso y nadie me avisó.
es neg delivery product_quality | La caja llegó rota y el producto estaba rayado.
es neg delivery staff_behaviour | El repartidor dejó el paquete en la calle, bajo la lluvia.
es neg stay     cleanliness     | La habitación estaba sucia y el aire acondicionado no funcionaba.
es neg stay     booking         | Nuestra reserva no aparecía en el sistema cuando llegamos al hotel.
es neg store    staff_behaviour | El dependiente fue muy maleducado y no quiso atenderme.
es neg flight   delay           | El vuelo a Roma salió con tres horas de retraso y no nos dieron ni agua.
es neg any      billing         | Me han cobrado dos veces el mismo pedido y nadie me devuelve el dinero.
es pos delivery -               | Entrega rápida y el repartidor fue muy amable.
es pos stay     -               | Habitación preciosa y un personal encantador.
es pos store    -               | Me atendieron muy bien y encontré justo lo que buscaba.
es pos flight   -               | Vuelo puntual y tripulación muy atenta.
es pos any      -               | Todo perfecto, muchas gracias.
es chase any    -               | Hace días que presenté una queja y todavía no tengo respuesta.
"""


@dataclass(frozen=True)
class Remark:
    language: str
    mood: str
    touchpoint: str
    category: str
    text: str


def _parse_remarks(table: str) -> list[Remark]:
    remarks = []
    for line in table.strip().splitlines():
        head, text = line.split("|", 1)
        language, mood, touchpoint, category = head.split()
        remarks.append(Remark(language, mood, touchpoint, "" if category == "-" else category, text.strip()))
    return remarks


REMARKS = _parse_remarks(REMARKS_TABLE)
# Internal notes, in the language the handler works in ("" is English).
NOTES = {
    "": [
        "Called the customer and left a voicemail; trying again this afternoon.",
        "Asked the carrier for the full tracking history.",
        "Customer sent photos by email; the damage is clear.",
        "Checked with the night manager: the room was not inspected before check-in.",
    ],
    "de": ["Kunden telefonisch erreicht, er wartet auf eine Gutschrift.", "Beim Lager nachgefragt, Antwort morgen."],
    "it": ["Ho chiamato il cliente, richiamerà domani mattina.", "Chiesto all'ufficio bagagli lo stato della pratica."],
}
RESOLUTIONS = {
    "delivery": "Apologised, refunded the shipping costs and sent a voucher for the next order.",
    "billing": "Refunded the double charge and confirmed the refund by email.",
    "product_quality": "Sent a replacement by express delivery and collected the damaged item.",
    "staff_behaviour": "Apologised on behalf of the team, discussed it with the team lead and sent a gift card.",
    "booking": "Moved the guest to the room type they booked and waived one night.",
    "cleanliness": "Moved the guest to a clean room at once and offered dinner on the house.",
    "delay": "Rebooked the customer, paid the EU261 compensation and apologised for the silence at the gate.",
    "other": "Traced the suitcase and had it delivered to the customer's address the same day.",
}
# The likely root cause when an unhappy score comes without a comment.
DEFAULT_CATEGORY = {"delivery": "delivery", "flight": "delay", "stay": "booking", "store": "product_quality"}
SURVEY_METRICS = {"stay": ("nps", "nps", "csat"), "flight": ("nps", "csat"), "delivery": ("ces", "csat", "nps"),
                  "store": ("csat", "csat", "nps")}  # fmt: skip
SCORE_BANDS = {
    "positive": {"nps": (9, 10), "csat": (4, 5), "ces": (1, 2)},
    "neutral": {"nps": (7, 8), "csat": (3, 3), "ces": (3, 4)},
    "negative": {"nps": (0, 6), "csat": (1, 2), "ces": (5, 7)},
}
COMPLAINT_CHANNELS = {
    "stay": (Channel.WEB, Channel.EMAIL, Channel.PHONE, Channel.IN_PERSON, Channel.SOCIAL),
    "delivery": (Channel.WEB, Channel.EMAIL, Channel.CHAT, Channel.PHONE, Channel.SOCIAL),
    "store": (Channel.WEB, Channel.IN_PERSON, Channel.EMAIL, Channel.SOCIAL),
    "flight": (Channel.WEB, Channel.EMAIL, Channel.SOCIAL, Channel.PHONE),
}

# Where a case stands on its SLA clock when the demo is loaded, and how many cases stand there.
NEW_OVERDUE, NEW_DUE_SOON, RESOLVED = "new_overdue", "new_due_soon", "resolved"
TAKEN_DUE_SOON, TAKEN_DUE_LATER, TAKEN_OVERDUE = "taken_due_soon", "taken_due_later", "taken_overdue"
CASE_MIX = {NEW_OVERDUE: 8, NEW_DUE_SOON: 16, TAKEN_DUE_SOON: 10, TAKEN_DUE_LATER: 28, TAKEN_OVERDUE: 10, RESOLVED: 24}
TAKE, CHASE, NOTE, RESOLVE = "take", "chase", "note", "resolve"  # the steps of a case after it opens


@dataclass(frozen=True)
class FeedbackPlan:
    kind: str
    channel: str
    scores: Scores
    text: str
    received_at: datetime
    answer_lag: timedelta  # between the customer answering and the answer arriving


@dataclass(frozen=True)
class CaseStep:
    action: str
    at: datetime
    text: str = ""


@dataclass(frozen=True)
class Story:
    """One interaction, perhaps with a survey answer or a complaint, and the life of the case it opened."""

    external_id: str
    customer: CustomerData
    location: LocationSpec
    occurred_at: datetime
    attributes: dict
    feedback: FeedbackPlan | None = None
    handler: str = ""
    category: str = ""
    case_steps: tuple[CaseStep, ...] = ()


@dataclass(frozen=True)
class DemoSummary:
    created: dict[str, int]  # per kind of object, how many this run added
    totals: dict[str, int]  # per kind of object, how many the database holds now
    open_cases: int
    resolved_cases: int


COUNTED: dict[str, type[Model]] = {
    "teams": Team,
    "users": User,
    "locations": Location,
    "customers": Customer,
    "interactions": Interaction,
    "feedback": Feedback,
    "cases": Case,
}


def demo_data_load(*, now: datetime | None = None) -> DemoSummary:
    """Load the demo world; what already exists is left as it is."""
    now = now or timezone.now()
    rng = random.Random(SEED)
    before = _counts()
    with transaction.atomic():
        roles_ensure()
        categories_seed()  # the demo resolves with these (the migration adds them; an emptied database lost them)
        teams = _ensure_teams()
        users = _ensure_users(teams)
        _ensure_locations(teams)
        demo_sla_ensure()
        customers = _plan_customers(rng)
        for customer in customers:
            customer_upsert(customer, may_change=True)  # the demo loads as the system does
        stories = _plan_stories(rng, customers, now)
        planned_ids = [story.external_id for story in stories]
        told = set(Interaction.objects.filter(external_id__in=planned_ids).values_list("external_id", flat=True))
        for story in stories:
            if story.external_id not in told:
                _tell(story, users)
        _add_silent_failures(now)
        demo_playbooks_ensure()
        _ensure_amends(teams)
        _add_history(rng, now)
    from amends.analytics.services import facts_refresh

    facts_refresh()  # the dashboards have numbers at once
    after = _counts()
    return DemoSummary(
        created={name: after[name] - before[name] for name in COUNTED},
        totals=after,
        open_cases=Case.objects.filter(status__in=OPEN_STATUSES).count(),
        resolved_cases=Case.objects.filter(status=CaseStatus.RESOLVED).count(),
    )


# What the demo's people may give (per case, per day, per month): agents 200 / 500 / 5,000, supervisors 2,000 / 5,000 /
# 20,000 (so a cohort gesture or a run of approvals can pass them), admins without limit (role admin set high).
DEMO_AUTHORITY = {
    "agent": ("200", "500", "5000"),
    "supervisor": ("2000", "5000", "20000"),
    "admin": ("100000", None, None),
}
DEMO_CATALOGUE = [  # (name, type, amount, validity days)
    ("Voucher 25", "voucher", "25", 365),
    ("Voucher 50", "voucher", "50", 365),
    ("Partial refund", "partial_refund", "40", None),
    ("Room or seat upgrade", "upgrade", "0", None),
    ("Free delivery next order", "waived_fee", "7.95", None),
    ("A sincere apology", "apology_only", "0", None),
]


def _ensure_amends(teams: dict[str, Team]) -> None:
    """Spending authorities, the gesture catalogue and a monthly budget per team, so gestures work in the demo."""
    from amends.compensation.models import AuthorityLimit, CatalogueItem, TeamBudget

    for role, (per_case, per_day, per_month) in DEMO_AUTHORITY.items():
        AuthorityLimit.objects.get_or_create(role=role, defaults={
            "per_case": Decimal(per_case), "per_day": Decimal(per_day) if per_day else None,
            "per_month": Decimal(per_month) if per_month else None,
        })  # fmt: skip
    for name, kind, amount, days in DEMO_CATALOGUE:
        CatalogueItem.objects.get_or_create(
            name=name, defaults={"type": kind, "default_amount": Decimal(amount), "validity_days": days}
        )
    for team in teams.values():
        TeamBudget.objects.get_or_create(team=team, defaults={"per_month": Decimal("5000")})


# Service failures nobody complained about, for the "At risk" list: (location, kind, attributes, hours ago).
SILENT_FAILURES: list[tuple[str, str, dict[str, Any], int]] = [
    ("rtm-webshop-hub", "delivery", {"delivery_delay_hours": 52, "region": "North", "status": "delayed"}, 20),
    ("rtm-webshop-hub", "delivery", {"delivery_delay_hours": 31, "region": "South"}, 30),
    ("ams-fco-route", "flight", {"status": "cancelled", "flight": "KL1599"}, 40),
    ("mad-delivery-hub", "delivery", {"status": "lost", "region": "Centro"}, 26),
    ("ber-store-mitte", "order", {"status": "refunded", "reason": "out of stock"}, 50),
    ("ams-canal-hotel", "stay", {"status": "failed", "issue": "no hot water"}, 12),
]


def _add_silent_failures(now: datetime) -> None:
    """A few customers whose service failed lately and who said nothing (customers with no case at all)."""
    quiet = Customer.objects.filter(cases__isnull=True, external_id__startswith="demo-cust-").order_by("external_id")
    for number, (customer, failure) in enumerate(zip(quiet, SILENT_FAILURES, strict=False), start=1):
        external_id = f"demo-silent-{number:02d}"
        if Interaction.objects.filter(external_id=external_id).exists():
            continue
        code, kind, attributes, hours_ago = failure
        interaction_record(
            external_id=external_id, customer=CustomerData(external_id=customer.external_id), location_code=code,
            kind=kind, occurred_at=now - timedelta(hours=hours_ago), attributes=attributes, by=None,
        )  # fmt: skip


def _add_history(rng: random.Random, now: datetime) -> None:
    from .demo_history import Place, history_load

    places = {location.code: location for location in Location.objects.filter(code__in=LOCATIONS_BY_CODE)}
    history_load([Place(places[spec.code], spec.touchpoint, spec.interaction_kind) for spec in LOCATIONS], now, rng)


def _counts() -> dict[str, int]:
    return {name: model._default_manager.count() for name, model in COUNTED.items()}


def _ensure_teams() -> dict[str, Team]:
    teams = {}
    for spec in TEAMS:
        teams[spec.slug], _created = Team.objects.get_or_create(
            slug=spec.slug, defaults={"name": spec.name, "email": spec.email}
        )
    return teams


def _ensure_users(teams: dict[str, Team]) -> dict[str, User]:
    users = {user.username: user for user in User.objects.filter(username__in=[spec.username for spec in USERS])}
    for spec in USERS:
        if spec.username not in users:
            users[spec.username] = user_create(
                username=spec.username,
                password=DEMO_PASSWORD,
                role=spec.role,
                teams=[teams[slug] for slug in spec.teams],
                email=f"{spec.username}@example.com",
                first_name=spec.first_name,
                last_name=spec.last_name,
                language=spec.language,
            )
    return users


def _ensure_locations(teams: dict[str, Team]) -> None:
    existing = set(Location.objects.values_list("code", flat=True))
    for spec in LOCATIONS:
        if spec.code not in existing:
            location_create(
                code=spec.code, name=spec.name, country=spec.country, timezone_name=spec.timezone, team=teams[spec.team]
            )


# Planning: pure, deterministic given the seed; only the times depend on `now`.


def _plan_customers(rng: random.Random) -> list[CustomerData]:
    customers: list[CustomerData] = []
    emails_taken: set[str] = set()
    for language, profile in PROFILES.items():
        for _ in range(profile.customers):
            first_name = rng.choice(profile.first_names)
            surnames = rng.sample(profile.last_names, 2)
            # Spanish speakers carry both surnames.
            last_name = " ".join(surnames) if language == "es" else surnames[0]
            phone_number = "".join(str(rng.randint(0, 9)) for _ in range(profile.phone_digits))
            has_phone, is_vip = rng.random() < 0.6, rng.random() < 0.08
            customers.append(
                CustomerData(
                    external_id=f"demo-cust-{len(customers) + 1:04d}",
                    name=f"{first_name} {last_name}",
                    email=_unique_email(first_name, last_name, profile.email_domain, emails_taken),
                    phone=profile.phone_prefix + phone_number if has_phone else "",
                    language=language,
                    segment="VIP" if is_vip else "",
                )
            )
    return customers


def _unique_email(first_name: str, last_name: str, domain: str, taken: set[str]) -> str:
    local = _ascii(f"{first_name}.{last_name}").lower().replace(" ", "").replace("'", "")
    email, number = f"{local}@{domain}", 1
    while email in taken:
        number += 1
        email = f"{local}{number}@{domain}"
    taken.add(email)
    return email


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _plan_stories(rng: random.Random, customers: list[CustomerData], now: datetime) -> list[Story]:
    unhappy = set(rng.sample(range(len(customers)), CASE_COUNT))
    positions = [position for position, count in CASE_MIX.items() for _ in range(count)]
    rng.shuffle(positions)
    stories: list[Story] = []
    for index, customer in enumerate(customers):
        profile = PROFILES[customer.language or "en"]
        visits = rng.choice((1, 1, 2, 2, 3))
        for visit in range(visits):
            location = LOCATIONS_BY_CODE[rng.choice(profile.locations)]
            external_id = f"demo-int-{len(stories) + 1:04d}"
            # A customer has at most one failure with a case: a second one would join the open case.
            if index in unhappy and visit == visits - 1:
                stories.append(_unhappy_story(rng, now, external_id, customer, location, positions.pop()))
            else:
                stories.append(_calm_story(rng, now, external_id, customer, location))
    return sorted(stories, key=lambda story: story.occurred_at)


def _calm_story(
    rng: random.Random, now: datetime, external_id: str, customer: CustomerData, location: LocationSpec
) -> Story:
    occurred_at = now - timedelta(minutes=rng.randint(6 * 60, 60 * DAY))
    answered = rng.random() < CALM_SURVEY_SHARE
    silent_failure = rng.random() < 0.15  # unhappy but silent: a late delivery nobody complained about
    mood = "positive" if rng.random() < 0.75 else "neutral"
    metric = rng.choice(SURVEY_METRICS[location.touchpoint])
    remark = _remark(rng, customer.language or "en", "pos", location.touchpoint)
    with_text = rng.random() < 0.55
    lag = rng.randint(30, 3 * DAY)
    problem = "delay" if silent_failure and not answered else ""
    attributes = _attributes(rng, location, external_id, problem)
    feedback = FeedbackPlan(
        kind=FeedbackKind.SURVEY,
        channel=Channel.SURVEY,
        scores=_scores(rng, metric, mood),
        text=remark.text if with_text and mood == "positive" else "",
        received_at=min(occurred_at + timedelta(minutes=lag), now - timedelta(minutes=5)),
        answer_lag=timedelta(minutes=rng.randint(1, 10)),
    )
    return Story(external_id, customer, location, occurred_at, attributes, feedback if answered else None)


def _unhappy_story(
    rng: random.Random, now: datetime, external_id: str, customer: CustomerData, location: LocationSpec, position: str
) -> Story:
    language = customer.language or "en"
    remark = _remark(rng, language, "neg", location.touchpoint)
    is_complaint = rng.random() < 0.55
    with_text = is_complaint or rng.random() < 0.7
    channel = rng.choice(COMPLAINT_CHANNELS[location.touchpoint]) if is_complaint else Channel.SURVEY
    metric = rng.choice(SURVEY_METRICS[location.touchpoint])
    opened_at = _opened_at(rng, now, position)
    occurred_at = opened_at - timedelta(minutes=rng.randint(60, 3 * DAY))
    category = remark.category if with_text else DEFAULT_CATEGORY[location.touchpoint]
    handler = rng.choice(HANDLERS[location.team])
    feedback = FeedbackPlan(
        kind=FeedbackKind.COMPLAINT if is_complaint else FeedbackKind.SURVEY,
        channel=channel,
        scores=Scores() if is_complaint else _scores(rng, metric, "negative"),
        text=remark.text if with_text else "",
        received_at=opened_at,
        answer_lag=timedelta(minutes=rng.randint(1, 20)),
    )
    steps = _case_steps(rng, now, position, opened_at, language, _handler_language(handler))
    attributes = _attributes(rng, location, external_id, category)
    return Story(external_id, customer, location, occurred_at, attributes, feedback, handler, category, steps)


def _handler_language(username: str) -> str:
    return next(spec.language for spec in USERS if spec.username == username)


def _remark(rng: random.Random, language: str, mood: str, touchpoint: str) -> Remark:
    fitting = [
        remark
        for remark in REMARKS
        if remark.language == language and remark.mood == mood and remark.touchpoint in (touchpoint, "any")
    ]
    return rng.choice(fitting)


def _chase_text(language: str) -> str:
    return next(remark.text for remark in REMARKS if remark.language == language and remark.mood == "chase")


def _scores(rng: random.Random, metric: str, mood: str) -> Scores:
    low, high = SCORE_BANDS[mood][metric]
    return Scores(**{metric: rng.randint(low, high)})


def _opened_at(rng: random.Random, now: datetime, position: str) -> datetime:
    """When the case opened, chosen so that its next deadline lands where `position` says."""
    first_response = settings.AMENDS_FIRST_RESPONSE_MINUTES
    resolution = settings.AMENDS_RESOLUTION_MINUTES
    if position == NEW_OVERDUE:
        minutes_ago = first_response + rng.randint(5, 6 * 60)  # a late morning, not a lost week
    elif position == NEW_DUE_SOON:
        minutes_ago = max(2, first_response - rng.randint(3, max(3, first_response * 3 // 4)))
    elif position == TAKEN_DUE_SOON:
        minutes_ago = resolution - rng.randint(5, 50)
    elif position == TAKEN_DUE_LATER:
        minutes_ago = resolution - rng.randint(90, max(90, resolution - 120))
    elif position == TAKEN_OVERDUE:
        minutes_ago = resolution + rng.randint(30, 2 * DAY)
    else:
        minutes_ago = rng.randint(3 * DAY, 55 * DAY)
    return now - timedelta(minutes=max(minutes_ago, 10))


def _case_steps(
    rng: random.Random, now: datetime, position: str, opened_at: datetime, language: str, handler_language: str
) -> tuple[CaseStep, ...]:
    """What happens to the case after it opens, in time order; every step lies in the past."""
    # Draw every number up front so that the sequence of draws does not depend on the clock.
    take_after, resolve_after = rng.randint(4, 240), rng.randint(45, 4 * DAY)
    chases, note_share, chase_share = rng.random() < 0.3, rng.uniform(0.1, 0.9), rng.uniform(0.3, 0.8)
    noted = rng.random() < (0.35 if position == RESOLVED else 0.45)
    note = rng.choice(NOTES[handler_language])
    if position in (NEW_OVERDUE, NEW_DUE_SOON):
        if chases and position == NEW_OVERDUE:
            return (CaseStep(CHASE, opened_at + (now - opened_at) * chase_share, _chase_text(language)),)
        return ()
    taken_at = min(opened_at + timedelta(minutes=take_after), opened_at + (now - opened_at) / 2)
    steps = [CaseStep(TAKE, taken_at)]
    if position == RESOLVED:
        resolved_at = min(taken_at + timedelta(minutes=resolve_after), now - timedelta(hours=2))
        steps.append(CaseStep(RESOLVE, resolved_at))
        if noted:
            steps.append(CaseStep(NOTE, taken_at + (resolved_at - taken_at) * note_share, note))
        return tuple(sorted(steps, key=lambda step: step.at))
    if chases and position == TAKEN_OVERDUE:
        steps.append(CaseStep(CHASE, taken_at + (now - taken_at) * chase_share, _chase_text(language)))
    if noted:
        steps.append(CaseStep(NOTE, taken_at + (now - taken_at) * note_share, note))
    return tuple(sorted(steps, key=lambda step: step.at))


def _attributes(rng: random.Random, location: LocationSpec, external_id: str, problem: str) -> dict:
    """What the business system knows about the interaction; a failure shows in its attributes."""
    reference = f"{location.code.split('-')[0].upper()}-{100_000 + int(external_id.rsplit('-', 1)[1])}"
    if location.touchpoint == "delivery":
        delay = rng.choice((18, 24, 30, 48, 72, 96))
        status = {"delivery": "delayed", "delay": "delayed", "product_quality": "damaged"}.get(problem, "delivered")
        return {
            "order_number": reference,
            "carrier": rng.choice(location.carriers),
            "region": rng.choice(location.regions),
            "delivery_delay_hours": delay if status == "delayed" else 0,
            "status": status,
        }
    if location.touchpoint == "flight":
        delay, cancelled, on_time_delay = rng.randint(95, 300), rng.random() < 0.3, rng.randint(0, 14)
        status = ("cancelled" if cancelled else "delayed") if problem == "delay" else "on_time"
        return {
            "flight_number": rng.choice(("XA 311", "XA 315", "XA 319")),
            "route": "AMS-FCO",
            "cabin": rng.choice(("Economy", "Economy", "Economy", "Business")),
            "seat": f"{rng.randint(1, 32)}{rng.choice('ABCDEF')}",
            "delay_minutes": delay if status != "on_time" else on_time_delay,
            "status": status,
        }
    if location.touchpoint == "stay":
        return {
            "booking_reference": reference,
            "room": f"{rng.randint(1, 4)}{rng.randint(1, 24):02d}",
            "room_type": rng.choice(("Standard", "Superior", "Canal view suite")),
            "nights": rng.randint(1, 5),
            "status": "checked_out",
        }
    return {
        "receipt_number": reference,
        "amount_eur": round(rng.uniform(12, 340), 2),
        "items": rng.randint(1, 5),
        "payment": rng.choice(("card", "card", "cash", "mobile")),
    }


# Telling a story: the project's services do the work; then the clock is set back to when it happened.


def _tell(story: Story, users: dict[str, User]) -> None:
    interaction_record(
        external_id=story.external_id,
        customer=story.customer,
        location_code=story.location.code,
        kind=story.location.interaction_kind,
        occurred_at=story.occurred_at,
        attributes=story.attributes,
        by=None,
    )
    if story.feedback is None:
        return
    events_before = _last_event_id()
    case = _submit(story, story.feedback)
    # Only a case this feedback opened gets the planned life; one that existed before is not ours to change.
    if case is None or not case.events.filter(pk__gt=events_before, kind=EventKind.OPENED).exists():
        return
    _date_events_since(case, events_before, story.feedback.received_at)
    handler = users[story.handler]
    for step in story.case_steps:
        events_before = _last_event_id()
        if step.action == TAKE:
            case = case_take_ownership(case=case, by=handler)
        elif step.action == CHASE:
            chase = FeedbackPlan(
                FeedbackKind.COMPLAINT, Channel.EMAIL, Scores(), step.text, step.at, timedelta(minutes=1)
            )
            _submit(story, chase)
        elif step.action == NOTE:
            case_add_note(case=case, body=step.text, by=handler)
        else:
            case = case_resolve(case=case, category=story.category, resolution=RESOLUTIONS[story.category], by=handler)
        _date_events_since(case, events_before, step.at)
    _backdate_case(case, story.feedback.received_at, story.case_steps)


def _submit(story: Story, plan: FeedbackPlan) -> Case | None:
    feedback, case = feedback_submit(
        FeedbackInput(
            customer=story.customer,
            location_code=story.location.code,
            channel=plan.channel,
            kind=plan.kind,
            scores=plan.scores,
            text=plan.text,
            occurred_at=plan.received_at - plan.answer_lag,
            interaction_external_id=story.external_id,
            language=story.customer.language,
            may_change_contact=True,  # the demo loads as the system does
        )
    )
    Feedback.objects.filter(pk=feedback.pk).update(received_at=plan.received_at)
    return case


def _last_event_id() -> int:
    return CaseEvent.objects.aggregate(last=Max("id"))["last"] or 0


def _date_events_since(case: Case, event_id: int, moment: datetime) -> None:
    case.events.filter(pk__gt=event_id).update(created_at=moment)


def _backdate_case(case: Case, opened_at: datetime, steps: tuple[CaseStep, ...]) -> None:
    """Move the case's clock back to when it opened; deadlines follow the SLA rules as at intake."""
    step_times = {step.action: step.at for step in steps}
    case.refresh_from_db()
    first_response_at = (step_times.get(TAKE) or step_times.get(RESOLVE)) if case.first_response_at else None
    Case.objects.filter(pk=case.pk).update(
        created_at=opened_at,
        first_response_at=first_response_at,
        resolved_at=step_times.get(RESOLVE) if case.resolved_at else None,
        updated_at=max([opened_at, *step_times.values()]),
    )
    case_clock_refresh(case_id=case.pk)
