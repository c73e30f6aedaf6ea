"""The technician's fleet page (/ui/fleet.html) in headless Chromium, as a walk of test_ui.py.

Registered with @walk, so test_ui.py runs it on a terminal of its own: the fleet is this one
terminal (GET /v1/fleet answers from its live heartbeat); the district's two-terminal
case with a silent terminal is DistrictFleetTests on a private PostgreSQL.

The page signs in on its own: a member of staff is refused the fleet, a technician sees the
terminal, and the simulated printer out of paper shows "out of paper" and "bring a paper roll".
"""
from playwright.sync_api import expect

from test_ui import STAFF, TECHNICIAN, walk as register


@register
def fleet_page(walk, technician=TECHNICIAN, staff=STAFF):
    page, terminal = walk.page, walk.terminal
    token = terminal.sign_in(technician)
    terminal.printer_paper("ok", token)
    page.goto(terminal.base + "/ui/fleet.html")
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    expect(page.locator("#fleet")).to_be_hidden()

    def sign_in(account):
        page.fill("#fleet-number", account[0])
        page.fill("#fleet-pin", account[1])
        page.click("#fleet-sign-in-button")

    # A member of staff signs in, but the fleet is the technicians'.
    sign_in(staff)
    expect(page.locator("#fleet-problem")).to_be_visible()
    expect(page.locator("#fleet-terminals tbody tr")).to_have_count(0)
    walk.shot("fleet-staff-refused")
    page.click("#fleet-sign-out")
    expect(page.locator("#fleet-sign-in")).to_be_visible()

    # The technician sees this terminal, working.
    sign_in(technician)
    rows = page.locator("#fleet-terminals tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-state", "ok")
    expect(page.locator("#fleet-summary")).to_contain_text("1 terminals, 0 silent, 0 need a look")
    walk.shot("fleet-ok")

    # The printer runs out of paper: the page says so and what to bring.
    terminal.printer_paper("out", token)
    page.click("#fleet-refresh")
    expect(rows.first).to_have_attribute("data-state", "problem")
    expect(rows.first.locator(".fleet-problems")).to_contain_text("out of paper")
    expect(rows.first.locator(".fleet-bring")).to_have_text("热敏纸卷 a paper roll")
    walk.shot("fleet-bring-paper")
    terminal.printer_paper("ok", token)
    page.click("#fleet-refresh")
    expect(rows.first).to_have_attribute("data-state", "ok")
    page.click("#fleet-sign-out")
    expect(page.locator("#fleet-sign-in")).to_be_visible()
    expect(rows).to_have_count(0)
