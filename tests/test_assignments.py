"""The four nbgrader assignments: structure, generation, and autograding round trips.

One `nbgrader autograde` batch per assignment grades: the instructor answers submitted as a student (full
marks), the untouched student version (zero), and one realistic mistake per autograded question (that
question's points lost, nothing else). The batches run in throw-away courses (tests/assignment_helpers.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import assignment_helpers as helpers
import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = helpers.ASSIGNMENTS
GRADE_ID = re.compile(r"^(q\d+_[a-z0-9_]+|check_your_work(_task)?)$")  # questions, and the final self-check

# One plausible student mistake per autograded question: answer cell -> (replacement source, test cell).
# Each replaces the whole answer cell; every other cell keeps the instructor's answer.
MISTAKES: dict[str, dict[str, tuple[str, str]]] = {
    "actors": {
        # checks `kind` first, so Russia, China and the European states end up as plain states
        "q1_classes_answer": (
            """
def classify(row):
    kind = str(row["kind"])
    mapping = {"state": "state", "state_organ": "state_organ", "armed_force": "state_organ",
               "official": "official", "militia": "proxy_or_militia", "militant_group": "militant_group",
               "opposition_group": "militant_group"}
    return mapping.get(kind, "other")


q1_class_counts = {str(k): int(v) for k, v in actors.apply(classify, axis=1).value_counts().items()}
""",
            "q1_classes",
        ),
        # forgets that proxy_of ties run from the proxy to the sponsor
        "q2_proxies_answer": (
            """
organs = {"irn", "irn_irgc", "irn_irgc_qf", "irn_border_guard"}
ties = relations[relations["relation"].isin(["sponsors", "proxy_of"])]
proxies = sorted(set(ties.loc[ties["source_id"].isin(organs), "target_id"].astype(str)) - organs)
country = actors.set_index("actor_id")["country_iso3"].astype("string").fillna("none")
q2_proxies = {}
for proxy in proxies:
    q2_proxies.setdefault(str(country[proxy]), []).append(proxy)
""",
            "q2_proxies",
        ),
        # counts membership (deputy chief of the PMF) as leadership
        "q3_killed_with_answer": (
            """
q3_killed_with = "muhandis"
mine = relations[relations["source_id"] == q3_killed_with]
q3_led = sorted(mine.loc[mine["relation"].isin(["commands", "member_of"]), "target_id"].astype(str))
""",
            "q3_killed_with",
        ),
        # gives the successor's own home country instead of where his ties lie
        "q4_successor_answer": (
            """
q4_successor = str(relations.loc[(relations["relation"] == "succeeds") & (relations["target_id"] == "soleimani"),
                                 "source_id"].iloc[0])
q4_experience_country = str(actors.set_index("actor_id").loc[q4_successor, "country_iso3"])
""",
            "q4_successor",
        ),
        # keeps every relation type, enmity included: the US becomes a "broker" between groups it fights
        "q5_centrality_answer": (
            """
graph = nx.Graph()
graph.add_edges_from(zip(relations["source_id"].astype(str), relations["target_id"].astype(str), strict=True))
betweenness = pd.Series(nx.betweenness_centrality(graph)).sort_values(ascending=False)
q5_top3 = [str(a) for a in betweenness.index[:3]]
q5_irn_betweenness = float(betweenness["irn"])
""",
            "q5_centrality",
        ),
    },
    "strategies": {
        # tags by CAMEO root alone, forgetting who pursues the strategy
        "q1_rule_tags_answer": (
            """
roots = dict(zip(strategies["strategy_id"], data.split_list(strategies["signal_cameo_roots"]), strict=True))
counts = {}
for event in events.itertuples():
    for strategy_id, codes in roots.items():
        if event.cameo_root in codes:
            counts[str(strategy_id)] = counts.get(str(strategy_id), 0) + 1
q1_rule_tags = counts
""",
            "q1_rule_tags",
        ),
        # divides by every event instead of the hand-coded ones
        "q1_compare_answer": (
            """
roots = dict(zip(strategies["strategy_id"], data.split_list(strategies["signal_cameo_roots"]), strict=True))
who = dict(zip(strategies["strategy_id"], data.split_list(strategies["pursued_by"]), strict=True))
rule = {}
for event in events.itertuples():
    for strategy_id in strategies["strategy_id"]:
        if event.source_actor_id in who[strategy_id] and event.cameo_root in roots[strategy_id]:
            rule.setdefault(str(event.event_id), set()).add(str(strategy_id))
