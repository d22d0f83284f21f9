"""axe-core in the page: the accessibility check of e2e/test_accessibility.py.

axe-core comes from npm (frontend/package.json, a devDependency) and is
injected into the page under test; nothing is fetched at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent.parent / "frontend/node_modules/axe-core/axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

# Violations in markup we do not write and cannot change through its options:
# (rule id, CSS selector of the element) -> why. Only exactly that rule on
# elements matching that selector is left out; everything else still fails.
FOREIGN: dict[tuple[str, str], str] = {
    ("aria-required-children", ".handsontable[role=treegrid]"): (
        "Handsontable puts its focus catchers and its editor's textarea (which we name)"
        " directly inside the treegrid; no option moves them"
    ),
    ("aria-required-children", ".htMenu[role=menu]"): (
        "Handsontable's context menu is a table inside role=menu; its items are named"
        " menuitems, reachable with the keyboard (test_context_menu_is_named_and_reachable...)"
    ),
    ("aria-required-parent", ".htMenu td[role=menuitem]"): (
        "the same menu: the items' parents are the table's rows"
    ),
    ("aria-allowed-attr", ".htMenu td[role=menuitem][aria-selected]"): (
        "Handsontable marks the highlighted menu item with aria-selected"
    ),
}

_RUN = """async (foreign) => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    const foreignTo = (rule, target) => {
        const el = target.length === 1 ? document.querySelector(target[0]) : null;
        return !!el && foreign.some(([id, selector]) => id === rule && el.matches(selector));
    };
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes
            .filter((n) => !foreignTo(v.id, n.target))
            .map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                          summary: n.failureSummary})),
    })).filter((v) => v.nodes.length);
}"""


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (serious or not), foreign ones left out."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        assert AXE_JS.exists(), f"{AXE_JS} is missing: `cd frontend && npm ci`"
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN, [list(key) for key in FOREIGN])


def describe(found: list[dict[str, Any]]) -> str:
    """One readable block per violation: rule, impact, what it means, each element."""
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}")
            lines.append(f"       {node['html']}")
            for line in (node["summary"] or "").splitlines():
                lines.append(f"       {line}")
    return "\n".join(lines)


def assert_no_serious_violations(page: Page, what: str) -> None:
    """Fails listing every serious or critical violation on `page` (`what` names it)."""
    serious = [v for v in violations(page) if v["impact"] in FAILING_IMPACTS]
    assert not serious, f"axe on {what} ({page.url}):\n{describe(serious)}"
