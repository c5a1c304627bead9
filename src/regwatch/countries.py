"""Country names <-> ISO 3166-1 alpha-2 codes, shared by the warehouse keys and the CSL code.

The screening list gives address countries as ISO codes ("CN"); Federal Register rules use the
Entity List's destination headings ("CHINA, PEOPLE'S REPUBLIC OF"). Reconciliation compares the
two, so both are folded to the ISO code here. pycountry knows the ISO names but not the short
forms the Entity List and the CSL use ("Russia", "Burma", "KOREA, SOUTH", "Iran"), so a small
table of the names these sources print is simpler than a dependency plus the same aliases.
"""

from __future__ import annotations

import re
import unicodedata

# ISO 3166-1 alpha-2 code -> English short name (plus XK, used by U.S. agencies for Kosovo).
ISO_NAMES: dict[str, str] = {
    "AD": "Andorra", "AE": "United Arab Emirates", "AF": "Afghanistan",
    "AG": "Antigua and Barbuda", "AI": "Anguilla", "AL": "Albania", "AM": "Armenia",
    "AO": "Angola", "AQ": "Antarctica", "AR": "Argentina", "AS": "American Samoa",
    "AT": "Austria", "AU": "Australia", "AW": "Aruba", "AX": "Aland Islands",
    "AZ": "Azerbaijan", "BA": "Bosnia and Herzegovina", "BB": "Barbados", "BD": "Bangladesh",
    "BE": "Belgium", "BF": "Burkina Faso", "BG": "Bulgaria", "BH": "Bahrain", "BI": "Burundi",
    "BJ": "Benin", "BL": "Saint Barthelemy", "BM": "Bermuda", "BN": "Brunei", "BO": "Bolivia",
    "BQ": "Bonaire, Sint Eustatius and Saba", "BR": "Brazil", "BS": "Bahamas", "BT": "Bhutan",
    "BV": "Bouvet Island", "BW": "Botswana", "BY": "Belarus", "BZ": "Belize", "CA": "Canada",
    "CC": "Cocos (Keeling) Islands", "CD": "Congo, Democratic Republic of the",
    "CF": "Central African Republic", "CG": "Congo, Republic of the", "CH": "Switzerland",
    "CI": "Cote d'Ivoire", "CK": "Cook Islands", "CL": "Chile", "CM": "Cameroon",
    "CN": "China", "CO": "Colombia", "CR": "Costa Rica", "CU": "Cuba", "CV": "Cabo Verde",
    "CW": "Curacao", "CX": "Christmas Island", "CY": "Cyprus", "CZ": "Czechia",
    "DE": "Germany", "DJ": "Djibouti", "DK": "Denmark", "DM": "Dominica",
    "DO": "Dominican Republic", "DZ": "Algeria", "EC": "Ecuador", "EE": "Estonia",
    "EG": "Egypt", "EH": "Western Sahara", "ER": "Eritrea", "ES": "Spain", "ET": "Ethiopia",
    "FI": "Finland", "FJ": "Fiji", "FK": "Falkland Islands", "FM": "Micronesia",
    "FO": "Faroe Islands", "FR": "France", "GA": "Gabon", "GB": "United Kingdom",
    "GD": "Grenada", "GE": "Georgia", "GF": "French Guiana", "GG": "Guernsey", "GH": "Ghana",
    "GI": "Gibraltar", "GL": "Greenland", "GM": "Gambia", "GN": "Guinea", "GP": "Guadeloupe",
    "GQ": "Equatorial Guinea", "GR": "Greece", "GS": "South Georgia", "GT": "Guatemala",
    "GU": "Guam", "GW": "Guinea-Bissau", "GY": "Guyana", "HK": "Hong Kong",
    "HM": "Heard Island and McDonald Islands", "HN": "Honduras", "HR": "Croatia",
    "HT": "Haiti", "HU": "Hungary", "ID": "Indonesia", "IE": "Ireland", "IL": "Israel",
    "IM": "Isle of Man", "IN": "India", "IO": "British Indian Ocean Territory", "IQ": "Iraq",
    "IR": "Iran", "IS": "Iceland", "IT": "Italy", "JE": "Jersey", "JM": "Jamaica",
    "JO": "Jordan", "JP": "Japan", "KE": "Kenya", "KG": "Kyrgyzstan", "KH": "Cambodia",
    "KI": "Kiribati", "KM": "Comoros", "KN": "Saint Kitts and Nevis", "KP": "North Korea",
    "KR": "South Korea", "KW": "Kuwait", "KY": "Cayman Islands", "KZ": "Kazakhstan",
    "LA": "Laos", "LB": "Lebanon", "LC": "Saint Lucia", "LI": "Liechtenstein",
    "LK": "Sri Lanka", "LR": "Liberia", "LS": "Lesotho", "LT": "Lithuania", "LU": "Luxembourg",
    "LV": "Latvia", "LY": "Libya", "MA": "Morocco", "MC": "Monaco", "MD": "Moldova",
    "ME": "Montenegro", "MF": "Saint Martin", "MG": "Madagascar", "MH": "Marshall Islands",
    "MK": "North Macedonia", "ML": "Mali", "MM": "Burma", "MN": "Mongolia", "MO": "Macau",
    "MP": "Northern Mariana Islands", "MQ": "Martinique", "MR": "Mauritania",
    "MS": "Montserrat", "MT": "Malta", "MU": "Mauritius", "MV": "Maldives", "MW": "Malawi",
    "MX": "Mexico", "MY": "Malaysia", "MZ": "Mozambique", "NA": "Namibia",
    "NC": "New Caledonia", "NE": "Niger", "NF": "Norfolk Island", "NG": "Nigeria",
    "NI": "Nicaragua", "NL": "Netherlands", "NO": "Norway", "NP": "Nepal", "NR": "Nauru",
    "NU": "Niue", "NZ": "New Zealand", "OM": "Oman", "PA": "Panama", "PE": "Peru",
    "PF": "French Polynesia", "PG": "Papua New Guinea", "PH": "Philippines", "PK": "Pakistan",
    "PL": "Poland", "PM": "Saint Pierre and Miquelon", "PN": "Pitcairn", "PR": "Puerto Rico",
    "PS": "Palestinian Territories", "PT": "Portugal", "PW": "Palau", "PY": "Paraguay",
    "QA": "Qatar", "RE": "Reunion", "RO": "Romania", "RS": "Serbia", "RU": "Russia",
    "RW": "Rwanda", "SA": "Saudi Arabia", "SB": "Solomon Islands", "SC": "Seychelles",
    "SD": "Sudan", "SE": "Sweden", "SG": "Singapore", "SH": "Saint Helena", "SI": "Slovenia",
    "SJ": "Svalbard and Jan Mayen", "SK": "Slovakia", "SL": "Sierra Leone", "SM": "San Marino",
    "SN": "Senegal", "SO": "Somalia", "SR": "Suriname", "SS": "South Sudan",
    "ST": "Sao Tome and Principe", "SV": "El Salvador", "SX": "Sint Maarten", "SY": "Syria",
    "SZ": "Eswatini", "TC": "Turks and Caicos Islands", "TD": "Chad",
    "TF": "French Southern Territories", "TG": "Togo", "TH": "Thailand", "TJ": "Tajikistan",
    "TK": "Tokelau", "TL": "Timor-Leste", "TM": "Turkmenistan", "TN": "Tunisia", "TO": "Tonga",
    "TR": "Turkey", "TT": "Trinidad and Tobago", "TV": "Tuvalu", "TW": "Taiwan",
    "TZ": "Tanzania", "UA": "Ukraine", "UG": "Uganda", "UM": "United States Minor Outlying Islands",
    "US": "United States", "UY": "Uruguay", "UZ": "Uzbekistan", "VA": "Holy See",
    "VC": "Saint Vincent and the Grenadines", "VE": "Venezuela",
    "VG": "Virgin Islands, British", "VI": "Virgin Islands, U.S.", "VN": "Vietnam",
    "VU": "Vanuatu", "WF": "Wallis and Futuna", "WS": "Samoa", "XK": "Kosovo", "YE": "Yemen",
    "YT": "Mayotte", "ZA": "South Africa", "ZM": "Zambia", "ZW": "Zimbabwe",
}  # fmt: skip