hand = events.dropna(subset=["strategy_id"]).set_index("event_id")["strategy_id"].astype(str)
q1_agreement = sum(s in rule.get(e, set()) for e, s in hand.items()) / len(events)
no_hand_tag = set(events.loc[events["strategy_id"].isna(), "event_id"].astype(str))
q1_rule_only = sorted(e for e, tags in rule.items() if "calibrated_escalation" in tags and e in no_hand_tag)
""",
            "q1_compare",
        ),
        # averages the Goldstein scores instead of adding them
        "q2_escalation_index_answer": (
            """
camp = dict(zip(actors["actor_id"].astype(str), actors["alignment"].astype(str), strict=True))
article = events[events["period"] == "article"]
src, tgt = article["source_actor_id"].map(camp), article["target_actor_id"].map(camp)
dyad = article[((src == "us_camp") & (tgt == "iran_camp")) | ((src == "iran_camp") & (tgt == "us_camp"))]
q2_index = dyad.groupby(dyad["date"].dt.to_period("M").dt.start_time)["goldstein"].mean().astype(float)
q2_lowest_month = q2_index.idxmin().strftime("%Y-%m")
q2_lowest_value = float(q2_index.min())
""",
            "q2_escalation_index",
        ),
        # takes the article's 18 months at its word
        "q3_switch_answer": (
            """
first_step = events.loc[events["strategy_id"] == "calibrated_escalation", "date"].min()
q3_first_step = first_step.strftime("%Y-%m-%d")
q3_months_after_exit = 18
""",
            "q3_switch",
        ),
        # includes the implied month itself: the window should stop before its first day
        "q4_dating_answer": (
            """
exit_date = events.loc[events["event_id"] == "E02", "date"].iloc[0]
implied = exit_date.to_period("M") + 18
q4_month_implied = str(implied)
camp = dict(zip(actors["actor_id"].astype(str), actors["alignment"].astype(str), strict=True))
src_camp, tgt_camp = events["source_actor_id"].map(camp), events["target_actor_id"].map(camp)
hostile = (src_camp == "iran_camp") & (tgt_camp == "us_camp") & (events["goldstein"] < 0)
first_step = pd.Timestamp("2019-05-08")
window = (events["date"] >= first_step) & (events["date"] <= implied.end_time)
q4_events_in_gap = int((hostile & window).sum())
""",
            "q4_dating",
        ),
        # reads a side's mix off its own payoffs: reports the US probability as Iran's
        "q5_chicken_answer": (
            """
payoffs = game.ChickenPayoffs(us_gain=1, us_backdown_cost=2, us_war_cost=10,
                              iran_gain=3, iran_backdown_cost=1, iran_war_cost=6)
a, b = game.payoff_matrices(payoffs)
q5_pure = sorted(game.pure_equilibria(a, b))
q5_iran_straight = float(game.mixed_equilibrium(a, b).us_straight)
""",
            "q5_chicken",
        ),
    },
    "sources": {
        # counts citation formats instead of source types
        "q1_type_counts_answer": (
            """
q1_type_counts = {str(k): int(v) for k, v in sources["csl_type"].astype(str).value_counts().items() if v > 0}
""",
            "q1_type_counts",
        ),
        # trusts the footnote's byline, so fn 5 (the unnamed Globalist piece) is not a self-citation
        "q2_self_citation_answer": (
            """
named = sources["author_named_in_footnote"].fillna(False).astype(bool)
by_dorsey = sources["author"].fillna("").str.contains("Dorsey", regex=False) & named
q2_self_citations = sorted(int(f) for f in sources.loc[by_dorsey, "footnote"])
q2_self_share = len(q2_self_citations) / len(sources)
""",
            "q2_self_citation",
        ),
        # measures age at the killing, not at publication
        "q3_ages_answer": (
            """
ages = (KILLING - sources["issued"]).dt.days
q3_ages = {int(f): int(d) for f, d in zip(sources["footnote"], ages, strict=True)}
q3_median_age = float(ages.median())
""",
            "q3_ages",
        ),
        # uses the self-citation flag, forgetting the author's own unpublished interview (fn 20)
        "q4_own_only_answer": (
            """
own = dict(zip(sources["footnote"].astype(int), sources["self_citation"].astype(bool), strict=True))
cited = claims[(claims["kind"] != "objection") & claims["footnotes"].notna()]
q4_own_only = sorted(
    str(cid) for cid, fns in zip(cited["claim_id"], data.split_list(cited["footnotes"]), strict=True)
    if fns and all(own[int(f)] for f in fns)
)
""",
            "q4_own_only",
        ),
        # compares dates naively: a report dated only "January 2020" counts as before 3 January
        "q5_experts_answer": (
            """
