"""The "People here" list: how many are here, then a few by name. You come
first, then whoever has selected cells nearest yours (by rows), then the
latest arrivals (docs/protocol.md, "Presence")."""

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet


def names_listed(tab: SheetPage):
    return tab.presence().locator(".presence-name")


def test_people_here_lists_you_first_then_the_latest_arrivals(new_user):
    ann, bob, cat = new_user("ann"), new_user("bob"), new_user("cat")
    sheet_id = create_sheet(ann.new_page(), "Who is here")
    owner = SheetPage(ann.new_page(), sheet_id).open()
    owner.share_with(bob.username, "Editor")
    owner.share_with(cat.username, "Viewer")
    expect(owner.presence_count()).to_have_text("1 here")
    second = SheetPage(bob.new_page(), sheet_id).open()
    expect(names_listed(owner)).to_have_text([ann.username, bob.username])
    expect(owner.presence_count()).to_have_text("2 here")
    third = SheetPage(cat.new_page(), sheet_id).open()

    expect(names_listed(owner)).to_have_text([ann.username, cat.username, bob.username])
    expect(names_listed(second)).to_have_text([bob.username, cat.username, ann.username])
    expect(names_listed(third)).to_have_text([cat.username, bob.username, ann.username])
    for tab in (owner, second, third):
        expect(tab.presence_count()).to_have_text("3 here")
        expect(tab.presence_more()).to_be_hidden()
    expect(owner.presence().get_by_role("listitem").first).to_contain_text("(you)")

    # Bob selects a cell next to Ann's, Cat one far below: Bob comes before Cat for Ann.
    owner.select_cell(0, 0)
    second.select_cell(1, 0)
    third.select_cell(owner.count_rows() - 1, 0)
    expect(owner.outlined_by(bob.username)).to_have_count(1)
    expect(names_listed(owner)).to_have_text([ann.username, bob.username, cat.username])

    # Cat goes: gone from the list and the count, for everyone.
    third.page.close()
    expect(names_listed(owner)).to_have_text([ann.username, bob.username])
    expect(owner.presence_count()).to_have_text("2 here")
    expect(names_listed(second)).to_have_text([bob.username, ann.username])
