"""A filing receipt scanned at the touch screen (issue 21), as a walk of test_ui.py.

The attacker reads the public screen's event stream (`/v1/events`) and would look up the
progress of every receipt scanned. The walk listens to the stream as they would, beside the
screen's own page, while the technician's simulated scanner scans a completed filing's receipt:
the stream carries a handle, never the code, its reference or its token; the screen opens the
filing's progress with the handle and the page holds no trace of the code (document, storage);
the citizen rates the filing with the handle that replaced the scanned one.
"""
from playwright.sync_api import expect

from test_ui import STAFF, TECHNICIAN, file_residence_permit, scan, walk as register


@register
def scanned_receipt_stays_off_the_stream(walk):
    page, terminal = walk.page, walk.terminal
    technician = terminal.sign_in(TECHNICIAN)
    reference, code = file_residence_permit(walk, "13800000023")
    token = code.split(":")[2]
    page.click("#finish-button")
    terminal.remove_card()
    # The window completes the filing, so that its applicant may rate it.
    staff = terminal.sign_in(STAFF)
    for step, body in (("accept", {"window": "B2"}), ("start", {}), ("complete", {"outcome": "approved", "collectAt": "B2 窗口"})):
        terminal.request("POST", f"/v1/filings/{reference}/{step}", body, token=staff)

    walk.open()
    walk.title("Welcome. What would you like to do?")
    # A listener of its own on the stream, as anyone beside the screen could open one.
    page.evaluate("""() => new Promise((opened) => {
        window.heardScans = [];
        const source = new EventSource('/v1/events');
        source.addEventListener('scan', (message) => window.heardScans.push(message.data));
        source.onopen = () => opened(true);
    })""")
    scan(terminal, code, technician)
    found = page.locator(f".progress-filing[data-reference='{reference}']")
    expect(found).to_be_visible()
    expect(page.locator(".progress-filing")).to_have_count(1)
    page.wait_for_function("() => window.heardScans.length > 0")
    heard = page.evaluate("() => window.heardScans")
    assert all('"progressCode"' in text for text in heard), heard
    assert not any(reference in text or token in text for text in heard), heard
    # The page holds no trace of the code: not in the document, not in storage.
    assert token not in page.content()
    stored = page.evaluate("() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    assert token not in stored and reference not in stored, stored
    walk.shot("scanned-receipt-no-code")

    # The citizen rates the filing from this screen: the handle that replaced the scanned one.
    found.locator("input[value=satisfied]").check()
    found.locator("button.submit-rating").click()
    expect(found.locator(".progress-rated")).to_be_visible()
    assert terminal.request("GET", f"/v1/filings/{reference}", token=staff)["rating"]["grade"] == "satisfied"
    walk.shot("scanned-receipt-rated")
    page.click("#finish-button")
    walk.title("Welcome. What would you like to do?")
