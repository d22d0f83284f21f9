"""Page helpers about the other people on a sheet: who is here, their
selections, roles and sharing. A part of `e2e.pages.SheetPage` (which has
`page` and `sheet_id`)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


class PeopleOnSheet:
    page: Page
    sheet_id: int

    def presence(self) -> Locator:
        """The "People here" list: one item per user."""
        return self.page.get_by_role("list", name="People here")

    def presence_count(self) -> Locator:
        """How many people are here ("3 here"), before the list."""
        return self.page.locator("#presence-count")

    def presence_more(self) -> Locator:
        """The "+ N more" after the list: the people here it does not name."""
        return self.page.locator("#presence-more")

    def expect_present(self, *names: str) -> None:
        """Exactly these people (display names, in any order) are listed."""
        items = self.presence().get_by_role("listitem")
        expect(items).to_have_count(len(names))
        for name in names:
            expect(items.locator(".presence-name").get_by_text(name, exact=True)).to_have_count(1)

    def outlined_by(self, name: str) -> Locator:
        """The cells this tab outlines as selected by `name`."""
        return self.page.locator(f'.ht_master td[data-selected-by="{name}"]')

    def role_badge(self) -> Locator:
        return self.page.locator("#role-badge")

    def side_panel(self) -> Locator:
        return self.page.get_by_role("complementary", name="Sheet panel")

    def open_share_panel(self) -> Locator:
        """The Share panel (opened from the toolbar unless it is showing already)."""
        panel = self.side_panel()
        who = panel.get_by_label("Username or email", exact=True)
        if not who.is_visible():
            # Typing into the panel before the swap would be lost: wait for it.
            with self.page.expect_response(
                lambda r: (
                    r.url.endswith(f"/sheets/{self.sheet_id}/share/") and r.request.method == "GET"
                )
            ):
                self.page.get_by_role("link", name="Share", exact=True).click()
        expect(who).to_be_visible()
        return panel

    def open_history_panel(self) -> Locator:
        """The History panel, opened from the toolbar; it follows the sheet by itself."""
        with self.page.expect_response(
            lambda r: r.url.endswith(f"/sheets/{self.sheet_id}/history/")
        ):
            self.page.get_by_role("link", name="History", exact=True).click()
        panel = self.side_panel().get_by_role("region", name="Recent changes")
        expect(panel).to_be_visible()
        return panel

    def share_with(self, username: str, role: str) -> None:
        """Share the sheet through the Share panel; `role` is the option's label."""
        panel = self.open_share_panel()
        panel.get_by_label("Username or email", exact=True).fill(username)
        panel.get_by_label("Role", exact=True).select_option(label=role)
        panel.get_by_role("button", name="Share", exact=True).click()
        expect(panel.get_by_role("button", name=f"Remove {username}")).to_be_visible()

    def set_share_role(self, username: str, role: str) -> None:
        """Change someone's role in the Share panel (the select saves on change)."""
        panel = self.open_share_panel()
        with self.page.expect_response(
            lambda r: "/share/" in r.url and r.request.method == "POST"
        ) as answer:
            panel.get_by_label(f"Role of {username}").select_option(label=role)
        assert answer.value.ok, f"changing the role answered {answer.value.status}"
        expect(panel.get_by_label(f"Role of {username}")).to_have_value(role.lower())

    def remove_share(self, username: str) -> None:
        panel = self.open_share_panel()
        panel.get_by_role("button", name=f"Remove {username}").click()
        expect(panel.get_by_role("button", name=f"Remove {username}")).to_have_count(0)
