"""Imports run one way: the import contracts in pyproject.toml ([tool.importlinter]) hold for the code, and a
wrong-way import breaks them."""

from __future__ import annotations

import copy
from pathlib import Path

import grimp
import pytest
from importlinter.application import use_cases
from importlinter.configuration import configure
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

PYPROJECT = str(Path(__file__).resolve().parent.parent / "pyproject.toml")
configure()  # import-linter's readers and printer, as its command line sets them up
CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract}


@pytest.fixture(scope="module")
def options():
    return use_cases.read_user_options(PYPROJECT)


@pytest.fixture(scope="module")
def graph(options):
    return grimp.build_graph(*options.session_options["root_packages"], cache_dir=None)


def contracts_of(options):
    return [
        CONTRACT_TYPES[raw["type"]](
            name=raw["name"],
            session_options=options.session_options,
            contract_options={k: v for k, v in raw.items() if k not in ("name", "type", "id")},
        )
        for raw in options.contracts_options
    ]


def broken_by(import_, options, graph) -> list[str]:
    """The contracts that ``import_`` ("importer -> imported", a direct import the code does not have) breaks."""
    importer, imported = import_.split(" -> ")
    assert not graph.direct_import_exists(importer=importer, imported=imported)
    broken = []
    for contract in contracts_of(options):
        wrong = copy.deepcopy(graph)  # a check removes its ignored imports from the graph it is given
        wrong.add_import(importer=importer, imported=imported)
        if not contract.check(wrong, verbose=False).kept:
            broken.append(contract.name)
    return broken


def test_the_code_keeps_every_import_contract():
    # The report (which contract, which chain of imports) is printed on a failure.
    assert use_cases.lint_imports(config_filename=PYPROJECT, cache_dir=None, no_logo=True)


@pytest.mark.parametrize(
    "import_, contract",
    [
        ("org.scoping -> visits.models", "Apps in layers: org < visits < targets < meetings < reports"),
        ("visits.selectors -> targets.models", "Apps in layers: org < visits < targets < meetings < reports"),
        ("meetings.selectors -> reports.selectors", "Apps in layers: org < visits < targets < meetings < reports"),
        ("reports.views -> bench.nightly", "Apps never import the benchmark scripts"),
        ("salesops.formulas -> reports.models", "The shared modules import no app"),
        ("salesops.params -> visits.models", "The request helpers read org only"),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(import_, contract, options, graph):
    assert contract in broken_by(import_, options, graph)


def test_reports_may_import_every_app_below(options, graph):
    assert broken_by("reports.cockpit -> org.audit", options, graph) == []
    assert broken_by("targets.selectors -> visits.selectors", options, graph) == []