# Other spellings met in Entity List headings, CSV extracts and FR rules.
_ALIASES: dict[str, str] = {
    "china, people's republic of": "CN", "people's republic of china": "CN", "prc": "CN",
    "china (prc)": "CN", "hong kong special administrative region": "HK",
    "hong kong, china": "HK", "macao": "MO", "korea, north": "KP",
    "korea, democratic people's republic of": "KP", "korea, south": "KR",
    "korea, republic of": "KR", "republic of korea": "KR", "russian federation": "RU",
    "iran, islamic republic of": "IR", "syrian arab republic": "SY", "uae": "AE",
    "u.a.e.": "AE", "united arab emirates (uae)": "AE", "uk": "GB", "great britain": "GB",
    "united kingdom of great britain and northern ireland": "GB", "england": "GB",
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "united states of america": "US",
    "myanmar": "MM", "burma (myanmar)": "MM", "turkiye": "TR", "türkiye": "TR",
    "czech republic": "CZ", "the netherlands": "NL", "holland": "NL", "viet nam": "VN",
    "lao people's democratic republic": "LA", "macedonia": "MK",
    "macedonia, the former yugoslav republic of": "MK", "moldova, republic of": "MD",
    "taiwan, province of china": "TW", "republic of china": "TW", "ivory coast": "CI",
    "côte d'ivoire": "CI", "cape verde": "CV", "swaziland": "SZ", "east timor": "TL",
    "brunei darussalam": "BN", "bolivia, plurinational state of": "BO",
    "venezuela, bolivarian republic of": "VE", "tanzania, united republic of": "TZ",
    "congo, democratic republic of": "CD", "democratic republic of the congo": "CD",
    "congo": "CG", "west bank": "PS", "gaza": "PS", "palestine": "PS",
    "crimea (occupied)": "UA", "crimea region of ukraine": "UA", "crimea": "UA",
    "kyrgyz republic": "KG", "slovak republic": "SK", "vatican city": "VA",
}  # fmt: skip

_CODES = frozenset(ISO_NAMES)


def _fold(name: str) -> str:
    """Case-, accent- and whitespace-insensitive form of a country name."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2019", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip(" .;:").casefold()


_BY_NAME: dict[str, str] = {_fold(n): c for c, n in ISO_NAMES.items()}
_BY_NAME.update({_fold(n): c for n, c in _ALIASES.items()})


def is_iso_code(text: str) -> bool:
    """True for a known upper-case ISO alpha-2 code such as "CN"."""
    return text in _CODES


def to_iso(country: str | None) -> str | None:
    """Map a code or a country name/heading to its ISO alpha-2 code; None when unknown."""
    if country is None:
        return None
    stripped = country.strip()
    if stripped.upper() in _CODES and len(stripped) == 2:
        return stripped.upper()
    return _BY_NAME.get(_fold(stripped))


def country_name(code: str) -> str:
    """English short name of an ISO code (the code itself when unknown)."""
    return ISO_NAMES.get(code.upper(), code)