experts = actors[(actors["kind"] == "expert") & (actors["actor_id"] != "dorsey")]
issued = sources.set_index(sources["footnote"].astype(int))["issued"]
q5_before = sorted({str(a) for a, fns in zip(experts["actor_id"], data.split_list(experts["footnotes"]), strict=True)
                    for fn in fns if issued[int(fn)] < KILLING})
""",
            "q5_experts",
        ),
    },
    "capstone": {
        # reads the events a claim rests on instead of those that test it
        "q1_outcome_events_answer": (
            """
predictions = claims[claims["kind"] == "prediction"].set_index("claim_id")
q1_outcome_events = {
    str(cid): sorted(str(e) for e in ids) for cid, ids in data.split_list(predictions["event_ids"]).items()
}
""",
            "q1_outcome_events",
        ),
        # forgets the direction: also counts US strikes on the militias
        "q2_attacks_answer": (
            """
info = actors.set_index("actor_id")
kind, camp = info["kind"].astype(str), info["alignment"].astype(str)
src, tgt = events["source_actor_id"], events["target_actor_id"]
militia = (src.map(kind) == "militia") & (src.map(camp) == "iran_camp") & (tgt.map(camp) == "us_camp")
reverse = (tgt.map(kind) == "militia") & (tgt.map(camp) == "iran_camp") & (src.map(camp) == "us_camp")
attacks = events[((militia | reverse) & (events["quad_class"] == 4)).fillna(False)]
before = (attacks["date"] >= FIRST_STEP) & (attacks["date"] < PUBLICATION)
q2_attacks = {"before": int(before.sum()), "after": int((attacks["date"] >= PUBLICATION).sum())}
""",
            "q2_attacks",
        ),
        # starts the "before" window at the first event of the article period, not at Iran's first step
        "q3_rates_answer": (
            """
info = actors.set_index("actor_id")
kind, camp = info["kind"].astype(str), info["alignment"].astype(str)
src, tgt = events["source_actor_id"], events["target_actor_id"]
is_attack = ((src.map(kind) == "militia") & (src.map(camp) == "iran_camp")
             & (tgt.map(camp) == "us_camp") & (events["quad_class"] == 4)).fillna(False)
