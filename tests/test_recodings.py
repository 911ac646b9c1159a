"""Round-2 recodings (issue 13) and the 2019-2025 facts, each pinned to the row of the course fact sheet it comes from.

The fact sheet (facts_events_more.csv N01-N50 and the corrections in facts_report_more.md) lives outside the
repository and must not be read at test time, so every value below is hard-coded, with a comment naming the
fact-sheet row. A changed date, URL or coding in a CSV fails here with the row's id.
"""

from __future__ import annotations

import pandas as pd
import pytest

from brinkmanship import argument, escalation

NEW_EVENTS = {
    # event_id: (fact-sheet row, date, verification URL, CAMEO code, source actor, target actor)
    # facts_events_more.csv N01: EU sanctions an Iranian intelligence unit over assassination plots in Europe
    "E39": (
        "N01",
        "2019-01-08",
        "https://cfjctoday.com/2019/01/08/eu-blacklists-iranian-intel-service-over-assassination-plots/",
        "163",
        "eu",
        "irn_mois",
    ),
    # facts_events_more.csv N02: Iran's enriched-uranium stockpile exceeds the JCPOA's 300 kg cap; IAEA verifies
    "E40": (
        "N02",
        "2019-07-01",
        "https://www.news18.com/news/world/international-atomic-energy-agency-confirms-iran-exceeds-enriched-uranium-stockpile-limit-2212311.html",
        "128",
        "irn",
        "usa",
    ),
    # facts_events_more.csv N03: US amends Jundallah's terrorist designation to its new name, Jaysh al-Adl
    "E41": (
        "N03",
        "2019-07-02",
        "http://www.newindianexpress.com/world/2019/jul/03/us-designates-balochistan-liberation-army-as-terrorist-group-1998839.html",
        "172",
        "us_state_dept",
        "jaish_al_adl",
    ),
    # facts_events_more.csv N04: Iran announces it will enrich uranium above the JCPOA's 3.67% limit
    "E42": (
        "N04",
        "2019-07-07",
        "https://www.usatoday.com/story/news/world/2019/07/07/iran-increases-uranium-enrichment-levels/1667803001/",
        "128",
        "irn",
        "usa",
    ),
    # facts_events_more.csv N05: Iran's third step: limits on centrifuge research and development dropped
    "E43": (
        "N05",
        "2019-09-06",
        "https://www.eurasiareview.com/06092019-iran-to-take-third-jcpoa-step-start-rd-friday/",
        "128",
        "irn",
        "usa",
    ),
    # facts_events_more.csv N06: UK, France and Germany say Iran bears responsibility for the Abqaiq/Khurais attack
    "E44": (
        "N06",
        "2019-09-23",
        "https://gulfnews.com/world/gulf/saudi/european-leaders-say-iran-behind-saudi-arabia-attack-1.1569278029467",
        "112",
        "e3",
        "irn",
    ),
    # facts_events_more.csv N07: Rouhani proposes the Hormuz Peace Endeavour (HOPE) at the UN General Assembly
    "E45": (
        "N07",
        "2019-09-25",
        "https://en.mehrnews.com/news/150479/Hormuz-Peace-Endeavor-is-based-on-mutual-respect",
        "036",
        "irn",
        "",
    ),
    # facts_events_more.csv N08: Mass anti-government protests begin in Baghdad and southern Iraq
    "E46": (
        "N08",
        "2019-10-01",
        "https://www.jpost.com/Middle-East/Dozens-injured-in-Iraq-protests-603363",
        "141",
        "iraqi_protesters",
        "irq",
    ),
    # facts_events_more.csv N09: Iran's fourth step: uranium gas fed into centrifuges at Fordow
    "E47": (
        "N09",
        "2019-11-06",
        "https://www.aljazeera.com/news/2019/11/iran-starts-injecting-uranium-gas-centrifuges-fordow-191106082544525.html",
        "128",
        "irn",
        "usa",
    ),
    # facts_events_more.csv N10: US-led International Maritime Security Construct opens its command centre in Bahrain
    "E48": (
        "N10",
        "2019-11-07",
        "https://sputniknews.com/middleeast/201911071077249799-us-opens-bahrain-command-centre-for-military-ships-protecting-persian-gulf-centcom/",
        "062",
        "usa_mil",
        "bhr",
    ),
    # facts_events_more.csv N11: Nationwide protests erupt in Iran after a sudden fuel-price rise and rationing
    "E49": (
        "N11",
        "2019-11-15",
        "http://english.alarabiya.net/en/News/middle-east/2019/11/16/At-least-12-people-killed-in-amid-protests-over-fuel-prices.html",
        "141",
        "iranian_protesters",
        "irn",
    ),
    # facts_events_more.csv N12: Iraqi PM Adil Abdul Mahdi says he will resign after Sistani's Friday sermon
    "E50": (
        "N12",
        "2019-11-29",
        "https://www.thehindu.com/news/international/iraq-pm-adel-abdul-mahdi-says-he-will-resign/article30116668.ece",
        "010",
        "abdul_mahdi",
        "",
    ),
    # facts_events_more.csv N13: Iraqi parliament accepts Abdul Mahdi's resignation; his government becomes caretaker
    "E51": (
        "N13",
        "2019-12-01",
        "https://www.rt.com/newsline/474781-iraqi-pm-resigns-protests/",
        "010",
        "irq_parliament",
        "abdul_mahdi",
    ),
    # facts_events_more.csv N14: Nasrallah says the US military in the region will pay the price for Soleimani's ki...
    "E52": (
        "N14",
        "2020-01-05",
        "https://www.devdiscourse.com/article/international/818746-update-1-hezbollah-us-forces-in-middle-east-to-pay-price-for-soleimani-killing",
        "138",
        "nasrallah",
        "usa_mil",
    ),
    # facts_events_more.csv N15: Iran tells caretaker PM Abdul Mahdi, shortly after midnight, that its response had...
    "E53": (
        "N15",
        "2020-01-08",
        "https://www.aljazeera.com/news/2020/1/8/iraqi-pm-received-verbal-message-from-iran-about-missile-attack",
        "010",
        "irn",
        "abdul_mahdi",
    ),
    # facts_events_more.csv N16: Abraham Accords signed at the White House (Israel-UAE, Israel-Bahrain)
    "L24": (
        "N16",
        "2020-09-15",
        "https://hamodia.com/2020/09/15/live-updates-abraham-accord-signing-at-white-house/",
        "057",
        "isr",
        "are",
    ),
    # facts_events_more.csv N17: Iranian nuclear scientist Mohsen Fakhrizadeh assassinated near Tehran
    "L25": (
        "N17",
        "2020-11-27",
        "https://www.jpost.com/breaking-news/iranian-nuclear-scientist-assassinated-near-tehran-report-650457",
        "186",
        "isr",
        "irn",
    ),
    # facts_events_more.csv N18: First round of Saudi-Iranian talks held in Baghdad (reported by the FT on 18 Apr)
    "L26": (
        "N18",
        "2021-04-09",
        "https://www.tayyar.org/News/Mena/410488/Saudi-and-Iranian-officials-hold-talks-to-patch-up-relations--Financial-Times-",
        "046",
        "sau",
        "irn",
    ),
    # facts_events_more.csv N19: UAE national security adviser Tahnoun bin Zayed visits Tehran and meets Raisi
    "L27": (
        "N19",
        "2021-12-06",
        "https://www.thehindu.com/news/international/uaes-top-security-envoy-makes-rare-visit-to-iran/article37875333.ece/amp/",
        "042",
        "tahnoun",
        "irn",
    ),
    # facts_events_more.csv N20: Iraq declares the US-led coalition's combat mission over; remaining troops advise...
    "L28": (
        "N20",
        "2021-12-09",
        "https://nationalpost.com/pmn/news-pmn/iraqi-official-says-u-s-led-troops-end-combat-mission-as-planned",
        "010",
        "irq",
        "usa_mil",
    ),
    # facts_events_more.csv N21: Houthi drone and missile attack on Abu Dhabi kills three
    "L29": (
        "N21",
        "2022-01-17",
        "https://airwaysmag.com/airports/possible-drone-attack-abu-dhabi/",
        "195",
        "houthis",
        "are",
    ),
    # facts_events_more.csv N22: UN-brokered nationwide truce in Yemen takes effect
    "L30": (
        "N22",
        "2022-04-02",
        "https://reliefweb.int/report/yemen/press-statement-un-special-envoy-yemen-hans-grundberg-two-month-truce",
        "0871",
        "saudi_led_coalition",
        "houthis",
    ),
    # facts_events_more.csv N23: Iran executes Swedish-Iranian ASMLA figure Habib Chaab
    "L31": ("N23", "2023-05-06", "https://hengaw.net/en/news/archive/59342", "175", "irn", "asmla"),
    # facts_events_more.csv N24: Iran becomes a full member of the Shanghai Cooperation Organisation
    "L32": ("N24", "2023-07-04", "https://en.trend.az/business/economy/3768748.html", "057", "irn", "sco"),
    # facts_events_more.csv N25: Hamas attacks southern Israel, starting the regional war
    "L33": (
        "N25",
        "2023-10-07",
        "https://thenationonlineng.net/israel-declares-war-on-hamas-after-surprise-attack/",
        "190",
        "hamas",
        "isr",
    ),
    # facts_events_more.csv N26: Houthis seize the car carrier Galaxy Leader in the Red Sea
    "L34": (
        "N26",
        "2023-11-19",
        "https://www.oodaloop.com/globalrisk/2023/11/21/seized-galaxy-leader-ship-in-yemens-hodeidah-port-area-owner/",
        "181",
        "houthis",
        "commercial_shipping",
    ),
    # facts_events_more.csv N27: US announces Operation Prosperity Guardian to protect Red Sea shipping
    "L35": (
        "N27",
        "2023-12-19",
        "https://essanews.com/international-coalition-launches-prosperity-guardian-operation-to-protect-red-sea-trade-amid-houthi-attacks,6975373431764609a",
        "062",
        "usa_mil",
        "bhr",
    ),
    # facts_events_more.csv N28: Twin bombings at Soleimani memorial in Kerman; Islamic State claims
    "L36": (
        "N28",
        "2024-01-03",
        "https://www.politico.eu/article/isis-claim-bombing-iran-qassem-soleimani-memorial/",
        "183",
        "isis",
        "irn",
    ),
    # facts_events_more.csv N29: First US-UK strikes on Houthi targets in Yemen
    "L37": (
        "N29",
        "2024-01-12",
        "https://kyivindependent.com/us-uk-attack-houthi-military-targets-in-yemen/",
        "195",
        "usa_mil",
        "houthis",
    ),
    # facts_events_more.csv N30: Iran strikes Jaish al-Adl positions inside Pakistan
    "L38": ("N30", "2024-01-16", "https://www.iranintl.com/en/202401165352", "195", "irn_irgc", "jaish_al_adl"),
    # facts_events_more.csv N31: Pakistan strikes militant hideouts inside Iran (Operation Marg Bar Sarmachar)
    "L39": (
        "N31",
        "2024-01-18",
        "https://en.dailypakistan.com.pk/18-Jan-2024/operation-marg-bar-sarmachar-pakistan-hits-back-iran-in-retaliation-to-air-strikes",
        "195",
        "pak",
        "baloch_separatists",
    ),
    # facts_events_more.csv N32: Kataib Hezbollah announces suspension of attacks on US forces
    "L40": (
        "N32",
        "2024-01-30",
        "https://www.anews.com.tr/middle-east/2024/01/30/kataeb-hezbollah-in-iraq-says-suspending-attacks-on-us-troops",
        "087",
        "kh",
        "usa_mil",
    ),
    # facts_events_more.csv N33: Iranian parliamentary election: record-low turnout of about 41%; hardliners dominate
    "L41": (
        "N33",
        "2024-03-01",
        "https://localnews8.com/news/ap-national/2024/03/02/hard-liners-are-leading-in-irans-parliamentary-election-which-may-have-witnessed-record-low-turnout/",
        "010",
        "irn",
        "",
    ),
    # facts_events_more.csv N34: President Ebrahim Raisi killed in a helicopter crash in East Azerbaijan
    "L42": (
        "N34",
        "2024-05-19",
        "https://essanews.com/iranian-president-ebrahim-raisi-dies-in-a-helicopter-crash,7029489037608577a",
        "010",
        "irn",
        "",
    ),
    # facts_events_more.csv N35: Snap presidential election, first round: no majority; Pezeshkian and Jalili go to...
    "L43": ("N35", "2024-06-28", "https://tass.com/world/1810277", "010", "irn", ""),
    # facts_events_more.csv N36: Runoff: reformist Masoud Pezeshkian elected president over Saeed Jalili
    "L44": (
        "N36",
        "2024-07-05",
        "https://www.aljazeera.com/news/2024/7/6/irans-reformist-masoud-pezeshkian-wins-run-off-presidential-vote-reports?traffic_source=rss",
        "010",
        "pezeshkian",
        "",
    ),
    # facts_events_more.csv N37: Hamas leader Ismail Haniyeh killed in Tehran
    "L45": ("N37", "2024-07-31", "https://mothership.sg/2024/07/haniyeh-dies/", "186", "isr", "haniyeh"),
    # facts_events_more.csv N38: Israeli strike in Beirut kills Hezbollah leader Hassan Nasrallah
    "L46": (
        "N38",
        "2024-09-27",
        "https://menafn.com/1108725671/Hezbollah-Confirms-Leader-Nasrallahs-Death",
        "186",
        "isr",
        "nasrallah",
    ),
    # facts_events_more.csv N39: US and Iraq announce the coalition's military mission in Iraq will end by Sept 2025
    "L47": (
        "N39",
        "2024-09-27",
        "https://news.az/news/us-and-iraq-to-announce-conclusion-of-defeat-isis-coalition",
        "030",
        "usa",
        "irq",
    ),
    # facts_events_more.csv N40: Israel-Hezbollah ceasefire takes effect
    "L48": (
        "N40",
        "2024-11-27",
        "https://www.dw.com/en/middle-east-israel-hezbollah-cease-fire-begins/live-70885392?maca=en-rss-en-top-1022-rdf",
        "0871",
        "isr",
        "hezbollah",
    ),
    # facts_events_more.csv N41: US begins sustained air campaign against the Houthis in Yemen
    "L49": (
        "N41",
        "2025-03-15",
        "https://www.standard-democrat.com/world/trump-orders-strikes-on-iran-backed-houthi-rebels-in-yemen-and-issues-new-warning-to-iran-11b0e080",
        "195",
        "usa_mil",
        "houthis",
    ),
    # facts_events_more.csv N42: US-Iran talks, round 1, in Muscat (Oman mediating)
    "L50": (
        "N42",
        "2025-04-12",
        "https://en.mehrnews.com/news/230474/Omani-FM-says-Iran-US-talks-held-in-a-friendly-atmosphere",
        "046",
        "usa",
        "irn",
    ),
    # facts_events_more.csv N43: Saudi defence minister Khalid bin Salman visits Tehran and meets Khamenei
    "L51": (
        "N43",
        "2025-04-17",
        "https://www.thenationalnews.com/news/mena/2025/04/17/saudi-defence-minister-visits-iran-for-talks",
        "042",
        "khalid_bin_salman",
        "irn",
    ),
    # facts_events_more.csv N44: US-Iran talks, round 2, in Rome (Omani mediation, at the Omani embassy)
    "L52": ("N44", "2025-04-19", "https://trt.global/world/article/d7c4bf8f3b96", "046", "usa", "irn"),
    # facts_events_more.csv N45: US-Iran talks, round 3, in Muscat, with the first expert-level technical talks
    "L53": (
        "N45",
        "2025-04-26",
        "https://en.irna.ir/news/85814282/Third-round-of-Iran-U-S-talks-begins-in-Oman",
        "046",
        "usa",
        "irn",
    ),
    # facts_events_more.csv N46: US-Houthi ceasefire announced; Oman says it mediated
    "L54": ("N46", "2025-05-06", "https://tass.com/world/1954013", "0871", "usa", "houthis"),
    # facts_events_more.csv N47: US-Iran talks, round 4, in Muscat
    "L55": (
        "N47",
        "2025-05-11",
        "https://en.mehrnews.com/news/231690/Fourth-round-of-indirect-Iran-US-talks-wrap-up",
        "046",
        "usa",
        "irn",
    ),
    # facts_events_more.csv N48: US-Iran talks, round 5, in Rome
    "L56": (
        "N48",
        "2025-05-23",
        "https://en.irna.ir/news/85841442/Exclusive-Fifth-round-of-Iran-U-S-nuclear-negotiations-concludes",
        "046",
        "usa",
        "irn",
    ),
    # facts_events_more.csv N49: Saudi Arabia condemns Israel's strikes on Iran
    "L57": ("N49", "2025-06-13", "https://www.arabnews.pk/node/2604354/saudi-arabia", "111", "sau", "isr"),
    # facts_events_more.csv N50: Oman says the sixth round of US-Iran talks (Muscat, 15 June) will not take place
    "L58": ("N50", "2025-06-14", "https://tass.com/world/1972977", "165", "omn", "usa"),
}


