"""The "People here" list keeps a stable order: you first, then by arrival."""

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet


def names_listed(tab: SheetPage):
    return tab.presence().locator(".presence-name")


def test_people_here_lists_you_first_then_by_arrival(new_user):
    ann, bob, cat = new_user("ann"), new_user("bob"), new_user("cat")
    sheet_id = create_sheet(ann.new_page(), "Who is here")
    owner = SheetPage(ann.new_page(), sheet_id).open()
    owner.share_with(bob.username, "Editor")
    owner.share_with(cat.username, "Viewer")
    second = SheetPage(bob.new_page(), sheet_id).open()
    expect(names_listed(owner)).to_have_text([ann.username, bob.username])
    third = SheetPage(cat.new_page(), sheet_id).open()

    expect(names_listed(owner)).to_have_text([ann.username, bob.username, cat.username])
    expect(names_listed(second)).to_have_text([bob.username, ann.username, cat.username])
    expect(names_listed(third)).to_have_text([cat.username, ann.username, bob.username])
    expect(owner.presence().get_by_role("listitem").first).to_contain_text("(you)")
