"""brinkmanship: a Jupyter course on one article of strategic analysis (Dorsey, RSIS CTTA 12(2), 2020).

Data flows one way: CSV -> ``brinkmanship.data`` (validated, typed) -> analysis -> widgets -> notebooks.
"""

__version__ = "0.1.0"

ARTICLE_URL = (
    "https://www.rsis.edu.sg/rsis-ctta-article/rsis/killing-of-iranian-general-us-reaps-more-than-it-wished-for/"
)
ARTICLE_CITATION = (
    'Dorsey, James M. (2020). "Killing of Iranian General: US Reaps More Than It Wished For." '
    "Counter Terrorist Trends and Analyses 12(2). S. Rajaratnam School of International Studies (RSIS)."
)