def _ev(tables: dict) -> pd.DataFrame:
    return tables["events"].set_index("event_id")


@pytest.mark.parametrize("event_id", sorted(NEW_EVENTS))
def test_new_event_matches_its_fact_sheet_row(tables: dict, event_id: str) -> None:
    row, date, url, code, source, target = NEW_EVENTS[event_id]
    ev = _ev(tables).loc[event_id]
    assert ev["fact_sheet_id"] == row
    assert ev["date"] == pd.Timestamp(date), f"{event_id} ({row}) date"
    assert ev["verification_url"] == url, f"{event_id} ({row}) URL"
    assert ev["cameo_code"] == code and ev["source_actor_id"] == source, f"{event_id} ({row}) coding"
    assert (ev["target_actor_id"] if pd.notna(ev["target_actor_id"]) else "") == target, f"{event_id} ({row}) target"
    assert not ev["in_article"] and pd.isna(ev["article_section"]), "facts_events_more.csv: all rows in_article=no"


def test_every_supplement_row_is_in_the_data_once(tables: dict) -> None:
    sheet_ids = tables["events"]["fact_sheet_id"].dropna()
    supplement = sorted(i for i in sheet_ids if i.startswith("N"))
    assert supplement == [f"N{i:02d}" for i in range(1, 51)]  # facts_events_more.csv: 50 rows, N01-N50


