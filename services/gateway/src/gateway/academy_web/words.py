"""The self-service pages' words: Dutch first, French and English (`?lang=fr`, `?lang=en`)."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("nl", "fr", "en")

_WORDS: dict[str, tuple[str, str, str]] = {
    "title": ("Mijn STEM-academie", "Mon académie STEM", "My STEM academy"),
    "skip": ("Naar de inhoud", "Aller au contenu", "Skip to content"),
    "nav": ("Pagina's van de academie", "Pages de l'académie", "Academy pages"),
    "nav_reach": ("Bereik", "Portée", "Reach"),
    "nav_participants": ("Deelnemers", "Participants", "Participants"),
    "nav_profile": ("Profiel", "Profil", "Profile"),
    "logout": ("Afmelden", "Se déconnecter", "Sign out"),
    "login_title": ("Aanmelden als coördinator", "Connexion coordinateur", "Coordinator sign-in"),
    "login_intro": (
        "Geef je coördinatortoken (ontwikkeling). Je ziet alleen je eigen academie.",
        "Saisissez votre jeton de coordinateur (développement). Vous ne voyez que votre académie.",
        "Enter your coordinator token (development). You only see your own academy.",
    ),
    "token": ("Token", "Jeton", "Token"),
    "login": ("Aanmelden", "Se connecter", "Sign in"),
    "login_failed": (
        "Dit token is niet geldig.",
        "Ce jeton n'est pas valide.",
        "This token is not valid.",
    ),
    "year": ("Jaar", "Année", "Year"),
    "show": ("Toon", "Afficher", "Show"),
    "reach_title": ("Bereik in {year}", "Portée en {year}", "Reach in {year}"),
    "reach_none": (
        "Geen bereikte gemeenten.",
        "Aucune commune atteinte.",
        "No municipality reached.",
    ),
    "municipality": ("Gemeente", "Commune", "Municipality"),
    "proof": ("Bewijzende activiteiten", "Activités probantes", "Proving activities"),
    "not_counted": ("Niet meegeteld", "Non comptées", "Not counted"),
    "not_counted_intro": (
        "UiTdatabank-activiteiten die het platform niet meetelt, en waarom.",
        "Activités UiTdatabank que la plateforme ne compte pas, et pourquoi.",
        "UiTdatabank activities the platform did not count, and why.",
    ),
    "why_not_linked": (
        "organisator niet gekoppeld (wacht op bevestiging door VLAIO)",
        "organisateur non lié (en attente de confirmation par VLAIO)",
        "organizer not linked (waiting for VLAIO to confirm)",
    ),
    "why_no_address": (
        "geen gemeente: geen adres met postcode (online, bij de school of zonder postcode)",
        "pas de commune : pas d'adresse avec code postal (en ligne, à l'école ou sans code)",
        "no municipality: no address with a postal code (online, at the school, or none)",
    ),
    "why_unknown_postal_code": (
        "geen gemeente: postcode {postal_code} is onbekend",
        "pas de commune : le code postal {postal_code} est inconnu",
        "no municipality: postal code {postal_code} is not known",
    ),
    "why_outside_flanders": (
        "geen Vlaamse gemeente: het adres ligt buiten Vlaanderen ({country} {postal_code})",
        "pas de commune flamande : l'adresse est hors de la Flandre ({country} {postal_code})",
        "no Flemish municipality: the address is outside Flanders ({country} {postal_code})",
    ),
    "why_not_on_date": (
        "geen gemeente op de datum van de sessies (postcode {postal_code})",
        "pas de commune à la date des séances (code postal {postal_code})",
        "no municipality on the sessions' date (postal code {postal_code})",
    ),
    "why_not_recognised": (
        "academie niet erkend op {days}",
        "académie non reconnue le {days}",
        "academy not recognised on {days}",
    ),
    "why_quarantined": (
        "in quarantaine: UiTdatabank-document niet bruikbaar",
        "en quarantaine : document UiTdatabank inutilisable",
        "quarantined: the UiTdatabank document could not be used",
    ),
    "activity_or_organizer": (
        "Activiteit of organisator",
        "Activité ou organisateur",
        "Activity or organizer",
    ),
    "uit_id": ("UiTdatabank-id", "Identifiant UiTdatabank", "UiTdatabank id"),
    "details": ("Details", "Détails", "Details"),
    "cut": (
        "Niet alles is getoond: er zijn er meer.",
        "Tout n'est pas affiché : il y en a davantage.",
        "Not everything is shown: there are more.",
    ),
    "organizer": ("Organisator", "Organisateur", "Organizer"),
    "activities": ("Activiteiten", "Activités", "Activities"),
    "why": ("Waarom", "Pourquoi", "Why"),
    "nothing": ("Niets.", "Rien.", "Nothing."),
    "participants_title": ("Deelnemers melden", "Déclarer les participants", "Report participants"),
    "period": ("Periode", "Période", "Period"),
    "whole_year": ("heel het jaar", "toute l'année", "whole year"),
    "quarter": ("kwartaal {n}", "trimestre {n}", "quarter {n}"),
    "participants": ("Deelnemers", "Participants", "Participants"),
    "under_14": ("Jonger dan 14", "Moins de 14 ans", "Under 14"),
    "from_14": ("14 en ouder", "14 ans et plus", "14 and over"),
    "report": ("Melden", "Déclarer", "Report"),
    "reported": ("Gemeld.", "Déclaré.", "Reported."),
    "reports": ("Gemelde aantallen", "Nombres déclarés", "Reported figures"),
    "profile_title": ("Profiel", "Profil", "Profile"),
    "website": ("Website", "Site web", "Website"),
    "contact_email": ("Contact-e-mail", "E-mail de contact", "Contact e-mail"),
    "save": ("Bewaren", "Enregistrer", "Save"),
    "saved": ("Bewaard.", "Enregistré.", "Saved."),
    "link_title": ("Organisatoren koppelen", "Lier des organisateurs", "Link organizers"),
    "link_intro": (
        "Een UiTdatabank-organisator-id; VLAIO bevestigt de koppeling.",
        "Un identifiant d'organisateur UiTdatabank ; VLAIO confirme le lien.",
        "A UiTdatabank organizer id; VLAIO confirms the link.",
    ),
    "organizer_id": ("Organisator-id", "Identifiant d'organisateur", "Organizer id"),
    "ask": ("Vragen", "Demander", "Ask"),
    "linked": ("Gekoppeld", "Liés", "Linked"),
    "status": ("Status", "Statut", "Status"),
    "pending": ("wacht op VLAIO", "en attente de VLAIO", "waiting for VLAIO"),
    "confirmed": ("bevestigd", "confirmé", "confirmed"),
    "rejected": ("geweigerd", "refusé", "rejected"),
    "refused": ("Niet aanvaard: {reason}", "Refusé : {reason}", "Not accepted: {reason}"),
    "unavailable": (
        "Niet beschikbaar: {reason}",
        "Indisponible : {reason}",
        "Unavailable: {reason}",
    ),
    # Sign-in at the identity provider (issue 21).
    "login_provider": (
        "Aanmelden met je account",
        "Se connecter avec votre compte",
        "Sign in with your account",
    ),
    "login_provider_intro": (
        "Meld je aan bij de identiteitsprovider. Je ziet alleen je eigen academie.",
        "Connectez-vous auprès du fournisseur d'identité. Vous ne voyez que votre académie.",
        "Sign in with the identity provider. You only see your own academy.",
    ),
    "login_token_dev": (
        "Of, in ontwikkeling en tests, met een coördinatortoken:",
        "Ou, en développement et en test, avec un jeton de coordinateur :",
        "Or, in development and tests, with a coordinator token:",
    ),
    "signin_failed": (
        "Aanmelden is niet gelukt ({reason}). Probeer opnieuw.",
        "La connexion n'a pas réussi ({reason}). Réessayez.",
        "Signing in did not succeed ({reason}). Try again.",
    ),
    "signin_no_role": (
        "Je account is geen coördinator van een academie: deze pagina's zijn niet voor jou.",
        "Votre compte n'est coordinateur d'aucune académie : ces pages ne sont pas pour vous.",
        "Your account is not the coordinator of an academy: these pages are not for you.",
    ),
    "signed_in": ("Aangemeld als {name}.", "Connecté en tant que {name}.", "Signed in as {name}."),
    "continue": (
        "Verder naar je academie",
        "Continuer vers votre académie",
        "Continue to your academy",
    ),
    "signing_out": (
        "Je wordt nu ook afgemeld bij de identiteitsprovider.",
        "Vous êtes maintenant aussi déconnecté auprès du fournisseur d'identité.",
        "You are now also being signed out at the identity provider.",
    ),
    "signing_out_continue": ("Verder afmelden", "Continuer la déconnexion", "Continue signing out"),
}


def words(lang: str) -> Mapping[str, str]:
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0
    return {key: found[index] for key, found in _WORDS.items()}


def language(given: str | None) -> str:
    return given if given in LANGUAGES else "nl"
