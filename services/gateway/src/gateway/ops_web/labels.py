"""The pages' words: Dutch first, English with `?lang=en`."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("nl", "en")

_LABELS: dict[str, tuple[str, str]] = {
    "title": ("STEM-academies: stand van zaken", "STEM academies: state of play"),
    "skip": ("Naar de inhoud", "Skip to content"),
    "nav": ("Ops-pagina's", "Ops pages"),
    "nav_reach": ("Bereik", "Reach"),
    "nav_follow_up": ("Opvolging", "Follow-up"),
    "nav_ingestion": ("Inname", "Ingestion"),
    "other_language": ("English", "Nederlands"),
    "logout": ("Afmelden", "Sign out"),
    "login_title": ("Aanmelden voor ops", "Ops sign-in"),
    "login_intro": (
        "Geef je ops-token. Het wordt bewaard in een cookie die alleen deze site leest.",
        "Enter your ops token. It is kept in a cookie only this site reads.",
    ),
    "token": ("Ops-token", "Ops token"),
    "login": ("Aanmelden", "Sign in"),
    "login_failed": ("Dit token is niet geldig.", "This token is not valid."),
    "login_provider": ("Aanmelden met je account", "Sign in with your account"),
    "login_provider_intro": (
        "Meld je aan bij de identiteitsprovider; je rechten volgen je rollen daar.",
        "Sign in with the identity provider; what you may do follows your roles there.",
    ),
    "login_token_dev": (
        "Of, in ontwikkeling en tests, met het gedeelde ops-token:",
        "Or, in development and tests, with the shared ops token:",
    ),
    "signin_no_role": (
        "Je account heeft geen ops-rol (viewer, editor, decider of admin).",
        "Your account has no ops role (viewer, editor, decider or admin).",
    ),
    "signin_failed": (
        "Aanmelden is niet gelukt ({reason}). Probeer opnieuw.",
        "Signing in did not succeed ({reason}). Try again.",
    ),
    "signed_in": ("Aangemeld als {name}.", "Signed in as {name}."),
    "continue": ("Verder naar de ops-pagina's", "Continue to the ops pages"),
    "year": ("Jaar", "Year"),
    "show": ("Toon", "Show"),
    "map_title": ("Bereikte gemeenten in {year}", "Municipalities reached in {year}"),
    "map_summary": (
        "{reached} van de {total} gemeenten bereikt ({share}), op de grenzen van {year}.",
        "{reached} of {total} municipalities reached ({share}), on the boundaries of {year}.",
    ),
    "map_help": (
        "Kies een gemeente (klik, of Tab en Enter) voor de academies en activiteiten.",
        "Choose a municipality (click, or Tab and Enter) for its academies and activities.",
    ),
    "legend": ("Legende", "Legend"),
    "reach_none": ("niet bereikt", "not reached"),
    "reach_one": ("bereikt door 1 academie", "reached by 1 academy"),
    "reach_many": ("bereikt door 2 of meer academies", "reached by 2 or more academies"),
    "choose_municipality": ("Gemeente", "Municipality"),
    "detail": ("Gemeente in detail", "Municipality in detail"),
    "detail_none": ("Nog geen gemeente gekozen.", "No municipality chosen yet."),
    "academies": ("Academies", "Academies"),
    "activities": ("Activiteiten", "Activities"),
    "none": ("geen", "none"),
    "province": ("Provincie", "Province"),
    "provinces": ("Bereik per provincie", "Reach per province"),
    "reached": ("Bereikt", "Reached"),
    "total": ("Totaal", "Total"),
    "share": ("Aandeel", "Share"),
    "all_flanders": ("Vlaanderen", "Flanders"),
    "trend": ("Bereikte gemeenten per jaar", "Municipalities reached per year"),
    "newly_reached": ("Nieuw bereikt", "Newly reached"),
    "dropped": ("Weggevallen", "Dropped"),
    "trend_note": (
        "Nieuw en weggevallen tegenover het jaar ervoor; over 2025 heen op de grenzen van 2025.",
        "New and dropped against the year before; across 2025 on the 2025 boundaries.",
    ),
    "not_reached": ("Niet bereikte gemeenten", "Municipalities not reached"),
    "municipality": ("Gemeente", "Municipality"),
    "nearest": ("Dichtste actieve academies", "Nearest active academies"),
    # Why a municipality is not reached and what follows (Q2b/c; the registry's follow-ups).
    "follow_up_reason": ("Waarom niet bereikt", "Why not reached"),
    "follow_up_initiative": ("Initiatief", "Initiative"),
    "follow_up_none": ("niets vastgelegd", "nothing recorded"),
    "follow_up_no_initiative": ("geen initiatief: {reason}", "no initiative: {reason}"),
    "follow_up_missing": (
        "{count} niet bereikte gemeenten zonder vastgelegde reden of opvolging.",
        "{count} municipalities not reached with no reason or follow-up recorded.",
    ),
    "reason_no_academy_nearby": ("geen academie in de buurt", "no academy nearby"),
    "reason_no_local_partner": ("geen lokale partner of locatie", "no local partner or venue"),
    "reason_low_demand": ("te weinig vraag", "too little demand"),
    "reason_academy_stopped": ("academie gestopt of verhuisd", "academy stopped or moved"),
    "reason_not_investigated": ("nog niet onderzocht", "not investigated yet"),
    "reason_other": ("andere", "other"),
    "reviews_due": ("Erkenningen die herzien moeten worden", "Recognition reviews due"),
    "reviews_before": ("Vervallen vóór {day}", "Running out before {day}"),
    "academy": ("Academie", "Academy"),
    "status": ("Status", "Status"),
    "valid_until": ("Geldig tot", "Valid until"),
    "participants": ("Deelnemersrapportering {year}", "Participant reports {year}"),
    "completeness": (
        "{reported} van de {recognised} erkende academies rapporteerden ({share}).",
        "{reported} of {recognised} recognised academies reported ({share}).",
    ),
    "period": ("Periode", "Period"),
    "whole_year": ("heel het jaar", "whole year"),
    "quarter": ("kwartaal {n}", "quarter {n}"),
    "participants_count": ("Deelnemers", "Participants"),
    "under_14": ("Jonger dan 14", "Under 14"),
    "from_14": ("14 en ouder", "14 and over"),
    "not_reported": ("Niet gerapporteerd", "Not reported"),
    "subsidies": ("Subsidies per rol in {year}", "Subsidies per role in {year}"),
    "role": ("Rol", "Role"),
    "paid": ("Bedrag (EUR)", "Amount (EUR)"),
    "illustrative": ("illustratief", "illustrative"),
    "no_rules": (
        "Voor {year} zijn geen subsidieregels gekend: geen berekening.",
        "No subsidy rules are known for {year}: no calculation.",
    ),
    "no_run": (
        "Voor {year} is nog geen berekening opgeslagen.",
        "No calculation is stored for {year} yet.",
    ),
    "no_access": ("Geen toegang (scope {scope}).", "No access (scope {scope})."),
    "unavailable": ("Niet beschikbaar: {reason}", "Unavailable: {reason}"),
    "ingestion": ("Gezondheid van de inname", "Ingestion health"),
    "quarantine": ("Quarantaine", "Quarantine"),
    "quarantine_total": ("{total} leveringen in quarantaine.", "{total} deliveries in quarantine."),
    "unknown_organizers": ("Onbekende organisatoren", "Unknown organizers"),
    "unknown_organizers_note": (
        "Aan geen academie gekoppeld: hun activiteiten staan niet op de STEM-kalender. "
        "Koppelen doet het register (uit_organizer_ids van een academie).",
        "Linked to no academy: their activities are not on the STEM-kalender. "
        "Linking is the registry's (an academy's uit_organizer_ids).",
    ),
    "organizer": ("Organisator", "Organizer"),
    "activities_count": ("Activiteiten", "Activities"),
    "deliveries": ("Leveringen", "Deliveries"),
    "last_seen": ("Laatst gezien", "Last seen"),
    "place_disagreements": ("Coördinaten tegen postcode", "Coordinates against postal code"),
    "place_disagreements_count": (
        "{count} activiteiten met coördinaten in een andere gemeente dan hun adres.",
        "{count} activities with coordinates in another municipality than their address.",
    ),
    "place_disagreements_note": (
        "Het adres telt, voor bereik en betaling; verbeter de plaats in UiTdatabank.",
        "The address counts, for reach and payment alike; correct the place in UiTdatabank.",
    ),
    "activity": ("Activiteit", "Activity"),
    "address": ("Adres", "Address"),
    "disagreement": ("Verschil", "Disagreement"),
    "source": ("Bron", "Source"),
    "reason": ("Reden", "Reason"),
    "received": ("Ontvangen", "Received"),
    "attempts": ("Pogingen", "Attempts"),
    "dead_letters": ("Dode brieven ({service})", "Dead letters ({service})"),
    "written": ("Geschreven", "Written"),
    "consumer_lag": ("Achterstand van de consumers", "Consumer lag"),
    "consumer": ("Consumer", "Consumer"),
    "topic": ("Topic", "Topic"),
    "lag": ("Achterstand (berichten)", "Lag (messages)"),
    "poller": ("Laatste synchronisatie van de poller", "Last poller sync"),
    "kind": ("Soort", "Kind"),
    "cursor": ("Tot", "Up to"),
    "synced_at": ("Gesynchroniseerd op", "Synced at"),
    "poller_never": ("De poller liep nog niet.", "The poller has not run yet."),
    "empty": ("Geen.", "None."),
    # Organizer link requests and partner keys (issue 21): ops_web/link_requests_page.py,
    # ops_web/keys_page.py.
    "nav_link_requests": ("Koppelverzoeken", "Link requests"),
    "nav_keys": ("Partnersleutels", "Partner keys"),
    "links_title": ("Organisatoren koppelen", "Linking organizers"),
    "links_intro": (
        "Coördinatoren vroegen deze UiTdatabank-organisatoren aan hun academie te koppelen. "
        "Na bevestiging tellen de activiteiten van de organisator voor de academie.",
        "Coordinators asked to link these UiTdatabank organizers to their academy. Once "
        "confirmed, the organizer's activities count for the academy.",
    ),
    "links_none": ("Geen openstaande verzoeken.", "No pending requests."),
    "links_academy": ("Academie", "Academy"),
    "links_organizer": ("Organisator", "Organizer"),
    "links_activities": ("Activiteiten", "Activities"),
    "links_asked": ("Gevraagd door", "Asked by"),
    "links_note": ("Toelichting", "Note"),
    "links_decide": ("Beslissing", "Decision"),
    "links_reason": ("Reden (optioneel)", "Reason (optional)"),
    "links_confirm": ("Bevestigen", "Confirm"),
    "links_reject": ("Weigeren", "Reject"),
    "links_read_only": (
        "Alleen een editor kan verzoeken bevestigen of weigeren.",
        "Only an editor can confirm or reject requests.",
    ),
    "links_confirmed": (
        "Verzoek bevestigd: de organisator hoort nu bij de academie.",
        "Request confirmed: the organizer now belongs to the academy.",
    ),
    "links_rejected": ("Verzoek geweigerd.", "Request rejected."),
    "links_gone": ("Dit verzoek staat niet meer open.", "This request is no longer pending."),
    "keys_title": ("Partnersleutels", "Partner API keys"),
    "keys_intro": (
        "Sleutels waarmee partners de GraphQL-API gebruiken (X-API-Key). Alleen een hash wordt "
        "bewaard: een nieuwe sleutel zie je één keer.",
        "Keys partners use for the GraphQL API (X-API-Key). Only a hash is kept: a new key "
        "is shown once.",
    ),
    "keys_none": ("Nog geen sleutels.", "No keys yet."),
    "keys_id": ("Id", "Id"),
    "keys_name": ("Partner", "Partner"),
    "keys_created": ("Gemaakt", "Created"),
    "keys_revoked": ("Ingetrokken", "Revoked"),
    "keys_by": ("door {who}", "by {who}"),
    "keys_active": ("actief", "active"),
    "keys_safelist": ("Alleen vaste operaties", "Safelisted operations only"),
    "keys_create": ("Sleutel maken", "Create key"),
    "keys_new_name": ("Naam van de partner", "Partner name"),
    "keys_revoke": ("Intrekken", "Revoke"),
    "keys_made": (
        "Nieuwe sleutel voor {name}. Bewaar hem nu: hij wordt niet meer getoond.",
        "New key for {name}. Keep it now: it will not be shown again.",
    ),
    "keys_revoked_now": ("Sleutel {id} ingetrokken.", "Key {id} revoked."),
    "keys_unknown": ("Geen sleutel met id {id}.", "No key with id {id}."),
    "keys_name_needed": ("Geef de naam van de partner.", "Give the partner's name."),
    "keys_read_only": (
        "De sleutelopslag kan hier niet beschreven worden: gebruik de CLI.",
        "The key store cannot be written here: use the CLI.",
    ),
    # Sign-out at the identity provider (issue 21).
    "signing_out": (
        "Je wordt nu ook afgemeld bij de identiteitsprovider.",
        "You are now also being signed out at the identity provider.",
    ),
    "signing_out_continue": ("Verder afmelden", "Continue signing out"),
}


def labels(lang: str) -> Mapping[str, str]:
    """The labels in `lang` (Dutch for anything else)."""
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in _LABELS.items()}


def language(given: str | None) -> str:
    return given if given in LANGUAGES else "nl"
