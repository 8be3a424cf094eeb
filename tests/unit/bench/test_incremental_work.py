"""The pipeline benchmark says what work a night did, so a night with history is compared per article."""

import dagster as dg

from benchmarks.bench_pipeline import incremental_work, materialised_figures


def test_materialised_figures_keep_the_numbers_each_asset_reported():
    @dg.asset(key=["claims", "claims"])
    def claims():
        return dg.MaterializeResult(metadata={"articles": 120, "seconds": dg.MetadataValue.float(2.5),
                                              "folder": "/tmp/x", "complete": True,
                                              "rows claims.quotes": dg.MetadataValue.int(7)})

    result = dg.materialize([claims])
    assert materialised_figures(result.get_asset_materialization_events()) == {
        "claims/claims": {"articles": 120, "seconds": 2.5, "rows claims.quotes": 7}}


def _night(steps, claims_articles, claims_seconds, stored=0, reports=None):
    work = {"claims/claims": {"articles": claims_articles, "seconds": claims_seconds,
                              "articles with stored extraction": stored}}
    if reports is not None:
        work["reports/story_reports"] = {"story reports": reports}
    return {"steps_s": steps, "work": work}


def test_incremental_work_is_the_extra_step_time_and_the_claims_cost_per_article():
    empty = _night({"clean": 10.0, "claims": 20.0, "reports": 12.0}, 1000, 20.0, reports=100)
    history = _night({"clean": 10.4, "claims": 33.0, "reports": 21.5, "exports": 3.0}, 1800, 30.6, stored=750,
                     reports=170)
    work = incremental_work(history, empty)
    # steps that took a second or more longer, largest first; a step only the history night ran counts whole
    assert list(work["extra_step_seconds"].items()) == [("claims", 13.0), ("reports", 9.5), ("exports", 3.0)]
    assert work["claims_articles"] == {"with_history": 1800, "empty": 1000, "with_stored_extraction": 750,
                                       "ms_per_article_with_history": 17.0, "ms_per_article_empty": 20.0}
    assert work["story_reports"] == {"with_history": 170, "empty": 100}


def test_runs_without_work_figures_still_compare_steps():
    work = incremental_work({"steps_s": {"claims": 5.0}}, {"steps_s": {"claims": 2.0}})
    assert work == {"extra_step_seconds": {"claims": 3.0}}
