"""Chinese personal names drawn from Faker's zh_CN tables, read once (calling Faker per person is far too slow)."""

from __future__ import annotations

import bisect
import functools
import itertools
import random

from faker.providers.person.zh_CN import Provider


@functools.cache
def _tables() -> tuple[tuple[str, ...], tuple[float, ...], dict[str, tuple[str, ...]]]:
    surnames = tuple(Provider.last_names)
    weights = tuple(itertools.accumulate(float(weight) for weight in Provider.last_names.values()))
    given = {"男": tuple(Provider.first_names_male), "女": tuple(Provider.first_names_female)}
    return surnames, weights, given


class NameMaker:
    """Draw surnames (weighted by frequency, as Faker's table gives them) and given names for a sex."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames, self.cumulative, given = _tables()
        self.total = self.cumulative[-1]
        self.given = given
        self.single = {sex: tuple(name for name in names if len(name) == 1) for sex, names in given.items()}

    def surname(self) -> str:
        return self.surnames[bisect.bisect_right(self.cumulative, self.rng.random() * self.total)]

    def given_name(self, sex: str) -> str:
        """Return a given name: a table entry, or two single-character entries joined (伟强, 秀兰 …)."""
        rng = self.rng
        if rng.random() < 0.45:
            single = self.single[sex]
            return single[int(rng.random() * len(single))] + single[int(rng.random() * len(single))]
        names = self.given[sex]
        return names[int(rng.random() * len(names))]

    def full_name(self, sex: str, surname: str | None = None) -> str:
        return (surname or self.surname()) + self.given_name(sex)
