"""Passports: the issuing country (ISO 3166-1 alpha-3, as ICAO 9303 writes it in the MRZ) and the
shape of a document number per issuing country where it is known.

ICAO 9303 fixes the field (up to 9 characters, letters and digits) but not its shape; each state
issues its own series.  Where a state's series is well known, a number outside it is refused
(``ZZ00001`` is no Chinese passport); other states keep the generic shape: 5–9 letters and digits,
at least one digit.  Rules are data, one regular expression per country.  ``None`` for the
country means "not given", which only the generic shape accepts (:func:`identity.validate`
without a nationality, for callers from before it; a member always gives one).
"""

from __future__ import annotations

import re

from shared.msgid import N_

# ISO 3166-1 alpha-3 (Debian iso-codes, 249 codes), and the ICAO 9303 codes that are not
# countries: UNK (Kosovo, UN travel documents), RKS (Kosovo's own), XXA stateless, XXB refugee
# (1951 convention), XXC refugee (other), XXX unspecified nationality.
_CODES = (
    "ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD "
    "BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR "
    "COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH "
    "ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL "
    "GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR "
    "JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR "
    "MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL "
    "NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY "
    "PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP "
    "SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA "
    "UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE UNK RKS XXA XXB "
    "XXC XXX "
)
ISO_ALPHA3 = frozenset(_CODES.split())

GENERIC = re.compile(r"(?=[A-Z0-9]*[0-9])[A-Z0-9]{5,9}\Z", re.ASCII)

# Per issuing country: the series in issue (ordinary, and the official ones where they are known).
SHAPES: dict[str, re.Pattern[str]] = {
    k: re.compile(p + r"\Z", re.ASCII)
    for k, p in {
        # 中华人民共和国护照: E + 8 digits (2012 e-passport), E + letter + 7 digits once E ran out
        # (EA…, EB…, EC…), G + 8 digits (2006–2012); diplomatic / service / public affairs DE, SE, PE.
        "CHN": r"(?:E[0-9]{8}|E[A-Z][0-9]{7}|G[0-9]{8}|[DSP]E[0-9]{7})",
        "TWN": r"[0-9]{9}",
        "USA": r"(?:[0-9]{9}|[A-Z][0-9]{8})",  # books: 9 digits, next generation: letter + 8 digits
        "GBR": r"[0-9]{9}",
        "JPN": r"[A-Z]{2}[0-9]{7}",
        "KOR": r"M(?:[0-9]{8}|[0-9]{3}[A-Z][0-9]{4})",  # M + 8 digits; since 2021 M123A4567
        "DEU": r"[CFGHJK][0-9CFGHJKLMNPRTVWXYZ]{8}",  # no vowels: digits and 20 consonants
        "FRA": r"[0-9]{2}[A-Z]{2}[0-9]{5}",
        "CAN": r"[A-Z]{2}[0-9]{6}",
        "AUS": r"[A-Z]{1,2}[0-9]{7}",
        "RUS": r"[0-9]{9}",  # 2-digit series + 7-digit number (заграничный паспорт)
        "IND": r"[A-Z][0-9]{7}",
        "SGP": r"[A-Z][0-9]{7}[A-Z]",
    }.items()
}


# The issuing countries the form offers first (its datalist); any code above may be typed. The names
# are msgids: the form shows them in the page's language (docs/i18n.md).
COMMON = (
    ("CHN", N_("China")),
    ("HKG", N_("Hong Kong, China")),
    ("MAC", N_("Macao, China")),
    ("TWN", N_("Taiwan, China")),
    ("USA", N_("United States")),
    ("GBR", N_("United Kingdom")),
    ("JPN", N_("Japan")),
    ("KOR", N_("Republic of Korea")),
    ("DEU", N_("Germany")),
    ("FRA", N_("France")),
    ("CAN", N_("Canada")),
    ("AUS", N_("Australia")),
    ("RUS", N_("Russia")),
    ("IND", N_("India")),
    ("SGP", N_("Singapore")),
)


def valid_nationality(code: object) -> bool:
    return isinstance(code, str) and code in ISO_ALPHA3


def fits(nationality: str | None, number: str) -> bool:
    """Whether ``number`` (normalized) is a passport number ``nationality`` could have issued."""
    return bool((SHAPES.get(nationality or "") or GENERIC).fullmatch(number))
