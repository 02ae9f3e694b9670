"""Custom actions for the Rasa engine, one module per feature.

They speak in semantic messages (keys from bot/messages.py), call the
helpline's domain code, and never Telegram.
"""

import warnings

# rasa-sdk 3.21 serving Rasa 3.6 works (custom actions, buttons and slot events
# round-trip, checked by tests/integration); it warns about the version gap on
# every start, which would only teach operators to ignore warnings.
warnings.filterwarnings("ignore", message=".*compatible with Rasa.*")
