"""The registry of every user-facing text: a stable key and its English source string.

Rasa and the actions speak in keys (`{"key": "greeting.welcome"}`); only the
presenter turns a key into words, in the user's language, through the Babel
catalogs. The key is the gettext context and the English string the msgid, so
translators see English and the code never changes when wording does.

`pybabel extract` finds the entries through the `N_` and `NP_` markers
(keywords `N_:1c,2` and `NP_:1c,2,3`, see babel.cfg and the Makefile).

Placeholders: {hotline}, {emergency} and {crisis_line} are always available (the
numbers for the user's country; the crisis line falls back to the emergency
number where none is known); others are named where a message needs them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """The English source of one message; `plural` is set for count-dependent text."""

    singular: str
    plural: str | None = None


def N_(key: str, text: str) -> tuple[str, Source]:
    return key, Source(text)


def NP_(key: str, singular: str, plural: str) -> tuple[str, Source]:
    return key, Source(singular, plural)


MESSAGES: dict[str, Source] = dict(
    [
        # --- Welcome and the safety check ----------------------------------------------
        N_(
            "greeting.welcome",
            "Hello. This is a free and confidential helpline for people affected by "
            "trafficking or forced labour, and for their friends and family. "
            "You don't need to give your name.",
        ),
        N_("safety.check", "Before we go on: is it safe for you to chat right now?"),
        N_("safety.yes", "Yes, I can chat"),
        N_("safety.no", "No, not now"),
        N_(
            "safety.not_safe",
            "Okay. Close the chat if you need to, and come back any time. "
            "Send /exit to clear this chat from your phone. "
            "If you are in danger, call {emergency}.",
        ),
        N_("safety.safe", "Thank you. I'm here to help. What would you like to do?"),
        # --- Help menu -----------------------------------------------------------------
        N_(
            "menu.prompt", "What would you like to do? Choose an option or write in your own words."
        ),
        N_("menu.find_help", "Find help near me"),
        N_("menu.rights", "Know my rights"),
        N_("menu.job_check", "Check a job offer"),
        N_("menu.talk_to_person", "Talk to a person"),
        N_("menu.privacy", "Is this private?"),
        N_("menu.language", "Change language"),
        N_("menu.show", "Show options"),
        N_("menu.exit", "Quick exit"),
        # --- Small talk ----------------------------------------------------------------
        N_(
            "goodbye.reply",
            "Take care of yourself. You can come back any time, day or night. "
            "Send /exit to clear this chat from your phone.",
        ),
        N_("thanks.reply", "You're welcome. Is there anything else I can help with?"),
        N_(
            "bot_challenge.reply",
            "I'm an automated assistant, not a person. If you would like to talk to a "
            "person, the hotline is {hotline}.",
        ),
        N_("affirm.reply", "Okay. What would you like to do?"),
        N_("deny.reply", "That's fine. You decide what happens next. What would you like to do?"),
        # --- Emergency and self-harm ---------------------------------------------------
        N_(
            "emergency.call_now",
            "If you are in danger right now, call {emergency}. "
            "The hotline is {hotline}. If you can't talk safely, stay where it is safest "
            "and write to me when you can.",
        ),
        N_(
            "self_harm.support",
            "I'm so sorry you are going through this. You matter, and you don't have to "
            "face this alone. If you might hurt yourself now, call {emergency}. You can "
            "talk to someone at {crisis_line}, and the hotline {hotline} can help with what "
            "is happening to you.",
        ),
        # --- Topics --------------------------------------------------------------------
        N_(
            "report.acknowledge",
            "Thank you for telling me. What happened is not your fault, and you have the "
            "right to get help, even if you owe money, have no papers or were made to break "
            "rules. The hotline {hotline} can talk it through with you in confidence. If you "
            "are in danger right now, call {emergency}.",
        ),
        N_(
            "rights.overview",
            "Some rights you have in most countries, whatever your papers say: to keep your "
            "own passport and documents, to be paid for your work, to leave a job, and to get "
            "help if you are hurt. Many countries protect people who were forced to do "
            "things by traffickers. The hotline {hotline} can tell you about your rights "
            "where you are, without giving your name.",
        ),
        N_(
            "job_check.advice",
            "Some warning signs in a job offer: you must pay a fee to get the job, the "
            "employer will keep your passport, the pay or the work is vague or too good to be "
            "true, or you are asked to travel on a tourist visa. If you are unsure, the "
            "hotline {hotline} can help you check it.",
        ),
        N_(
            "services.hotline_only",
            "I can't search local services yet. The hotline {hotline} can tell you who can "
            "help near you. In an emergency, call {emergency}.",
        ),
        # --- Finding a service (need, then place) --------------------------------------
        N_("services.ask_need", "What kind of help are you looking for?"),
        N_("need.shelter", "A safe place to stay"),
        N_("need.legal", "A lawyer or legal advice"),
        N_("need.medical", "A doctor or clinic"),
        N_("need.counselling", "Someone to talk to"),
        N_("need.labour", "Problems at work or unpaid wages"),
        N_("need.immigration", "Visa and immigration"),
        N_("need.child_protection", "Help for a child"),
        N_("need.hotline", "A hotline to call"),
        N_(
            "services.ask_place",
            "Where are you? Write the name of your town or city. You can also share your "
            "location: I use it only to find help near you, and it is deleted with this "
            "conversation.",
        ),
        N_(
            "services.place_unknown",
            "I couldn't find that place. Please write the name of your town or city, or of "
            "the nearest big city.",
        ),
        N_("services.which_place", "There is more than one place with that name. Which one?"),
        NP_(
            "services.found",
            "Here is {count} place that can help near {place}:",
            "Here are {count} places that can help near {place}:",
        ),
        N_(
            "services.none_local",
            "I don't know of a service for this near {place} yet, and I won't guess. "
            "The hotline {hotline} can help you find one. In an emergency, call {emergency}.",
        ),
        N_(
            "services.no_more",
            "That is all I know of near {place}. The hotline {hotline} may know more.",
        ),
        N_("services.more", "Show more"),
        N_("services.other_need", "Look for other help"),
        # A card: the service's own name, then one line per thing known about it.
        N_("services.card", "{name}"),
        N_("services.card.phone", "Phone: {phone}"),
        N_("services.card.address", "Address: {address}"),
        N_("services.card.hours", "Hours: {hours}"),
        N_("services.card.open_now", "Open now"),
        N_("services.card.closed_now", "Closed now"),
        N_("services.card.hours_unknown", "Opening hours unknown: call first"),
        N_("services.card.always_open", "Open 24 hours, every day"),
        N_("services.card.languages", "Languages: {languages}"),
        N_("services.card.verified", "Last checked: {date}"),
        N_("services.card.never_verified", "Not checked yet by a partner organisation"),
        N_("services.card.national", "Serves the whole country"),
        N_("services.card.specialist", "Works with survivors of trafficking"),
        N_("services.card.confidential", "Confidential"),
        N_("services.card.distance", "About {distance} km away"),
        N_(
            "handoff.call_hotline",
            "I can't connect you to a person in this chat yet. You can talk to a person at "
            "the hotline {hotline}.",
        ),
        N_(
            "privacy.info",
            "What you write here is private. We don't ask for your name. We keep this "
            "conversation for at most a day after your last message, only to answer you, "
            "and you can delete it any time with /forget. Send /exit to delete this chat "
            "from your phone too.",
        ),
        # --- When the model does not understand ----------------------------------------
        N_(
            "fallback.rephrase",
            "Sorry, I didn't understand that. You can say it in other words, choose an "
            "option, or talk to a person at the hotline {hotline}. If you are in danger "
            "right now, call {emergency}.",
        ),
        N_(
            "fallback.unavailable",
            "I'm sorry, I can't answer properly right now. Please try again in a few "
            "minutes. If you need help now, call the hotline {hotline}, or {emergency} "
            "in an emergency.",
        ),
        # --- Input that is not a normal message ----------------------------------------
        N_("input.empty", "I didn't get any words. Write what you need, or choose an option."),
        N_(
            "input.no_words",
            "I can only read words for now. Write what you need, or choose an option.",
        ),
        N_(
            "input.too_long",
            "Thank you for writing. Your message was long, so I read the first part. If "
            "something important came later, please send it again in a shorter message.",
        ),
        N_(
            "input.unknown_command",
            "I don't know that command. You can use /help, /language, /forget or /exit, "
            "or just write to me in your own words.",
        ),
        N_("input.unknown_button", "That button has expired. Here are the options again."),
        N_(
            "input.voice",
            "I can't listen to voice or video messages yet. Please write to me instead, "
            "in any language.",
        ),
        N_("input.photo", "I can't see pictures yet. Please write to me what you need."),
        N_("input.sticker", "Thank you. I can only read words for now. Write what you need."),
        N_(
            "input.document",
            "I can't open files. Please don't send documents with personal details here. "
            "Write what you need instead.",
        ),
        N_(
            "input.edited",
            "I only read new messages, so I missed your change. Please send it again as a "
            "new message.",
        ),
        N_("input.unsupported", "I can only read text messages for now. Write what you need."),
        N_(
            "group.private_only",
            "For your safety I only talk in private chats. Please write to me directly.",
        ),
        # --- Command menu on Telegram -----------------------------------------------------
        N_("command.start", "Start again"),
        N_("command.help", "What I can do"),
        N_("command.language", "Change language"),
        N_("command.forget", "Delete what is kept about me"),
        N_("command.exit", "Quick exit: clear this chat"),
        # --- Commands ------------------------------------------------------------------
        N_(
            "help.commands",
            "You can write to me in your own words at any time. Commands:\n"
            "/language: change the language\n"
            "/forget: delete what we keep about this conversation\n"
            "/exit: quick exit, clears this chat from your phone\n"
            "In an emergency, call {emergency}. The hotline is {hotline}.",
        ),
        N_("language.choose", "Choose your language:"),
        N_("language.changed", "Okay, I will write in English."),
        N_("language.offer_switch", "Would you like me to write in this language?"),
        N_("language.keep", "No, keep the current language"),
        N_(
            "forget.done",
            "Done. Everything we kept about this conversation has been deleted. "
            "You can start again any time.",
        ),
    ]
)


def source_for(key: str) -> Source:
    """The English source of `key`; unknown keys are a programming error."""
    return MESSAGES[key]
