from jingzhun.core import progress


def test_progress_numbers_round_trip_and_a_missing_or_garbled_file_reads_as_none(tmp_path):
    path = tmp_path / "job" / "progress"
    assert progress.read(path) is None  # not started yet
    progress.write(path, 250, 1000)
    assert progress.read(path) == (250, 1000)
    assert not path.with_suffix(".partial").exists()  # written whole, then renamed over
    path.write_text("25")
    assert progress.read(path) == (25,)
    path.write_text("half-writ")
    assert progress.read(path) is None


def test_throttled_writes_at_most_once_a_period_unless_forced(tmp_path):
    path = tmp_path / "progress"
    write = progress.Throttled(path, seconds=3600)
    write(1)
    assert progress.read(path) is None  # the period counts from creation
    write(0, 10, force=True)
    assert progress.read(path) == (0, 10)
    write(5, 10)
    assert progress.read(path) == (0, 10)
    progress.Throttled(path, seconds=0)(7, 10)
    assert progress.read(path) == (7, 10)
