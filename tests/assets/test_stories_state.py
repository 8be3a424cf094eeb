"""The stories asset's state round trip: what nights write to the warehouse, ``load_state`` reads back as
the state the next night needs (kept pairs included), so a night on the warehouse writes the rows it
writes on the same nights replayed in memory."""

import polars as pl

from assets.stories import load_state
from tests.unit.stories.fixtures import ecb_nights, sorted_table
from wiretrace import warehouse
from wiretrace.stories import StoryParams, StoryState, apply_night, assign_night, prune_state


def test_a_night_on_the_warehouse_state_writes_the_rows_of_the_state_in_memory(tmp_path):
    frame = ecb_nights(["1", "3", "8", "12"], 4).drop("cluster")
    nights = sorted(frame["ingest_date"].unique().to_list())
    params = StoryParams()
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    warehouse.ensure_schema(con)
    con.register("articles", frame.with_columns(document_id=pl.col("article_id")))
    con.execute("INSERT INTO clean.articles BY NAME SELECT article_id, document_id, outlet, title, body, "
                "published_date, ingest_date FROM articles")  # BODIES_SQL reads earlier bodies from here
    state = StoryState.empty()
    for night in nights[:-1]:
        arts = frame.filter(pl.col("ingest_date") == night)
        state = prune_state(state, night, params)
        result = assign_night(arts, state, params=params)
        state = apply_night(state, result, arts)
        for table, rows in result.tables().items():
            con.register("frame", rows.with_columns(ingest_date=pl.lit(night), run_id=pl.lit("t")))
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
            con.unregister("frame")
    last = frame.filter(pl.col("ingest_date") == nights[-1])
    in_memory = prune_state(state, nights[-1], params)
    loaded = load_state(con, nights[-1], params)
    assert loaded.group_pairs.height == in_memory.group_pairs.height > 0
    assert sorted_table(loaded.group_pairs).equals(sorted_table(in_memory.group_pairs))
    assert (loaded.doc_terms["pairs_threshold"] == params.kept_pair_threshold).all()
    from_warehouse, from_memory = assign_night(last, loaded, params=params), assign_night(last, in_memory, params=params)
    for table, rows in from_memory.tables().items():
        assert sorted_table(from_warehouse.tables()[table]).equals(sorted_table(rows)), table
    assert from_memory.merges.height + from_memory.unmerges.height > 0  # the story pass did work
    con.close()