dates = events.loc[is_attack, "date"]
start = events.loc[events["period"] == "article", "date"].min()
q3_before_rate = int(((dates >= start) & (dates < PUBLICATION)).sum()) / ((PUBLICATION - start).days / 365.25)
q3_after_rate = int((dates >= PUBLICATION).sum()) / ((events["date"].max() - PUBLICATION).days / 365.25)
""",
            "q3_rates",
        ),
    },
}


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _source(assignment: str) -> nbformat.NotebookNode:
    return _read(REPO / "solutions" / assignment / f"{assignment}.ipynb")


def _release_path(assignment: str) -> Path:
    return REPO / "assignments" / assignment / f"{assignment}.ipynb"


def _nbgrader_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if "nbgrader" in c.metadata]


def _regions(source: str, begin: str, end: str) -> list[str]:
    """Lines strictly inside begin/end delimiter pairs."""
    out, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            out.append(line)
    return out


# ---------------------------------------------------------------------------------------------------------
# structure (fast)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_structure(assignment: str) -> None:
    nb = _source(assignment)
    assert nb.metadata["kernelspec"] == {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    h1 = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.split("\n") if line.startswith("# ")]
    assert len(h1) == 1 and nb.cells[0].source.startswith("# "), f"{assignment}: exactly one H1, first cell"
    assert "**Estimated time:**" in nb.cells[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{assignment}: outputs not cleared"
    auto_points, manual = 0.0, []
    ids = []
    for cell in _nbgrader_cells(nb):
        meta = cell.metadata["nbgrader"]
        ids.append(meta["grade_id"])
        assert GRADE_ID.match(meta["grade_id"]), f"{assignment}: grade id {meta['grade_id']!r}"
        if not meta.get("solution"):
            assert meta.get("locked"), f"{assignment}: {meta['grade_id']} should be locked"
        if meta.get("grade") and cell.cell_type == "code":
            auto_points += meta["points"]
            assert "### BEGIN HIDDEN TESTS" in cell.source, f"{meta['grade_id']} has no hidden tests"
            assert "# HASHED AUTOTEST" in cell.source, f"{meta['grade_id']} has no hashed check"
        if meta.get("grade") and cell.cell_type == "markdown":
            manual.append(meta["grade_id"])
            assert meta.get("solution") and "Mark scheme" in cell.source, f"{meta['grade_id']}: no mark scheme"
            assert "### BEGIN SOLUTION" in cell.source, f"{meta['grade_id']}: mark scheme outside the solution"
    assert len(ids) == len(set(ids)), f"{assignment}: duplicate grade ids"
    assert 10 <= auto_points <= 20, f"{assignment}: {auto_points} autograded points"
    assert 1 <= len(manual) <= 3, f"{assignment}: {len(manual)} manually graded answers"
    # every autograded question has a recorded plausible mistake
    tests = {
        c.metadata["nbgrader"]["grade_id"]
        for c in _nbgrader_cells(nb)
        if c.metadata["nbgrader"].get("grade") and c.cell_type == "code"
    }
    assert {t for _, t in MISTAKES[assignment].values()} == tests


def test_actors_q5_ranking_is_unambiguous_and_read_right(tables: dict) -> None:
    """Actors Q5 (issue 13, audit 5.2 item 4): brokerage on ties that carry money, arms or orders.

    The accepted answer is an ordered list, so a near-tie would make "right elements in the wrong order" a matter
    of luck; the written model answer's reading of the ranking must also hold on the data.
    """
    import networkx as nx

    rel = tables["relations"].astype({"source_id": str, "target_id": str, "relation": str})
    channels = rel[rel["relation"].isin(["sponsors", "proxy_of", "commands"])]
    graph = nx.from_pandas_edgelist(channels, "source_id", "target_id")
    bc = nx.betweenness_centrality(graph)
    ranked = sorted(bc, key=lambda a: -bc[a])
    assert ranked[:3] == ["irn", "kh", "irn_irgc_qf"]
    assert min(bc[ranked[i]] - bc[ranked[i + 1]] for i in range(3)) > 0.01, "a near-tie in the top four"
    # model answer: the US enters the top three only when enmity ties are kept (the old version of Q5)
    every = nx.betweenness_centrality(nx.from_pandas_edgelist(rel, "source_id", "target_id"))
    assert "usa" in sorted(every, key=lambda a: -every[a])[:3] and "usa" not in ranked[:4]
    # model answer: Kataib Hezbollah bridges the Quds Force and Iran because their tie is a parent_id, not a row
    assert not graph.has_edge("irn_irgc_qf", "irn") and not graph.has_edge("irn_irgc_qf", "irn_irgc")
    assert not nx.has_path(graph.subgraph(set(graph) - {"kh"}), "irn_irgc_qf", "irn")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_nothing_private(assignment: str) -> None:
    """No solution line, hidden-test line or mark-scheme sentence appears in any file under assignments/."""
    texts = []
    for path in sorted((REPO / "assignments").rglob("*")):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
            if path.suffix == ".ipynb":  # also the decoded cell sources (JSON escapes quotes)
                texts += [c.source for c in _read(path).cells]
    released = "\n".join(texts)
    nb = _source(assignment)
    public = "\n".join(c.source for c in nb.cells if not c.metadata.get("nbgrader", {}).get("solution"))
    public_lines = {line.strip() for line in public.split("\n")}
    needles: list[str] = []
    for cell in nb.cells:
        needles += _regions(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            lines = _regions(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
            if cell.cell_type == "markdown":  # written answers and mark schemes: sentence by sentence
                lines = [s for line in lines for s in re.split(r"(?<=[.:;])\s+", line)]
            needles += lines
    needles = [n.strip() for n in needles if len(n.strip()) >= 12 and n.strip() not in public_lines]
    assert needles, f"{assignment}: nothing private found to check"
    leaked = [n for n in needles if n in released]
    assert not leaked, f"{assignment}: private text released: {leaked[:3]}"
    assert not list((REPO / "assignments" / assignment).rglob("gradebook.db"))
    assert not (REPO / "solutions" / assignment / "autotests.yml").exists()
    extra = [p.name for p in (REPO / "solutions" / assignment).iterdir() if p.suffix != ".ipynb"]
    assert not extra, f"non-notebook files in solutions/{assignment} would be released: {extra}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_cells_locked(assignment: str) -> None:
    nb = _read(_release_path(assignment))
    for cell in _nbgrader_cells(nb):
        meta = cell.metadata["nbgrader"]
        if not meta.get("solution"):
            assert cell.metadata.get("editable") is False, f"{meta['grade_id']} editable in the release"
            assert cell.metadata.get("deletable") is False, f"{meta['grade_id']} deletable in the release"
        if meta.get("solution") and cell.cell_type == "code":
            assert cell.source.endswith("raise NotImplementedError()")


# ---------------------------------------------------------------------------------------------------------
# autograding round trips (slow): one batch per assignment


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def batch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, helpers.BatchResult]:
    assignment = request.param
    release = _read(_release_path(assignment))
    full = helpers.full_marks_answers(_source(assignment))
    subs = {"full": helpers.submission(release, full), "blank": helpers.submission(release, {})}
    for answer_id, (wrong, _) in MISTAKES[assignment].items():
        subs[f"wrong_{answer_id}"] = helpers.submission(release, {**full, answer_id: wrong.strip()})
    result = helpers.autograde_batch(REPO, assignment, subs, tmp_path_factory.mktemp(f"grade-{assignment}"))
    print(
        f"\n{assignment}: {len(subs)} submissions autograded in {result.seconds:.1f} s "
        f"({result.seconds / len(subs):.2f} s per submission)"
    )
    return assignment, result


@pytest.mark.slow
def test_generation_is_reproducible(batch: tuple[str, helpers.BatchResult]) -> None:
    """generate_assignment on solutions/ reproduces the committed assignments/ byte for byte."""
    assignment, result = batch
    produced = result.course / "assignments" / assignment
    committed = REPO / "assignments" / assignment
    names = sorted(p.name for p in produced.iterdir())
    assert names == sorted(p.name for p in committed.iterdir())
    for name in names:
        assert (produced / name).read_bytes() == (committed / name).read_bytes(), (
            f"assignments/{assignment}/{name} is stale: regenerate with "
            f'`python -c \'import sys; sys.path.insert(0, "tests"); import assignment_helpers as h; '
            f'h.generate("{assignment}", ".")\'`'
        )


def test_shipped_self_check_bundles_match_solutions() -> None:
    """The wheel's self-check bundles (what `brinkmanship check` grades against without a clone) follow solutions/.

    A dataset or solution change that is not followed by `brinkmanship release` would make learners who installed
    the wheel fail questions they answered right.
    """
    from brinkmanship.grading.release import release

    stale = [path for path in release(REPO, check=True) if path.endswith(".bundle")]
    assert stale == [], f"stale self-check bundles {stale}: run `brinkmanship release`"


@pytest.mark.slow
def test_batch_ran_clean(batch: tuple[str, helpers.BatchResult]) -> None:
    _, result = batch
    assert result.returncode == 0, result.log[-3000:]
    assert "There was an error processing" not in result.log, result.log[-3000:]


@pytest.mark.slow
def test_instructor_answers_get_full_marks(batch: tuple[str, helpers.BatchResult]) -> None:
    _, result = batch
    scores = result.autograded("full")
    assert scores == {k: result.max_scores[k] for k in scores}, scores
    assert 10 <= sum(scores.values()) <= 20


@pytest.mark.slow
def test_blank_release_gets_zero(batch: tuple[str, helpers.BatchResult]) -> None:
    _, result = batch
    assert set(result.autograded("blank").values()) == {0.0}


@pytest.mark.slow
def test_each_mistake_costs_exactly_its_question(batch: tuple[str, helpers.BatchResult]) -> None:
    assignment, result = batch
    for answer_id, (_, test_id) in MISTAKES[assignment].items():
        scores = result.autograded(f"wrong_{answer_id}")
        expected = {k: (0.0 if k == test_id else result.max_scores[k]) for k in scores}
        assert scores == expected, f"{assignment}, mistake in {answer_id}: {scores}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_self_learner_sees_right_and_wrong(assignment: str, tmp_path: Path) -> None:
    """Without hidden tests, the released checks pass right answers silently and flag each mistake."""
    release = _read(_release_path(assignment))
    answers = helpers.full_marks_answers(_source(assignment))
    probes = {a: (wrong.strip(), t) for a, (wrong, t) in MISTAKES[assignment].items()}
    run = helpers.learner_run(release, answers, probes, tmp_path)
    assert run.errors and all(e is None for e in run.errors.values()), run.errors
    assert not any(run.stderr.values()), run.stderr
    for answer_id, error in run.probes.items():
        assert error is not None and error.startswith("AssertionError"), f"{answer_id}: {error}"
        assert "not correct" in error or "wrong" in error or "right" in error, f"{answer_id}: {error}"