def test_figures_of_the_supplement(tables: dict) -> None:
    ev = _ev(tables)
    # N36: run-off 5 Jul 2024, Pezeshkian 16.3 m to Jalili's 13.5 m (53.7% to 44.3%)
    assert all(x in ev.loc["L44", "description"] for x in ("16.3 million", "13.5 million", "53.7%"))
    # N35: first round 28 Jun 2024, Pezeshkian 42.5%, Jalili 38.6%, turnout about 40%
    assert all(x in ev.loc["L43", "description"] for x in ("42.5%", "38.6%", "40%"))
    # N33: 2024 Majlis election, turnout about 41%
    assert "41%" in ev.loc["L41", "description"]
    # N34: Raisi's helicopter crash on 19 May 2024, deaths confirmed 20 May
    assert ev.loc["L42", "date"] == pd.Timestamp("2024-05-19") and "next day" in ev.loc["L42", "description"]
    # N11: petrol from 10,000 to 15,000 rials a litre; Amnesty at least 304 killed; Iran confirmed five
    assert "10,000 to 15,000" in ev.loc["E49", "description"] and "304" in ev.loc["E49", "notes"]
    # N21: three killed in Abu Dhabi; N26: Galaxy Leader with 25 crew; N37: Haniyeh and a bodyguard
    assert ev.loc["L29", "fatalities"] == 3 and "25 crew" in ev.loc["L34", "description"]
    assert ev.loc["L45", "fatalities"] == 2
    # N42-N48: five rounds, three in Muscat and two in Rome, 12 Apr to 23 May 2025; N50 sixth round called off
    rounds = ev.loc[["L50", "L52", "L53", "L55", "L56"]]
    assert list(rounds["country_iso3"]) == ["OMN", "ITA", "OMN", "OMN", "ITA"]
    assert (rounds["cameo_code"] == "046").all() and ev.loc["L58", "date"] == pd.Timestamp("2025-06-14")
    # N41: US campaign from 15 Mar 2025 until the ceasefire of 6 May (N46)
    assert ev.loc["L49", "date_end"] == ev.loc["L54", "date"] == pd.Timestamp("2025-05-06")
    # N05 and N18 are the two medium-confidence rows of the supplement
    assert ev.loc["E43", "confidence"] == "medium" and ev.loc["L26", "confidence"] == "medium"
    assert "denied" in ev.loc["L26", "disputed"]  # N18: a senior Saudi official denied the round at the time


