"""Amends' own wording of the playbook messages, in the six languages; a business's MessageTemplate replaces it.

Pure: `render` fills {customer_name}, {location}, {order}, {agent} and {case_id}; an unknown {name} stays as written,
so a typo in a template shows in the preview instead of failing the send.
"""

import re
from collections.abc import Mapping

_VARIABLE = re.compile(r"\{([a-z_]+)\}")
VARIABLES = ("customer_name", "location", "order", "agent", "case_id")

# (subject, body) per step and language.
WORDING: dict[str, dict[str, tuple[str, str]]] = {
    "acknowledge": {
        "en": (
            "We are on it: your case {case_id}",
            "Dear {customer_name},\n\nThank you for telling us what happened at {location}. I am {agent} and I will "
            "personally take care of this until it is fixed.\n\nKind regards,\n{agent}",
        ),
        "nl": (
            "We zijn ermee bezig: uw zaak {case_id}",
            "Beste {customer_name},\n\nBedankt dat u ons vertelt wat er bij {location} is gebeurd. Ik ben {agent} en "
            "ik zorg er persoonlijk voor dat dit wordt opgelost.\n\nMet vriendelijke groet,\n{agent}",
        ),
        "de": (
            "Wir kümmern uns darum: Ihr Fall {case_id}",
            "Guten Tag {customer_name},\n\ndanke, dass Sie uns gesagt haben, was bei {location} passiert ist. Ich bin "
            "{agent} und kümmere mich persönlich darum, bis es gelöst ist.\n\nMit freundlichen Grüßen\n{agent}",
        ),
        "it": (
            "Ce ne stiamo occupando: la sua pratica {case_id}",
            "Gentile {customer_name},\n\ngrazie per averci raccontato cosa è successo presso {location}. Sono {agent} "
            "e me ne occuperò personalmente fino a quando non sarà risolto.\n\nCordiali saluti,\n{agent}",
        ),
        "fr": (
            "Nous nous en occupons : votre dossier {case_id}",
            "Bonjour {customer_name},\n\nMerci de nous avoir signalé ce qui s'est passé à {location}. Je suis {agent} "
            "et je m'en occupe personnellement jusqu'à ce que ce soit réglé.\n\nBien cordialement,\n{agent}",
        ),
        "es": (
            "Nos ocupamos de ello: su caso {case_id}",
            "Estimado/a {customer_name}:\n\nGracias por contarnos lo que pasó en {location}. Soy {agent} y me "
            "ocuparé personalmente hasta que esté resuelto.\n\nUn saludo,\n{agent}",
        ),
    },
    "apologise": {
        "en": (
            "Our apologies",
            "Dear {customer_name},\n\nI am truly sorry. This is not the experience you should have had with us at "
            "{location}, and there is no excuse for it.\n\nKind regards,\n{agent}",
        ),
        "nl": (
            "Onze excuses",
            "Beste {customer_name},\n\nHet spijt me oprecht. Zo hoort uw ervaring bij {location} niet te zijn, en "
            "daar is geen excuus voor.\n\nMet vriendelijke groet,\n{agent}",
        ),
        "de": (
            "Wir entschuldigen uns",
            "Guten Tag {customer_name},\n\nes tut mir aufrichtig leid. So sollte Ihr Erlebnis bei {location} nicht "
            "sein, und dafür gibt es keine Ausrede.\n\nMit freundlichen Grüßen\n{agent}",
        ),
        "it": (
            "Le nostre scuse",
            "Gentile {customer_name},\n\nmi dispiace davvero. Non è l'esperienza che avrebbe dovuto avere presso "
            "{location}, e non ci sono scuse.\n\nCordiali saluti,\n{agent}",
        ),
        "fr": (
            "Toutes nos excuses",
            "Bonjour {customer_name},\n\nJe suis sincèrement désolé(e). Ce n'est pas l'expérience que vous auriez dû "
            "vivre à {location}, et rien ne l'excuse.\n\nBien cordialement,\n{agent}",
        ),
        "es": (
            "Le pedimos disculpas",
            "Estimado/a {customer_name}:\n\nLo siento de verdad. Esta no es la experiencia que debería haber tenido "
            "en {location}, y no tiene excusa.\n\nUn saludo,\n{agent}",
        ),
    },
    "confirm": {
        "en": (
            "Did we understand you correctly?",
            "Dear {customer_name},\n\nTo be sure we fix the right thing: this is about {order} at {location}. If "
            "anything is missing, just reply to this message.\n\nKind regards,\n{agent}",
        ),
        "nl": (
            "Hebben we u goed begrepen?",
            "Beste {customer_name},\n\nOm zeker te zijn dat we het juiste oplossen: het gaat om {order} bij "
            "{location}. Ontbreekt er iets, antwoord dan gewoon op dit bericht.\n\nMet vriendelijke groet,\n{agent}",
        ),
        "de": (
            "Haben wir Sie richtig verstanden?",
            "Guten Tag {customer_name},\n\ndamit wir das Richtige lösen: Es geht um {order} bei {location}. Fehlt "
            "etwas, antworten Sie einfach auf diese Nachricht.\n\nMit freundlichen Grüßen\n{agent}",
        ),
        "it": (
            "L'abbiamo capita bene?",
            "Gentile {customer_name},\n\nper essere sicuri di risolvere la cosa giusta: si tratta di {order} presso "
            "{location}. Se manca qualcosa, risponda semplicemente a questo messaggio.\n\nCordiali saluti,\n{agent}",
        ),
        "fr": (
            "Vous avons-nous bien compris ?",
            "Bonjour {customer_name},\n\nPour être sûrs de régler le bon problème : il s'agit de {order} à "
            "{location}. S'il manque quelque chose, répondez simplement à ce message.\n\nBien cordialement,\n{agent}",
        ),
        "es": (
            "¿Le hemos entendido bien?",
            "Estimado/a {customer_name}:\n\nPara estar seguros de resolver lo correcto: se trata de {order} en "
            "{location}. Si falta algo, responda simplemente a este mensaje.\n\nUn saludo,\n{agent}",
        ),
    },
    "fix": {
        "en": (
            "It has been put right",
            "Dear {customer_name},\n\nWe have fixed the problem and taken steps so that it does not happen again. "
            "Thank you for your patience.\n\nKind regards,\n{agent}",
        ),
        "nl": (
            "Het is rechtgezet",
            "Beste {customer_name},\n\nWe hebben het probleem opgelost en maatregelen genomen zodat het niet opnieuw "
            "gebeurt. Bedankt voor uw geduld.\n\nMet vriendelijke groet,\n{agent}",
        ),
        "de": (
            "Es ist behoben",
            "Guten Tag {customer_name},\n\nwir haben das Problem behoben und dafür gesorgt, dass es nicht wieder "
            "vorkommt. Danke für Ihre Geduld.\n\nMit freundlichen Grüßen\n{agent}",
        ),
        "it": (
            "È stato risolto",
            "Gentile {customer_name},\n\nabbiamo risolto il problema e preso provvedimenti perché non si ripeta. "
            "Grazie per la sua pazienza.\n\nCordiali saluti,\n{agent}",
        ),
        "fr": (
            "C'est réglé",
            "Bonjour {customer_name},\n\nNous avons réglé le problème et pris des mesures pour qu'il ne se reproduise "
            "pas. Merci de votre patience.\n\nBien cordialement,\n{agent}",
        ),
        "es": (
            "Está resuelto",
            "Estimado/a {customer_name}:\n\nHemos resuelto el problema y tomado medidas para que no vuelva a ocurrir. "
            "Gracias por su paciencia.\n\nUn saludo,\n{agent}",
        ),
    },
    "follow_up": {
        "en": (
            "Is everything all right now?",
            "Dear {customer_name},\n\nA little while ago we fixed a problem for you at {location}. Is everything "
            "all right now? Just reply to this message.\n\nKind regards,\n{agent}",
        ),
        "nl": (
            "Is alles nu in orde?",
            "Beste {customer_name},\n\nKort geleden hebben we een probleem voor u opgelost bij {location}. Is alles "
            "nu in orde? Antwoord gewoon op dit bericht.\n\nMet vriendelijke groet,\n{agent}",
        ),
        "de": (
            "Ist jetzt alles in Ordnung?",
            "Guten Tag {customer_name},\n\nvor Kurzem haben wir ein Problem bei {location} für Sie gelöst. Ist jetzt "
            "alles in Ordnung? Antworten Sie einfach auf diese Nachricht.\n\nMit freundlichen Grüßen\n{agent}",
        ),
        "it": (
            "Ora va tutto bene?",
            "Gentile {customer_name},\n\npoco tempo fa abbiamo risolto un problema per lei presso {location}. Ora va "
            "tutto bene? Risponda semplicemente a questo messaggio.\n\nCordiali saluti,\n{agent}",
        ),
        "fr": (
            "Tout va bien maintenant ?",
            "Bonjour {customer_name},\n\nIl y a peu, nous avons réglé un problème pour vous à {location}. Tout va-t-il "
            "bien maintenant ? Répondez simplement à ce message.\n\nBien cordialement,\n{agent}",
        ),
        "es": (
            "¿Todo bien ahora?",
            "Estimado/a {customer_name}:\n\nHace poco resolvimos un problema para usted en {location}. ¿Está todo "
            "bien ahora? Responda simplemente a este mensaje.\n\nUn saludo,\n{agent}",
        ),
    },
}


def render(text: str, values: Mapping[str, str]) -> str:
    return _VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), text)
