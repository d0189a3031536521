"""Personal data in English and Chinese text: detectors with validators, redaction, a datatrove step.

Types: EMAIL, PHONE (international, North American, Chinese mobile and landline), ID_CN (Chinese
resident ID, checksum), CARD (Luhn), IBAN (mod 97), IP (v4 and v6), SSN (US), URL_CREDENTIALS.
Microsoft Presidio covers English with spaCy models and has no Chinese ID, phone or context;
these detectors are regular expressions with validators and need no model.
"""

from vertical.data.pii.detect import KINDS, find_personal_data, redact, redact_text
from vertical.data.pii.entity import PersonalData

__all__ = ["KINDS", "PersonalData", "find_personal_data", "redact", "redact_text"]