def test_corrections_of_facts_report_more(tables: dict) -> None:
    ev = _ev(tables)
    actors = tables["actors"].set_index("actor_id")
    # E22, E23 and report item 6: Abdul Mahdi was caretaker PM from 1 Dec 2019 (N12, N13)
    assert "caretaker" in ev.loc["E22", "title"] and "1 Dec 2019" in ev.loc["E22", "description"]
    assert "caretaker" in ev.loc["E23", "notes"] and "caretaker" in actors.loc["abdul_mahdi", "role_in_article"]
    assert ev.loc["E51", "date"] == pd.Timestamp("2019-12-01") and ev.loc["E50", "date"] == pd.Timestamp("2019-11-29")
    # E11 and report item 7: the UK, France and Germany blamed Iran on 23 Sep 2019 (N06); Iran denied
    disputed = ev.loc["E11", "disputed"]
    assert all(w in disputed for w in ("Houthis claimed", "UK, France and Germany", "E44", "denied", "contested"))
    # E26: Iraqi military count 22 missiles (17 at Ain al-Asad, two unexploded, 5 at Erbil) beside WaPo's 16/11
    assert all(x in ev.loc["E26", "description"] for x in ("16 missiles", "22", "17 at Ain al-Asad", "5 at Erbil"))
    # E03: TASS background dates the rounds to 7 Aug and 5 Nov 2018, a secondary source only
    assert "7 Aug and 5 Nov 2018" in ev.loc["E03", "notes"] and ev.loc["E03", "date_precision"] == "month"
    # E04: the nuclear sequence is complete: 8 May, 1 Jul, 7-8 Jul, 6 Sep, 6-7 Nov 2019, 5 Jan 2020
    ladder = ["E04", "E40", "E42", "E43", "E47", "E24"]
    assert [str(d.date()) for d in ev.loc[ladder, "date"]] == [
        "2019-05-08",
        "2019-07-01",
        "2019-07-07",
        "2019-09-06",
        "2019-11-06",
        "2020-01-05",
    ]
    assert (ev.loc[ladder, "cameo_code"] == "128").all() and (ev.loc[ladder, "target_actor_id"] == "usa").all()
    # C04: the US action of 2 Jul 2019 amended Jundallah's 2010 designation and cites the Feb 2019 bombing (N03)
    assert "Not a new listing" in ev.loc["E41", "notes"] and "E41" in ev.loc["C04", "notes"]
    # C02: revocation effective 28 Sep 2012, reported 21 Sep 2012
    assert ev.loc["C02", "date"] == pd.Timestamp("2012-09-28") and "21 Sep 2012" in ev.loc["C02", "notes"]
    # C03: Iran later charged Habib Chaab over Ahvaz (N23): Iran's claim, not a settlement
    assert "L31" in ev.loc["C03", "notes"] and "contested" in ev.loc["L31", "disputed"]


