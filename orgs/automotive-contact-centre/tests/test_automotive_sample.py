"""The shipped sample data is what the seeded generator writes, byte for byte (as the other
bundles check theirs), so a change to the generator cannot leave stale sample files behind."""

from scorecard_automotive import BUNDLE
from scorecard_automotive.generate import generate


def test_sample_data_is_the_generators_output(tmp_path):
    counts = generate(tmp_path, month=BUNDLE.sample_period)
    assert set(counts) == {p.name for p in BUNDLE.data_dir.glob("*.csv")}
    for name in counts:
        assert (tmp_path / name).read_bytes() == (BUNDLE.data_dir / name).read_bytes(), name
