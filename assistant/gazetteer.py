"""Country names, folded: "which countries ..." wants text that names some.

Migration dialogues are about states, so a list of them is a cheap, reliable answer cue.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .textnorm import fold

# One country a comma; "|" separates spellings of the same one.
COUNTRIES = """
Afghanistan, Albania, Algeria, Andorra, Angola, Argentina, Armenia, Australia, Austria,
Azerbaijan, Bahrain, Bangladesh, Belarus, Belgium, Benin, Bhutan, Bolivia,
Bosnia|Bosnia and Herzegovina, Botswana, Brazil, Bulgaria, Burkina Faso|Burkina, Burundi,
Cambodia, Cameroon, Canada, Chad, Chile, China, Colombia, Congo, Croatia, Cuba, Cyprus,
Czech Republic|Czechia, Denmark, Djibouti, Ecuador, Egypt, Eritrea, Estonia, Eswatini, Ethiopia,
Finland, France, Gabon, Gambia, Georgia, Germany, Ghana, Greece, Guatemala, Guinea, Haiti,
Honduras, Hungary, Iceland, India, Indonesia, Iran, Iraq, Ireland, Israel, Italy, Jamaica,
Japan, Jordan, Kazakhstan, Kenya, Kosovo, Kuwait, Kyrgyzstan|Kyrgyz Republic, Laos, Latvia,
Lebanon, Lesotho, Liberia, Libya, Liechtenstein, Lithuania, Luxembourg, Madagascar, Malawi,
Malaysia, Mali, Malta, Mauritania, Mexico, Moldova, Monaco, Mongolia, Montenegro, Morocco,
Mozambique, Myanmar, Namibia, Nepal, Netherlands, New Zealand, Nicaragua, Niger, Nigeria,
North Macedonia, North Korea, Norway, Oman, Pakistan, Palestine, Panama, Paraguay, Peru,
Philippines, Poland, Portugal, Qatar, Romania, Russia|Russian Federation, Rwanda, Saudi Arabia,
Senegal, Serbia, Sierra Leone, Singapore, Slovakia, Slovenia, Somalia, South Africa,
South Korea, South Sudan, Spain, Sri Lanka, Sudan, Sweden, Switzerland, Syria, Tajikistan,
Tanzania, Thailand, Togo, Tunisia, Turkey|Türkiye, Turkmenistan, Uganda, Ukraine,
United Arab Emirates, United Kingdom|UK, United States|USA, Uruguay, Uzbekistan, Venezuela,
Vietnam|Viet Nam, Yemen, Zambia, Zimbabwe
"""


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    names = {n.strip() for entry in COUNTRIES.split(",") for n in entry.split("|") if n.strip()}
    alts = sorted((re.escape(fold(n)).replace(r"\ ", r"\s+") for n in names), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b")


def countries_in(text: str) -> set[str]:
    """The (folded) country names a text mentions."""
    return {" ".join(m.split()) for m in _pattern().findall(fold(text))}