# --- recodings ---------------------------------------------------------------------------------------------


def test_anti_regime_militants_have_their_own_alignment(tables: dict) -> None:
    actors = tables["actors"].set_index("actor_id")
    # audit section 3, C04 / section 6 item 1: MEK, ASMLA and Jaish al-Adl were us_camp
    assert set(actors.loc[["mek", "asmla", "jaish_al_adl"], "alignment"]) == {"anti_regime"}
    # N03: the US designates Jaish al-Adl a terrorist organisation, so it cannot sit in the US camp
    assert "2 Jul 2019" in actors.loc["jaish_al_adl", "notes"]
    rel = tables["relations"]
    alleged = rel[(rel["relation"] == "sponsors") & rel["target_id"].isin(["mek", "asmla", "jaish_al_adl"])]
    assert sorted(alleged["relation_id"]) == ["R052", "R053", "R054", "R055", "R056", "R057"]
    assert (alleged["confidence"] == "low").all() and alleged["disputed"].notna().all()
    assert list(alleged["footnotes"]) == ["12", "12", "13", "13", "14", "14"]  # the article's fns 12-14
    # no attack is tied to the alleged sponsors any more (audit section 3: R054 -> C03, R056 -> C04)
    assert pd.isna(rel.set_index("relation_id").loc["R054", "event_ids"])
    assert pd.isna(rel.set_index("relation_id").loc["R056", "event_ids"])
    ev = _ev(tables)
    assert ev.loc[["C02", "C03", "C04"], "strategy_id"].isna().all()
    # the February 2019 bombing is in no US camp -> Iran camp dyad any more (audit: Ex 2.3's artefact)
    dyad = escalation.dyad_events(tables["events"], tables["actors"], "us_camp", "iran_camp")
    assert "C04" not in set(dyad["event_id"])
    assert "C04" in set(
        escalation.dyad_events(tables["events"], tables["actors"], "anti_regime", "iran_camp")["event_id"]
    )


