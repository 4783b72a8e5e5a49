"""Beitragsbemessungsgrenze der gesetzlichen Krankenversicherung, per calendar year.

Earnings above it carry no further health-insurance contributions. Since 2003 the ceiling
equals the "besondere Jahresarbeitsentgeltgrenze" (§ 223 Abs. 3 SGB V with § 6 Abs. 7 SGB V),
set each year by the Sozialversicherungs-Rechengrößenverordnung of the Federal Ministry of
Labour and Social Affairs (BMAS); the figures are the published yearly amounts in euro
(monthly amount × 12), e.g. 2024: 5.175,00 €/Monat, 2026: 5.812,50 €/Monat
(Sozialversicherungs-Rechengrößenverordnung 2026). Years before the euro are not listed.
"""

CEILING_EUR: dict[int, int] = {
    2002: 40_500,
    2003: 41_400,
    2004: 41_850,
    2005: 42_300,
    2006: 42_750,
    2007: 42_750,
    2008: 43_200,
    2009: 44_100,
    2010: 45_000,
    2011: 44_550,
    2012: 45_900,
    2013: 47_250,
    2014: 48_600,
    2015: 49_500,
    2016: 50_850,
    2017: 52_200,
    2018: 53_100,
    2019: 54_450,
    2020: 56_250,
    2021: 58_050,
    2022: 58_050,
    2023: 59_850,
    2024: 62_100,
    2025: 66_150,
    2026: 69_750,
}


def ceiling_cents(year: int) -> int | None:
    """The yearly ceiling in cents, or None for a year the table does not cover."""
    euros = CEILING_EUR.get(year)
    return euros * 100 if euros is not None else None
