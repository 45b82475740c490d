"""Reporting currencies an organization may choose (ISO 4217), with their names for the settings form."""

from __future__ import annotations

CURRENCIES: dict[str, str] = {
    "USD": "US dollar",
    "EUR": "Euro",
    "GBP": "Pound sterling",
    "CAD": "Canadian dollar",
    "AUD": "Australian dollar",
    "NZD": "New Zealand dollar",
    "CHF": "Swiss franc",
    "SEK": "Swedish krona",
    "NOK": "Norwegian krone",
    "DKK": "Danish krone",
    "PLN": "Polish złoty",
    "CZK": "Czech koruna",
    "JPY": "Japanese yen",
    "CNY": "Chinese yuan",
    "HKD": "Hong Kong dollar",
    "SGD": "Singapore dollar",
    "INR": "Indian rupee",
    "BRL": "Brazilian real",
    "MXN": "Mexican peso",
    "ZAR": "South African rand",
    "ILS": "Israeli new shekel",
    "AED": "UAE dirham",
}
CURRENCY_CODES = frozenset(CURRENCIES)
CURRENCY_CHOICES = [(code, f"{code} · {name}") for code, name in CURRENCIES.items()]