def test_private_citizens_and_double_counts_leave_the_dyads(tables: dict) -> None:
    actors = tables["actors"].set_index("actor_id")
    ev = _ev(tables)
    dyad = set(escalation.dyad_events(tables["events"], tables["actors"], "us_camp", "iran_camp")["event_id"])
    # audit section 3, E20: Bolton tweeted as a private citizen
    assert actors.loc["bolton", "alignment"] == "other" and "E20" not in dyad
    # audit 5.2: E31 and E38 counted the 9 Feb 2020 seizure (E29) three times
    assert "E38" not in ev.index and "E38" in ev.loc["E29", "notes"] and "13 Feb" in ev.loc["E29", "notes"]
    assert ev.loc["E31", "cameo_code"] == "010" and pd.isna(ev.loc["E31", "target_actor_id"]) and "E31" not in dyad
    assert ev.loc["E31", "fact_sheet_id"] == "E31"  # the fact-sheet row itself is kept: the article cites it [11]
    # audit section 6 item 9: the Iraqi parliament is not a mediator; the Trump-Erdogan call is not in Syria
    assert actors.loc["irq_parliament", "alignment"] == "other"
    assert ev.loc["E37", "country_iso3"] == "XXX" and pd.isna(ev.loc["E37", "latitude"])
    # audit E3: "routine" was added to the Gulf official's words
    assert "routine" not in ev.loc["E09", "disputed"] and "unrelated to regional tensions" in ev.loc["E09", "disputed"]


def test_ceasefires_are_coded_between_the_parties(tables: dict) -> None:
    ev = _ev(tables)
    # L18 (fact sheet): Israel-Iran ceasefire announced by Trump; coded trump -> irn until 2026
    assert (ev.loc["L18", "source_actor_id"], ev.loc["L18", "target_actor_id"]) == ("isr", "irn")
    assert "Trump" in ev.loc["L18", "notes"]
    # N40 (Israel-Hezbollah), N46 (US-Houthi), N22 (Yemen truce): between the parties that stopped fighting
    assert (ev.loc[["L48", "L54", "L30"], "cameo_code"] == "0871").all()
    assert list(ev.loc[["L48", "L54", "L30"], "source_actor_id"]) == ["isr", "usa", "saudi_led_coalition"]


def test_mediation_ties_are_dated(tables: dict) -> None:
    rel = tables["relations"].set_index("relation_id")
    # audit section 3: R032/R033 undated, so Oman showed as a mediator on 3 Jan 2020
    assert rel.loc["R032", "valid_from"] == pd.Timestamp("2021-04-09")  # N18: first Baghdad round
    assert rel.loc["R033", "valid_from"] == pd.Timestamp("2021-01-01")  # L07: "2021-2022", year precision
    assert rel.loc["R032", "valid_to"] == rel.loc["R033", "valid_to"] == pd.Timestamp("2022-12-31")
    # N42-N50: Oman mediated the 2025 US-Iran rounds from 12 Apr until it called off the sixth on 14 Jun
    assert rel.loc["R069", "valid_from"] == pd.Timestamp("2025-04-12")
    assert rel.loc["R069", "valid_to"] == pd.Timestamp("2025-06-14")


def test_hezbollah_and_its_ties(tables: dict) -> None:
    actors = tables["actors"].set_index("actor_id")
    rel = tables["relations"]
    # N14: Reuters, Hezbollah founded by the IRGC in 1982; AP, Iran's key proxy
    assert actors.loc["hezbollah", "alignment"] == "iran_camp" and actors.loc["hezbollah", "country_iso3"] == "LBN"
    url = "https://www.devdiscourse.com/article/international/818746-update-1-hezbollah-us-forces-in-middle-east-to-pay-price-for-soleimani-killing"
    assert actors.loc["hezbollah", "verification_url"] == url
    ties = {(r.source_id, r.relation, r.target_id): r for r in rel.itertuples()}
    assert ties[("irn_irgc", "sponsors", "hezbollah")].valid_from == pd.Timestamp("1982-01-01")
    assert ties[("hezbollah", "proxy_of", "irn")].confidence == "medium"
    # N38: Nasrallah led the group from 1992 until killed on 27 Sep 2024
    cmd = ties[("nasrallah", "commands", "hezbollah")]
    assert (cmd.valid_from, cmd.valid_to) == (pd.Timestamp("1992-01-01"), pd.Timestamp("2024-09-27"))
    # the actors assignment's Q2: Iran's partners now include Lebanon
    from brinkmanship import network

    by_country = network.proxies_by_country(tables, sponsor="irn", include_organs=True)
    assert "LBN" in set(by_country["country_iso3"].astype(str))


def test_what_drives_the_index_extremes(tables: dict) -> None:
    e, a = tables["events"], tables["actors"]
    article = escalation.escalation_index(e, a, "us_camp", "iran_camp", start="2018-01-01", end="2020-02-29")
    # after the recodings the month of the killing and of Iran's missiles is the most conflictual (audit 5.2)
    assert article["goldstein_sum"].idxmin() == pd.Timestamp("2020-01-01")
    assert article.loc["2020-01-01", "goldstein_sum"] == pytest.approx(-37.8)
    assert article.loc["2020-02-01", "goldstein_sum"] == pytest.approx(-29.2)
    later = escalation.escalation_index(e, a, "us_camp", "iran_camp", start="2020-03-01", tone="conflict")
    by_year = later["goldstein_sum"].groupby(later.index.year).sum()
    # conflict only: 2024 holds more coded attacks (nine) than 2025 (four), each capped at -10
    assert by_year[2024] == pytest.approx(-90.0) and by_year[2025] == pytest.approx(-40.0)
    net = escalation.escalation_index(e, a, "us_camp", "iran_camp", start="2020-03-01")
    net_year = net["goldstein_sum"].groupby(net.index.year).sum()
    assert net_year[2025] > 0  # five rounds of talks (+7 each) outweigh the war in a net sum


def test_forecast_record_under_the_scoring_rule(tables: dict) -> None:
    preds = argument.predictions(tables)
    # facts_report_more.md "Forecast section": hardliners partly right (N36); talks resumed in 2025 (N42-N48)
    assert preds.loc["F03", "outcome"] == "partly_held" and "L44" in preds.loc["F03", "evidence_against"]
    assert {"L50", "L52", "L53", "L55", "L56"} <= set(preds.loc["F02", "evidence_for"])
    assert "L58" in preds.loc["F02", "evidence_against"]
    # multilateral security still not met (N07, N10, N24, N27); proxies and control (N32, N46)
    assert preds.loc["F04", "outcome"] == "did_not_hold" and {"L32", "L35"} <= set(preds.loc["F04", "evidence_against"])
    assert {"L40", "L54"} <= set(preds.loc["F01", "evidence_against"])
    # issue 13: the Red Sea (N29 first US-UK strikes on the Houthis; N41 the 2025 US campaign) bears on F01,
    # and Nasrallah's death (N38) with Haniyeh's (N37) and the Damascus strike (L09) on F07's escalation
    assert {"L37", "L49"} <= set(preds.loc["F01", "evidence_for"])
    assert {"L09", "L45", "L46"} <= set(preds.loc["F07", "evidence_for"])
    # the Afghanistan premise vanished (L04, L05): not testable on this record, since absence proves nothing
    assert preds.loc["F06", "outcome"] == "not_testable"
    # audit D7: F05 is the author's expectation that contacts resume, not Iran's aim
    assert "resume" in preds.loc["F05", "text"] and preds.loc["F05", "article_section"] == "destabilize"
    for cid, row in preds.iterrows():
        assert set(row["evidence_for"]) | set(row["evidence_against"]) <= set(row["outcome_event_ids"]), cid
