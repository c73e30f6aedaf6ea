"""The reference touch UI in headless Chromium, against the real `kiosk serve`.

Starts the built binary on simulated devices with a scratch SQLite database and a free port,
adds a staff and a technician account with `kiosk staff add`, and walks: a citizen's filing of
the residence permit with the simulated reader and printer (card data read-only, subdistricts
following the district, the 容缺 and 告知承诺 terms shown before the choice, the commitment
accepted on its own, the printed papers in the preview after), the inactivity warning, a booking
(slip printed, then out of paper: the QR code and a reprint), a reschedule, a cancellation and a
check-in, a staff override (a card correction among them), a technician's health checks, a call for
staff taken in the staff console and printed on the receipt (首问责任人), the filing after the terminal
(accepted at the desk with its notice printed, completed, looked up and rated 不满意 by the citizen, followed up by the
supervisor and counted in the monthly report; a returned filing corrected and submitted again), and the hall's call display
(two terminals of a district on a private PostgreSQL, the display page over HTTPS). Every screen is saved as a PNG in
the artefact directory. Each step asserts what the screen shows, so a broken flow fails.

Each walk runs on a terminal of its own (a fresh database and the accounts), so any walk runs
alone and in any order. A new walk is one function decorated with @walk (below, or in a module
Tests/browser/walk_*.py, which is imported by this one); its terminal's configuration is the
decorator's keywords.

Run through Tests/browser/run.sh (it makes the virtual environment and passes its arguments on):
    Tests/browser/run.sh [-k PART ...] [--only NAME] [--list]
or by hand:
    python test_ui.py --binary .build/debug/kiosk --artefacts /tmp/shots [-k PART ...]
"""
import argparse
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from playwright.sync_api import expect, sync_playwright

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STAFF = ("S100", "2468")
TECHNICIAN = ("T200", "1357")
SUPERVISOR = ("V300", "8642")
CARD = "resident"  # Devices/cards/resident.yaml: 110101198506150019
MASKED = "110101********0019"
STRANGER_ID = "11010519491231002X"  # a valid number that booked nothing

# Open around the clock ("00:00-24:00": open in the day's last minute too), with no notice and no
# change deadline, and today and tomorrow opened by date overrides (a public holiday too): a
# booking made now can be moved and checked in at once, whenever CI runs.
CONFIG = """
listen = "127.0.0.1:{port}"
data_dir = "{data}"
[devices]
mode = "simulated"
dir = "{repo}/Devices"
[forms]
dir = "{repo}/Forms"
[session]
timeout_seconds = 60
warning_seconds = 45
help_timeout_seconds = 10
[site]
hotline = "0755-12345"
appointment_line = "0755-88886666"
[booking]
max_active_per_service = 2
change_deadline_minutes = 0
[hours]
monday = "00:00-24:00"
tuesday = "00:00-24:00"
wednesday = "00:00-24:00"
thursday = "00:00-24:00"
friday = "00:00-24:00"
saturday = "00:00-24:00"
sunday = "00:00-24:00"
makeup_workday = "00:00-24:00"
{overrides}
[[services]]
id = "hukou"
name_zh = "户籍业务"
name_en = "Household registration"
duration_minutes = 15
counters = ["A1", "A2"]
capacity_per_slot = 2
horizon_days = 7
min_notice_minutes = 0
after_hours = false
[[services]]
id = "exit-entry"
name_zh = "出入境证件"
name_en = "Exit-entry documents"
duration_minutes = 15
counters = ["B1"]
capacity_per_slot = 1
horizon_days = 7
min_notice_minutes = 0
after_hours = false
"""


class Terminal:
    """`kiosk serve` on a scratch directory; stopped with SIGTERM at the end. Its accounts are
    added with `kiosk staff add`, or copied (database and key) from `accounts_from`, a directory
    made once with `serve=False`: hashing three PINs costs seconds a terminal."""

    def __init__(self, binary, directory, top="", tables="", before_serve=None, day_hours="00:00-24:00",
                 accounts_from=None, serve=True):
        self.binary = binary
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        data = os.path.join(directory, "var")
        os.makedirs(data)
        self.config = os.path.join(directory, "kiosk.conf")
        with open(self.config, "w") as file:
            # The hall's days (UTC+8) around now; the day before too, for a run started near midnight.
            hall_today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()
            overrides = "".join(
                f'[[hours.overrides]]\ndate = "{hall_today + datetime.timedelta(days=offset)}"\nhours = "{day_hours}"\n'
                for offset in (-1, 0, 1, 2))
            file.write(top + CONFIG.format(port=self.port, data=data, repo=REPOSITORY, overrides=overrides) + tables)
        if accounts_from:
            for part in ("secrets", "var"):
                shutil.copytree(os.path.join(accounts_from, part), os.path.join(directory, part), dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("run", "kiosk.lock"))
        else:
            for (number, pin), role in ((STAFF, "staff"), (TECHNICIAN, "technician"), (SUPERVISOR, "supervisor")):
                added = subprocess.run([binary, "staff", "add", "--config", self.config, "--number", number,
                                        "--name", f"UI test {role}", "--role", role, "--pin", pin],
                                       capture_output=True, text=True, timeout=120)
                if added.returncode != 0:
                    raise RuntimeError(f"kiosk staff add {number} failed ({added.returncode}): {added.stderr.strip()}")
        if before_serve:
            before_serve(self)
        if serve:
            self.start()

    def kiosk(self, *arguments):
        """Runs a kiosk command on this terminal's configuration; its standard output."""
        done = subprocess.run([self.binary, *arguments, "--config", self.config], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"kiosk {' '.join(arguments)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def start(self):
        self.log = open(os.path.join(self.directory, "server.log"), "a")
        self.process = subprocess.Popen([self.binary, "serve", "--config", self.config], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"kiosk serve did not start; see {self.log.name}")
            time.sleep(0.2)

    def request(self, method, path, body=None, token=None, idempotent=False):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if idempotent:
            request.add_header("Idempotency-Key", f"ui-test-{time.time_ns()}")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text and "json" in response.headers.get("Content-Type", "") else text

    def sign_in(self, account):
        return self.request("POST", "/v1/staff/sign-in", {"number": account[0], "pin": account[1]})["token"]

    def card_state(self):
        for device in self.request("GET", "/v1/devices"):
            if device["info"]["kind"] == "idCardReader":
                return device["status"].get("card")
        return None

    def wait_for_card(self, wanted):
        deadline = time.time() + 30  # generous: it only costs time when the walk fails anyway
        while self.card_state() != wanted:
            if time.time() > deadline:
                raise AssertionError(f"the reader never reported {wanted}")
            time.sleep(0.1)

    def place_card(self, fixture=CARD):
        """Takes any card away first, so the reader reads this one afresh (and says so)."""
        self.remove_card()
        self.request("POST", "/v1/simulator/cards", {"fixture": fixture})
        self.wait_for_card("cardPresent")

    def remove_card(self):
        self.request("DELETE", "/v1/simulator/cards")
        self.wait_for_card("noCard")

    def printer_paper(self, paper, token):
        return self.request("POST", "/v1/simulator/printer", {"paper": paper}, token)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Walk:
    """One browser page and the screenshots it leaves behind."""

    def __init__(self, page, terminal, artefacts, name, binary=None):
        self.page = page
        self.terminal = terminal
        self.binary = binary
        self.artefacts = artefacts
        self.name = name
        self.shots = 0

    def shot(self, label):
        self.shots += 1
        path = os.path.join(self.artefacts, f"{self.name}-{self.shots:02d}-{label}.png")
        self.page.screenshot(path=path, full_page=True)

    def open(self, lang="en"):
        self.page.goto(self.terminal.base + "/")
        expect(self.page.locator("body[data-ready=true]")).to_have_count(1)
        if lang == "en":
            self.page.click("#language-button")
            expect(self.page.locator("html")).to_have_attribute("lang", "en")

    def title(self, text):
        expect(self.page.locator("#screen-title")).to_have_text(text)

    def click_text(self, role, name):
        self.page.get_by_role(role, name=name, exact=True).click()


# ---- the registry of walks -----------------------------------------------------------------------

WALKS = []  # in the order they run


def walk(function=None, *, terminal=True, **terminal_options):
    """Registers a walk: a function of a Walk, run on a terminal of its own (a fresh database and
    the three accounts; `terminal_options` go to Terminal), so it runs alone or in any order.
    `terminal=False`: the walk starts the terminals it needs itself (from `walk.binary`)."""
    def register(function):
        function.terminal_options = terminal_options if terminal else None
        WALKS.append(function)
        return function
    return register(function) if function else register


# ---- the walks ---------------------------------------------------------------------------------

@walk
def citizen_filing(walk):
    page, terminal = walk.page, walk.terminal
    walk.open(lang="zh-CN")
    walk.title("您好，请选择要办理的业务")
    expect(page.locator("[data-form=residence-permit]")).to_contain_text("居住证申领")
    walk.shot("home-zh")
    page.click("#language-button")
    walk.title("Welcome. What would you like to do?")
    expect(page.locator("[data-form=residence-permit]")).to_contain_text("Residence permit application")
    walk.shot("home-en")

    # Every control reachable without a pointer: tab to the filing and open it with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.form") == "residence-permit":
            break
    else:
        raise AssertionError("the residence permit tile is not reachable with Tab")
    page.keyboard.press("Enter")
    walk.title("Place your ID card")
    expect(page.locator("#start-with-card")).to_be_disabled()
    walk.shot("place-card")
    terminal.place_card()
    expect(page.locator("#card-summary")).to_contain_text(MASKED)
    expect(page.locator("#announcer")).to_contain_text("ID card read")
    walk.shot("card-read")
    page.click("#start-with-card")

    walk.title("Applicant")
    expect(page.locator("#field-name")).to_have_value("测试甲")
    expect(page.locator("#field-idNumber")).to_have_value("110101198506150019")
    # What the card says is shown, not editable: only staff can correct it.
    for field in ("name", "idNumber"):
        expect(page.locator(f"#field-{field}")).to_have_attribute("readonly", "")
    expect(page.locator("[data-field=name]")).to_contain_text("Read from your ID card")
    page.click("#next-button")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Mobile number")
    expect(summary).to_be_focused()
    walk.shot("error-summary")
    # Switch language mid-step: the step and its errors are redrawn in Chinese.
    page.click("#language-button")
    walk.title("申请人信息")
    expect(summary).to_contain_text("手机号码")
    page.click("#language-button")
    page.fill("#field-mobile", "13800138000")
    page.click("#next-button")

    walk.title("Residence in the district")
    # The subdistricts offered follow the district chosen (a choice filter).
    subdistrict = page.locator("[data-field=residenceSubdistrict]")
    expect(subdistrict.locator("input")).to_have_count(0)
    walk.click_text("radio", "Xicheng")
    expect(subdistrict).to_contain_text("Xinjiekou")
    walk.click_text("radio", "Dongcheng")
    expect(subdistrict).to_contain_text("Jingshan")
    expect(subdistrict).not_to_contain_text("Xinjiekou")
    expect(page.locator("[data-field=residenceDistrict] input[value=dongcheng]")).to_be_focused()
    walk.click_text("radio", "Jingshan")
    page.fill("#field-residenceAddress", "北京市东城区")
    page.fill("#field-residenceAddress-detail", "示例路2号")
    since = (datetime.date.today() - datetime.timedelta(days=800)).isoformat()
    page.fill("#field-residenceSince", since)
    walk.click_text("radio", "Own home")
    walk.shot("step-residence")
    page.click("#next-button")

    walk.title("Grounds")
    walk.click_text("radio", "Stable home")
    page.click("#next-button")
    walk.title("Accompanying children")
    # A repeat group: add a child, leave the name out (an error), then complete it.
    page.click("#field-children-add")
    expect(page.locator("#field-children-0-childName")).to_be_focused()
    page.fill("#field-children-0-childIdNumber", "110101201803150028")
    page.locator("[data-item='0']").get_by_label("Yes").check()
    page.fill("#field-children-0-childSchool", "示例小学")
    page.click("#next-button")
    expect(page.locator("#error-summary")).to_contain_text("Children 1: This question needs an answer.")
    page.locator("#error-summary a").first.click()
    expect(page.locator("#field-children-0-childName")).to_be_focused()
    expect(page.locator("#field-children-0-childName")).to_have_attribute("aria-invalid", "true")
    walk.shot("repeat-group-error")
    page.fill("#field-children-0-childName", "测试乙")
    walk.shot("repeat-group")
    page.click("#next-button")

    walk.title("Check your answers")
    expect(page.locator("[data-step=residence]")).to_contain_text("Own home")
    expect(page.locator("[data-step=family]")).to_contain_text("1 entry")
    walk.shot("review")
    page.get_by_role("button", name="Change: Residence in the district").click()
    walk.title("Residence in the district")
    walk.click_text("radio", "Employer's dormitory")
    walk.click_text("radio", "Own home")
    title = page.locator("#screen-title")
    for _ in range(4):
        current = title.inner_text()
        if current == "Check your answers":
            break
        page.click("#next-button")
        expect(title).not_to_have_text(current)
    walk.title("Check your answers")
    page.click("#confirm-review")

    walk.title("Materials you need (told at once)")
    materials = page.locator("[data-material]")
    expect(materials).to_have_count(4)
    expect(page.locator("[data-material=propertyCertificate]")).to_contain_text("Property ownership certificate")
    expect(page.locator("#materials-missing")).to_contain_text("Resident ID card")
    expect(page.locator("#materials-continue")).to_be_disabled()
    # Before anything is chosen: the 容缺 due date, how the days are counted and the consequence,
    # and the commitment's statement and how it is verified, in full.
    deferral = page.locator("#deferral-childBirthCertificate")
    expect(deferral).to_contain_text("calendar days of acceptance")
    expect(deferral).to_contain_text("If it is late: If not supplied in time, the children are not registered.")
    due = re.search(r"by (\d{4}-\d{2}-\d{2})", deferral.inner_text()).group(1)
    commitment = page.locator("#commitment-propertyCertificate")
    expect(commitment).to_contain_text("I declare that I own and live in a home in the district.")
    expect(commitment).to_contain_text("The police station checks the real estate register.")
    walk.shot("materials-terms-before-choice")
    page.click("#print-notice")
    expect(page.locator("#materials-missing")).to_contain_text("The list is printed")
    walk.shot("materials-notice")
    page.locator("[data-material=idCard]").get_by_label("I have it").check()
    expect(page.locator("[data-material=idCard] input[value=provided]")).to_be_checked()
    page.locator("[data-material=photo]").get_by_label("I have it").check()
    expect(page.locator("[data-material=photo] input[value=provided]")).to_be_checked()
    page.locator("[data-material=propertyCertificate]").get_by_label("Sign a written commitment instead (承诺)").check()
    # Choosing is not accepting: the commitment waits for the citizen's explicit signature.
    accept = page.locator("#accept-commitment-propertyCertificate")
    expect(accept).to_be_focused()
    expect(page.locator("#materials-missing")).to_contain_text("Property ownership certificate")
    walk.shot("commitment-before-accepting")
    accept.click()
    expect(page.locator("#committed-propertyCertificate")).to_contain_text("Commitment signed")
    expect(page.locator("[data-material=propertyCertificate] input[value=committed]")).to_be_checked()
    page.locator("[data-material=childBirthCertificate]").get_by_label(f"Hand it in later, by {due} (容缺)").check()
    expect(page.locator("#materials-ready")).to_contain_text("All materials are accounted for")
    walk.shot("materials-ready")
    page.click("#materials-continue")

    walk.title("Declaration")
    page.click("#submit-button")
    expect(page.locator("#problem")).to_be_visible()  # the declaration was not accepted
    expect(page.locator("#problem")).to_be_focused()
    page.check("#accept-declaration")
    walk.shot("declaration")
    # The printer runs out of paper: the receipt is shown as a QR code, and printed once paper is in.
    token = terminal.sign_in(TECHNICIAN)
    # A fault of any kind (here the cover) is shown as soon as it happens, and cleared with it.
    terminal.request("POST", "/v1/simulator/printer", {"cover": "open"}, token)
    expect(page.locator("#printer-state")).to_have_text("Printing unavailable — receipts as QR code")
    terminal.request("POST", "/v1/simulator/printer", {"cover": "closed"}, token)
    expect(page.locator("#printer-state")).to_have_text("")
    terminal.printer_paper("out", token)
    # Told before the end: printing is unavailable, the receipt will be a QR code.
    expect(page.locator("#printer-state")).to_have_text("Printing unavailable — receipts as QR code")
    page.click("#submit-button")
    walk.title("Your application is submitted")
    reference = page.locator("#reference").inner_text()
    assert re.match(r"^[A-Z0-9-]{8,}$", reference), reference
    expect(page.locator("#print-result")).to_contain_text("Printing is unavailable now (out of paper)")
    expect(page.locator("#print-result")).to_have_attribute("role", "status")
    expect(page.locator("#receipt-qr")).to_have_attribute("alt", f"QR code of reference number {reference}")
    # The same code as the printed receipt's QR: the progress code, which the look-up takes.
    expect(page.locator("#receipt-qr")).to_have_attribute("src", re.compile(r"text=P1%3A" + re.escape(reference) + "%3A"))
    # Decoded, not only placed: the image is the receipt (a broken one never gets a width).
    page.wait_for_function("document.getElementById('receipt-qr').complete && document.getElementById('receipt-qr').naturalWidth > 0")
    expect(page.locator("body")).to_contain_text("Committed instead: Property ownership certificate")
    expect(page.locator("body")).to_contain_text(f"Deferred material Children's birth certificates or household register: hand it in by {due}")
    walk.shot("submitted-paper-out-qr")
    terminal.printer_paper("ok", token)
    expect(page.locator("#printer-state")).to_have_text("")
    page.click("#reprint-button")
    expect(page.locator("#print-result")).to_contain_text("Your receipt is printed")
    expect(page.locator("#papers-printed")).to_contain_text("written commitment (告知承诺书)")
    expect(page.locator("#papers-printed")).to_contain_text("(容缺受理告知书)")
    walk.shot("receipt-reprinted")

    # The printer really printed them: the receipt, the 容缺受理告知书 and the 告知承诺书, read back
    # from the last job, with what the citizen was shown before choosing.
    devices = terminal.request("GET", "/v1/devices", token=token)
    printer = next(d["info"]["id"] for d in devices if d["info"]["kind"] == "receiptPrinter")
    receipt = "".join(terminal.request("GET", f"/v1/devices/{printer}/last-receipt", token=token).split())
    for text in (reference, "容缺受理告知书", "逾期未补交的，随迁子女登记不予办理。", due, "告知承诺书",
                 "本人承诺在本区拥有合法产权住房并实际居住。", "派出所通过不动产登记信息核验", "承诺人签字", MASKED):
        assert text in receipt, (text, receipt)
    page.click("#finish-button")
    walk.title("Welcome. What would you like to do?")

    # And the technician sees them in the preview of the last receipt.
    page.click("#staff-button")
    page.fill("#staff-number", TECHNICIAN[0])
    page.fill("#staff-pin", TECHNICIAN[1])
    page.click("#sign-in-button")
    walk.title("Device maintenance")
    page.locator("button.last-receipt-button").click()
    canvas = page.locator("#receipt-preview")
    expect(canvas).to_be_visible()
    assert int(canvas.get_attribute("data-lines")) > 60, canvas.get_attribute("data-lines")
    walk.shot("printed-papers-preview")
    page.click("#sign-out-button")


@walk
def display_switches_and_timeout(walk):
    page, terminal = walk.page, walk.terminal
    walk.open()
    # A terminal offers no browser menu: the page cancels a long press or a right click.
    assert page.evaluate("!document.body.dispatchEvent(new MouseEvent('contextmenu', {bubbles: true, cancelable: true}))")
    size_before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.click("#text-size-button")
    expect(page.locator("html")).to_have_class(re.compile("text-large"))
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > size_before
    page.click("#contrast-button")
    expect(page.locator("html")).to_have_class(re.compile("contrast"))
    expect(page.locator("#contrast-button")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    walk.shot("large-contrast")
    page.click("#text-size-button")
    page.click("#text-size-button")
    page.click("#contrast-button")

    terminal.place_card()
    page.click("[data-form=residence-permit]")
    expect(page.locator("#start-with-card")).to_be_enabled()
    page.click("#start-with-card")
    walk.title("Applicant")
    # 60 s timeout, warned 45 s before: the warning comes after 15 s without a touch.
    warning = page.locator("#timeout-warning")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=30_000)
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("seconds this session ends")
    expect(page.locator("#keep-alive-button")).to_be_focused()
    walk.shot("timeout-warning")
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    expect(page.locator("#announcer")).to_contain_text("You have more time now")
    walk.title("Applicant")
    page.click("#home-button")
    walk.title("Welcome. What would you like to do?")


@walk
def booking_and_check_in(walk):
    page, terminal = walk.page, walk.terminal
    technician = terminal.sign_in(TECHNICIAN)
    terminal.remove_card()
    # The two next bookable times of the service, wherever midnight falls.
    today = terminal.request("GET", "/v1/calendar")[0]["date"]
    tomorrow = (datetime.date.fromisoformat(today) + datetime.timedelta(days=1)).isoformat()
    bookable = [slot for slot in terminal.request("GET", f"/v1/services/hukou/slots?from={today}&to={tomorrow}")
                if slot["remaining"] > 0]
    first, second = bookable[0], bookable[1]

    walk.open()
    page.click("#tile-booking")
    walk.title("Choose a service")
    page.click("[data-service=hukou]")
    walk.title("Choose a day")
    # Each day is marked as the server's calendar has it.
    buttons = page.locator("button.day")
    expect(buttons.first).to_be_visible()
    start, last = buttons.first.get_attribute("data-date"), buttons.last.get_attribute("data-date")
    assert start == today, (start, today)
    calendar = {day["date"]: day for day in terminal.request("GET", f"/v1/calendar?from={start}&to={last}")}
    assert len(calendar) == buttons.count(), (len(calendar), buttons.count())
    for index in range(buttons.count()):
        button = buttons.nth(index)
        day = calendar[button.get_attribute("data-date")]
        assert button.get_attribute("data-kind") == day["kind"], day
        text = button.inner_text()
        assert ("Public holiday" in text) == (day["kind"] == "holiday"), (text, day)
        assert ("Make-up working day" in text) == (day["kind"] == "makeupWorkday"), (text, day)
        assert ("Provisional" in text) == day["provisional"], (text, day)
    walk.shot("days")
    page.click(f"button.day[data-date='{first['date']}']")
    walk.title("Choose a time")
    slot_button = page.locator(f"button.slot[data-slot='{first['id']}']")
    expect(slot_button).to_contain_text(f"{first['startTime']}–{first['endTime']}")
    walk.shot("slots")
    slot_button.click()
    walk.title("Confirm your appointment")
    expect(page.locator("#use-card")).to_be_disabled()
    terminal.place_card()
    expect(page.locator("#use-card")).to_be_enabled()
    walk.shot("confirm")
    page.click("#use-card")
    walk.title("Your appointment is booked")
    code = page.locator("#booking-code").inner_text()
    expect(page.locator("#booking-time")).to_have_text(f"{first['startTime']}–{first['endTime']}")
    expect(page.locator("#print-result")).to_contain_text("Your booking slip is printed")
    walk.shot("booked")
    page.click("#finish-button")

    # Look it up with the card, print the slip while the printer is out of paper: the QR code
    # stands in, and a reprint after loading paper succeeds.
    page.click("#tile-lookup")
    walk.title("Find an appointment")
    page.fill("#lookup-code", code)
    walk.shot("lookup")
    page.click("#use-card")
    walk.title(f"Booking code {code}")
    expect(page.locator("#booking-status")).to_have_text("Booked")
    terminal.printer_paper("out", technician)
    expect(page.locator("#printer-state")).to_have_text("Printing unavailable — receipts as QR code")
    page.click("#slip-button")
    expect(page.locator("#print-result")).to_contain_text("Printing is unavailable now (out of paper)")
    expect(page.locator("#receipt-qr")).to_be_visible()
    # Decoded, not only placed: the image is the receipt (a broken one never gets a width).
    page.wait_for_function("document.getElementById('receipt-qr').complete && document.getElementById('receipt-qr').naturalWidth > 0")
    walk.shot("slip-paper-out-qr")
    terminal.printer_paper("ok", technician)
    page.click("#reprint-button")
    expect(page.locator("#print-result")).to_contain_text("Your booking slip is printed")

    # Move it to the next time, then cancel it.
    page.click("#reschedule-button")
    walk.title("Choose a day")
    page.click(f"button.day[data-date='{second['date']}']")
    page.click(f"button.slot[data-slot='{second['id']}']")
    expect(page.locator("#booking-message")).to_have_text("The appointment is moved")
    expect(page.locator("#booking-time")).to_have_text(f"{second['startTime']}–{second['endTime']}")
    walk.shot("rescheduled")
    page.click("#cancel-booking-button")
    expect(page.locator("#booking-message")).to_have_text("The appointment is cancelled")
    expect(page.locator("#booking-status")).to_have_text("Cancelled")
    walk.shot("cancelled")
    page.click("#finish-button")

    # A booking of another service at its next time, checked in with its code: a ticket number.
    page.click("#tile-booking")
    page.click("[data-service=exit-entry]")
    page.locator("button.day:enabled").first.click()
    page.locator("button.slot:enabled").first.click()
    page.click("#use-card")
    walk.title("Your appointment is booked")
    other = page.locator("#booking-code").inner_text()
    page.click("#finish-button")
    page.click("#tile-checkin")
    walk.title("Check in")
    # The code alone checks nobody in: a stranger's ID number with it finds nothing.
    page.fill("#checkin-code", other)
    page.fill("#id-number", STRANGER_ID)
    page.click("#use-number")
    expect(page.locator("#problem")).to_contain_text("No booking matches this code and identity number")
    walk.shot("check-in-stranger-refused")
    # The holder's card with the code checks in.
    page.fill("#checkin-code", other)
    walk.shot("check-in")
    page.click("#use-card")
    walk.title("You are checked in. Your number")
    expect(page.locator("#ticket-number")).to_have_text(re.compile(r"^[A-Z]\d{3}$"))
    number = page.locator("#ticket-number").inner_text()
    walk.shot("ticket")
    # The counter calls and finishes it; the screen asks for a rating.
    staff = terminal.sign_in(STAFF)
    for _ in range(5):
        called = terminal.request("POST", "/v1/counters/B1/call-next", {}, staff, idempotent=True)["ticket"]
        assert called, "the checked-in ticket was never called"
        terminal.request("POST", f"/v1/tickets/{called['id']}/finish", None, staff, idempotent=True)
        if called["number"] == number:
            break
    expect(page.locator("#rating")).to_be_visible()
    page.get_by_role("button", name="5 stars").click()
    expect(page.locator("#rating-thanks")).to_have_text("Thank you for your rating")
    walk.shot("rated")
    page.click("#finish-button")


@walk
def staff_override(walk):
    page, terminal = walk.page, walk.terminal
    terminal.place_card()
    walk.open()
    page.click("[data-form=residence-permit]")
    page.click("#start-with-card")
    walk.title("Applicant")
    page.click("#next-button")
    expect(page.locator("#error-summary")).to_be_visible()

    page.click("#staff-button")
    walk.title("Staff sign-in")
    page.fill("#staff-number", STAFF[0])
    page.fill("#staff-pin", STAFF[1])
    walk.shot("staff-sign-in")
    page.click("#sign-in-button")
    walk.title("Staff console")
    expect(page.locator("#session-position")).to_contain_text("Applicant")
    page.click("#take-over")
    expect(page.locator("#staff-banner")).to_have_text(f"Staff member {STAFF[0]} is assisting")
    # The card's name was misread: staff correct it, with a reason and a note.
    page.select_option("#override-reason", "cardDataChecked")
    page.select_option("#card-field", "name")
    page.fill("#card-value", "测试甲乙")
    page.fill("#override-note", "checked against the card")
    page.click("#correct-card-data")
    expect(page.locator("#console-message")).to_have_text("Recorded: Correct the card data")
    walk.shot("staff-card-correction")
    page.select_option("#override-reason", "citizenAssisted")
    page.fill("#override-note", "mobile number given on paper")
    page.click("#accept-invalid")
    expect(page.locator("#console-message")).to_have_text("Recorded: Accept the answers as they are")
    expect(page.locator("#session-position")).to_contain_text("Residence in the district")
    walk.shot("staff-override")
    page.click("#hand-back")
    expect(page.locator("#staff-banner")).to_be_hidden()

    # The queue: a walk-in ticket waits; it is called, then finished.
    walk_in = terminal.request("POST", "/v1/tickets", {"serviceId": "hukou"}, idempotent=True)
    assert re.match(r"^[A-Z]\d{3}$", walk_in["number"]), walk_in
    page.fill("#counter-id", "A1")
    page.click("#call-next")
    expect(page.locator("#console-message")).to_contain_text("to counter A1")
    expect(page.locator("#called-ticket")).to_contain_text("called")
    page.click("#finish-ticket")
    expect(page.locator("#called-ticket")).to_contain_text("finished")
    walk.shot("staff-queue")

    # The citizen goes on to the materials; staff accept the ID card's photocopy on paper.
    page.click("#back-to-citizen")
    answer_residence_to_review(walk, "示例路3号", days=400)
    walk.title("Materials you need (told at once)")
    expect(page.locator("[data-material=idCard] input[value=missing]")).to_be_checked()
    page.click("#staff-button")
    walk.title("Staff console")
    page.select_option("#override-reason", "paperMaterialChecked")
    page.select_option("#paper-material", "idCard")
    page.click("#mark-paper")
    expect(page.locator("#console-message")).to_have_text("Recorded: Paper material received")
    walk.shot("staff-paper-material")
    page.click("#back-to-citizen")
    walk.title("Materials you need (told at once)")
    expect(page.locator("[data-material=idCard] input[value=provided]")).to_be_checked()
    expect(page.locator("#materials-missing")).not_to_contain_text("Resident ID card")
    page.click("#staff-button")
    page.click("#sign-out-button")
    walk.title("Materials you need (told at once)")  # signing out returns to the citizen's screen
    page.click("#home-button")
    walk.title("Welcome. What would you like to do?")


@walk
def technician_health_check(walk):
    page, terminal = walk.page, walk.terminal
    # A receipt to preview, whatever ran before: a materials notice printed for a session.
    session = terminal.request("POST", "/v1/sessions", {"formId": "residence-permit"})["sessionId"]
    printed = terminal.request("POST", f"/v1/sessions/{session}/materials/notice")
    assert printed["receipt"]["state"] == "printed", printed
    terminal.request("DELETE", f"/v1/sessions/{session}")
    walk.open()
    page.click("#staff-button")
    page.fill("#staff-number", TECHNICIAN[0])
    page.fill("#staff-pin", TECHNICIAN[1])
    page.click("#sign-in-button")
    walk.title("Device maintenance")
    printer = page.locator("section.device", has=page.locator("button.last-receipt-button"))
    reader = page.locator("section.device:not([data-device=scanner-simulated])", has_not=page.locator("button.last-receipt-button"))
    expect(printer).to_have_count(1)
    expect(reader).to_have_count(1)
    district = page.locator("#district-panel")
    expect(district).to_have_attribute("data-mode", "standalone")
    expect(district).to_contain_text("Standalone")
    # The fleet page (walk_fleet.py) is one tap away.
    expect(district.locator("#fleet-link")).to_have_attribute("href", "/ui/fleet.html")
    printer.locator("button.health-internal").click()
    expect(printer.locator("[data-health]")).to_have_attribute("data-health", "passed")
    printer.locator("button.health-external").click()
    expect(printer.locator("[data-health]")).to_contain_text("external: passed")
    # Each step says what it found in words, not codes; the test page is a job like any other.
    expect(printer.locator("[data-health]")).to_contain_text("test print: the test page is printed")
    reader.locator("button.health-internal").click()
    expect(reader.locator("[data-health]")).to_have_attribute("data-health", "passed")
    terminal.place_card()
    reader.locator("button.health-external").click()  # the test read
    expect(reader.locator("[data-health]")).to_contain_text("external: passed")
    printer.locator("button.statistics-button").click()
    lines = printer.locator("[data-statistic=receiptLinesPrinted] .value")
    expect(lines).not_to_have_text("0")
    printer.locator("[data-statistic=receiptLinesPrinted] button").click()
    expect(lines).to_have_text("0")
    printer.locator("button.last-receipt-button").click()
    canvas = page.locator("#receipt-preview")
    expect(canvas).to_be_visible()
    assert int(canvas.get_attribute("data-lines")) > 5
    # The canvas holds ink, not just white paper.
    dark = page.evaluate("""() => { const c = document.getElementById('receipt-preview');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; }""")
    assert dark > 500, dark
    walk.shot("technician")
    # The counter slip: printed, its audit anchor shown and on the paper.
    printer.locator("button.counter-slip-button").click()
    slip = printer.locator("[data-slip=printed]")
    expect(slip).to_contain_text(re.compile(r"audit anchor: \d+:[0-9a-f]{64}$"))
    anchor = slip.inner_text().rsplit(" ", 1)[1]
    assert anchor in last_printed(terminal), anchor
    walk.shot("counter-slip")
    page.click("#sign-out-button")


@walk
def static_files(walk):
    terminal = walk.terminal
    with urllib.request.urlopen(terminal.base + "/ui/main.js") as response:
        assert response.headers["Content-Type"].startswith("text/javascript"), response.headers["Content-Type"]
        assert response.headers["Cache-Control"] == "no-cache"
        etag = response.headers["ETag"]
    request = urllib.request.Request(terminal.base + "/ui/main.js", headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(request)
        raise AssertionError("an unchanged file was sent again")
    except urllib.error.HTTPError as error:
        assert error.code == 304, error.code
    for path in ("/ui/..%2Fkiosk.conf", "/ui/%2e%2e%2fPackage.swift", "/ui/../Package.swift", "/ui/nothing.html"):
        try:
            urllib.request.urlopen(terminal.base + path)
            raise AssertionError(f"{path} was served")
        except urllib.error.HTTPError as error:
            assert error.code == 404, (path, error.code)


def spoken(walk, part, action):
    """Does `action`, after which the screen's `part` is fetched from the server as audio and
    plays for more than a second; gives the audio's address and duration."""
    page, audio = walk.page, walk.page.locator("#speech-audio")
    with page.expect_response(lambda response: "/speech?" in response.url) as answer:
        action()
    response = answer.value
    assert response.status == 200, (response.status, response.text())
    assert response.headers["content-type"] == "audio/wav", response.headers
    expect(audio).to_have_attribute("data-part", part)
    expect(audio).to_have_attribute("data-duration", re.compile(r"^[0-9.]+$"))
    duration = float(audio.get_attribute("data-duration"))
    assert duration > 1.0, (part, duration)
    return response.url, duration


@walk
def read_aloud(walk):
    """Speech on: every screen of a filing is fetched as audio from the server and plays for a while."""
    page, terminal = walk.page, walk.terminal
    walk.open()
    terminal.remove_card()
    page.click("[data-form=residence-permit]")
    # The card prompt reads its own words from the catalogue.
    url, _ = spoken(walk, "card", lambda: page.click("#speech-button"))
    assert "/v1/speech?keys=placeCardTitle,placeCardPrompt&" in url, url
    expect(page.locator("#speech-button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#speech-rate-button")).to_be_visible()
    url, normal = spoken(walk, "step", lambda: page.click("#start-without-card"))
    assert "voice=en" in url and "part=step" in url, url
    walk.title("Applicant")
    walk.shot("speech-on")
    # Nothing answered: the error summary is read.
    spoken(walk, "errors", lambda: page.click("#next-button"))
    expect(page.locator("#error-summary")).to_be_visible()
    # The heading is the sentence spoken first (the server's ValidationReport.summary), not a copy.
    expect(page.locator("#error-summary h2")).to_have_text(re.compile(r"^[0-9]+ answers? on this page needs? attention\.$"))
    # Slower for the elderly: the same screen takes longer.
    url, slower = spoken(walk, "errors", lambda: page.click("#speech-rate-button"))
    assert "rate=120" in url, url
    # One answer, read only when asked: typed, saved, then spoken.
    page.fill("#field-name", "张示例")
    url, _ = spoken(walk, "value", lambda: page.click("[data-read=name]"))
    assert "part=value" in url and "field=name" in url, url
    # In Mandarin after a switch of language and a step back and forth.
    page.click("#language-button")
    page.keyboard.press("F2")
    expect(page.locator("#speech-button")).to_have_attribute("aria-pressed", "false")
    url, _ = spoken(walk, "errors", lambda: page.keyboard.press("F2"))
    assert "voice=cmn" in url, url
    walk.shot("speech-zh")
    page.click("#home-button")


@walk
def read_aloud_home_and_booking(walk):
    """Speech on at home and through the booking screens: each is fetched as audio from the
    server, composed there from the screen's text catalogue and the hall's services, days and
    places (the page names the screen, the service and the day, never a text), in both languages."""
    page, terminal = walk.page, walk.terminal
    walk.open()
    terminal.remove_card()
    # The page's words come from the catalogue the server speaks from.
    walk.title("Welcome. What would you like to do?")
    url, _ = spoken(walk, "home", lambda: page.click("#speech-button"))
    assert "/v1/speech?screen=home&" in url and "voice=en" in url, url
    walk.shot("home-spoken")
    url, _ = spoken(walk, "book-service", lambda: page.click("#tile-booking"))
    assert "screen=book-service" in url, url
    walk.title("Choose a service")
    url, _ = spoken(walk, "book-day", lambda: page.click("[data-service=hukou]"))
    assert "screen=book-day&service=hukou&" in url, url
    walk.title("Choose a day")
    day = page.locator("button.day:not([disabled])").first
    date = day.get_attribute("data-date")
    url, _ = spoken(walk, "book-slot", lambda: day.click())
    assert f"screen=book-slot&service=hukou&date={date}&" in url, url
    walk.title("Choose a time")
    walk.shot("slots-spoken")
    # In Mandarin, slower: the same times take longer to say.
    page.click("#language-button")
    page.keyboard.press("F2")
    url, _ = spoken(walk, "book-slot", lambda: page.keyboard.press("F2"))
    assert "voice=cmn" in url and "rate=160" in url, url
    url, _ = spoken(walk, "book-slot", lambda: page.click("#speech-rate-button"))
    assert "rate=120" in url, url
    url, _ = spoken(walk, "home", lambda: page.click("#home-button"))
    assert "screen=home" in url and "voice=cmn" in url, url
    walk.title("您好，请选择要办理的业务")
    # The other screens read their own words by key: check-in, progress, policies.
    for tile, part, keys in (("#tile-checkin", "checkin", "checkInTitle,checkInSub"),
                             ("#tile-progress", "progress", "progressTitle,progressHelp"),
                             ("#tile-policies", "policies", "policiesTitle,policiesIntro")):
        url, _ = spoken(walk, part, lambda: page.click(tile))
        assert f"/v1/speech?keys={keys}&" in url, url
        spoken(walk, "home", lambda: page.click("#home-button"))
    page.keyboard.press("F2")
    expect(page.locator("#speech-button")).to_have_attribute("aria-pressed", "false")


@walk
def policies_for_my_enterprise(walk):
    """An enterprise's profile matched to the example policies, why each matched, all printed and read back."""
    page, terminal = walk.page, walk.terminal
    walk.open()
    page.click("#tile-policies")
    walk.title("Policies for my enterprise")
    page.fill("#policy-credit-code", "91110105MA01ABCD1X")
    page.select_option("#policy-legal-form", "limitedCompany")
    page.select_option("#policy-industry", "I")
    page.select_option("#policy-size", "small")
    page.fill("#policy-founded", "2025-06-01")
    page.fill("#policy-district", "示例区")
    page.check("input[name=tags][value=research]")
    page.check("input[name=tags][value=hiring]")
    page.click("#policy-match")
    # A credit code whose check character is wrong is refused, in the screen's language.
    expect(page.locator("#problem")).to_contain_text("unified social credit code is not valid")
    first17 = "91110105MA01ABCD1"
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    check = alphabet[(31 - sum(alphabet.index(c) * w for c, w in zip(first17, weights)) % 31) % 31]
    page.fill("#policy-credit-code", first17 + check)
    page.click("#policy-match")
    walk.title("4 policies found")
    sections = page.locator("section.policy")
    expect(sections).to_have_count(4)
    expect(sections.first).to_have_attribute("data-policy", "hiring-subsidy")
    expect(sections.first).to_contain_text("Matched on:")
    expect(sections.first).to_contain_text("(example)")
    walk.shot("policies-found")
    page.click("#print-all-policies")
    expect(page.locator("#policy-printed")).to_contain_text("Printed")
    walk.shot("policies-printed")
    token = terminal.sign_in(TECHNICIAN)
    preview = terminal.request("GET", "/v1/devices/printer-simulated/last-receipt", token=token)
    text = "".join(preview.split())
    assert text.count("惠企政策明白纸") == 4, text[:400]
    for title in ("一次性吸纳就业补贴", "创业担保贷款及贴息", "高新技术企业认定及所得税优惠"):
        assert title in text, title
    assert "示例政策" in text
    page.click("#home-button")



# ---- the filing after the terminal (issue 16) ----------------------------------------------------

RESIDENCE_DEPARTMENT = "District public security bureau, local police station"


def file_residence_permit(walk, mobile):
    """A citizen files the residence permit with the simulated card, every material in hand; the reference."""
    page, terminal = walk.page, walk.terminal
    terminal.place_card()
    walk.open()
    page.click("[data-form=residence-permit]")
    page.click("#start-with-card")
    walk.title("Applicant")
    page.fill("#field-mobile", mobile)
    page.click("#next-button")
    answer_residence_to_review(walk, "示例路5号", days=500)
    hand_over_materials(walk)
    page.check("#accept-declaration")
    with page.expect_response(lambda response: response.url.endswith("/submit")) as submitted:
        page.click("#submit-button")
    walk.title("Your application is submitted")
    expect(page.locator("#print-result")).to_contain_text("Your receipt is printed")
    reference = page.locator("#reference").inner_text()
    # What the receipt's QR code holds (the simulated printer draws it as an image, so it is
    # taken from the answer that printed it): what a scanner at the terminal types in.
    code = submitted.value.json()["progressCode"]
    assert code.startswith(f"P1:{reference}:"), code
    return reference, code


def answer_residence_to_review(walk, address, days):
    """From the residence step to the confirmed review: Chaoyang, Sanlitun, an own home for `days`, no children."""
    page = walk.page
    walk.title("Residence in the district")
    walk.click_text("radio", "Chaoyang")
    walk.click_text("radio", "Sanlitun")
    page.fill("#field-residenceAddress", "北京市朝阳区")
    page.fill("#field-residenceAddress-detail", address)
    page.fill("#field-residenceSince", (datetime.date.today() - datetime.timedelta(days=days)).isoformat())
    walk.click_text("radio", "Own home")
    page.click("#next-button")
    walk.title("Grounds")
    walk.click_text("radio", "Stable home")
    page.click("#next-button")
    walk.title("Accompanying children")
    page.click("#next-button")
    walk.title("Check your answers")
    page.click("#confirm-review")


def hand_over_materials(walk):
    page = walk.page
    walk.title("Materials you need (told at once)")
    materials = page.locator("[data-material]")
    expect(materials.first).to_be_visible()
    for material in [materials.nth(i).get_attribute("data-material") for i in range(materials.count())]:
        page.locator(f"[data-material={material}]").get_by_label("I have it").check()
        expect(page.locator(f"[data-material={material}] input[value=provided]")).to_be_checked()
    expect(page.locator("#materials-ready")).to_be_visible()
    page.click("#materials-continue")
    walk.title("Declaration")


def last_printed(terminal):
    """The text of the printer's last job, as the technician's preview has it, without spaces."""
    token = terminal.sign_in(TECHNICIAN)
    devices = terminal.request("GET", "/v1/devices", token=token)
    printer = next(d["info"]["id"] for d in devices if d["info"]["kind"] == "receiptPrinter")
    return "".join(terminal.request("GET", f"/v1/devices/{printer}/last-receipt", token=token).split())


def sign_in_at_screen(walk, account, title):
    page = walk.page
    page.click("#staff-button")
    walk.title("Staff sign-in")
    page.fill("#staff-number", account[0])
    page.fill("#staff-pin", account[1])
    page.click("#sign-in-button")
    walk.title(title)


def open_at_desk(walk, reference, tab="waiting"):
    page = walk.page
    page.click("#desk-button")
    walk.title("Filing desk")
    page.select_option("#desk-department", label=RESIDENCE_DEPARTMENT)
    page.click(f"[data-tab={tab}]")
    tile = page.locator(f"#desk-cases [data-reference='{reference}']")
    expect(tile).to_contain_text("Residence permit application")
    walk.shot("desk-queue")
    tile.click()
    expect(page.locator("#screen-title")).to_contain_text(reference)


def monthly_row(terminal, token, month):
    report = terminal.request("GET", f"/v1/reports/monthly?month={month}", token=token)
    rows = [row for row in report["rows"] if row["matterKey"] == "residence-permit"]
    return rows[0] if rows else {"received": 0, "accepted": 0, "completed": 0, "ratings": {}, "followUps": 0, "followUpsClosedInTime": 0}


@walk
def filing_lifecycle(walk):
    """File → accept at the desk, notice printed and read back → complete → the citizen's look-up and 不满意 →
    the supervisor's 差评件 and follow-up → the monthly report counts it."""
    page, terminal = walk.page, walk.terminal
    technician = terminal.sign_in(TECHNICIAN)
    terminal.printer_paper("ok", technician)
    supervisor = terminal.sign_in(SUPERVISOR)
    month = terminal.request("GET", "/v1/supervision/desk", token=supervisor)["today"][:7]
    before = monthly_row(terminal, supervisor, month)

    reference, code = file_residence_permit(walk, "13800138001")
    walk.shot("filed")
    receipt = last_printed(terminal)
    assert reference in receipt and "扫码查询办理进度" in receipt, receipt[:300]
    page.click("#finish-button")

    # The window: the queue of the department, the filing with its materials to check on paper.
    sign_in_at_screen(walk, STAFF, "Staff console")
    open_at_desk(walk, reference)
    expect(page.locator("#desk-applicant")).to_have_text(MASKED)
    expect(page.locator("#desk-materials")).to_contain_text("Resident ID card")
    expect(page.locator("#desk-materials")).to_contain_text("Handed over: check the original")
    assert "110101198506150019" not in page.content(), "the full ID number is on the desk screen"
    walk.shot("desk-filing")
    page.fill("#desk-window", "B2")
    page.click("#accept-filing")
    expect(page.locator("#desk-message")).to_have_text("Recorded: Accepted")
    expect(page.locator("#desk-state")).to_have_text("Accepted")
    due = re.search(r"Due (\d{4}-\d{2}-\d{2})", page.locator(".case .case-due").inner_text()).group(1)
    page.click("#print-decision-notice")
    expect(page.locator("#desk-message")).to_have_text("The notice is printed; hand it to the applicant.")
    walk.shot("desk-accepted-notice")
    notice = last_printed(terminal)
    for text in ("受理通知书", reference, "居住证申领", "B2", due, MASKED, "扫码查询办理进度"):
        assert text in notice, (text, notice)
    staff = terminal.sign_in(STAFF)
    record = terminal.request("GET", f"/v1/filings/{reference}", token=staff)
    assert record["state"] == "accepted" and record["cases"][0]["acceptance"]["window"] == "B2", record["cases"]
    assert record["cases"][0]["clock"]["dueDate"] == due, record["cases"][0]["clock"]

    page.click("#start-filing")
    expect(page.locator("#desk-state")).to_have_text("In progress")
    page.check("input[name=outcome][value=approved]")
    page.fill("#complete-document", "居住证")
    page.fill("#complete-collect-at", "B2 窗口")
    page.click("#complete-filing")
    expect(page.locator("#desk-state")).to_have_text("Completed")
    expect(page.locator(".case .case-result")).to_have_text("Approved · 居住证 · B2 窗口")
    walk.shot("desk-completed")
    record = terminal.request("GET", f"/v1/filings/{reference}", token=staff)
    assert record["state"] == "completed" and record["cases"][0]["completion"]["outcome"] == "approved", record["cases"]
    page.click("#sign-out-button")

    # The citizen: a wrong reference/ID pair finds nothing; the receipt's QR (a scanner types it) and the card do.
    walk.title("Welcome. What would you like to do?")
    page.click("#tile-progress")
    walk.title("Progress of my application")
    page.fill("#progress-reference", reference)
    page.fill("#id-number", STRANGER_ID)
    page.click("#use-number")
    expect(page.locator("#problem")).to_be_visible()
    page.fill("#progress-reference", code)
    page.press("#progress-reference", "Enter")
    walk.title("Progress of my application")
    found = page.locator(f".progress-filing[data-reference='{reference}']")
    expect(found).to_have_count(1)
    expect(page.locator(".progress-filing")).to_have_count(1)
    walk.click_text("button", "Back")
    page.fill("#progress-reference", "")
    # The session's end wiped what the reader read: the citizen places the card again.
    terminal.place_card()
    page.click("#use-card")
    expect(found).to_have_attribute("data-state", "completed")
    expect(found.locator(".progress-state")).to_have_text("Completed")
    expect(found.locator(".progress-collect")).to_have_text("Collect it at: B2 窗口")
    expect(found.locator(".progress-result")).to_have_text("Result: Approved")
    history = found.locator(".progress-history li")
    expect(history).to_have_count(4)
    for index, event in enumerate(("submitted", "received", "accepted", "completed")):
        expect(history.nth(index)).to_have_attribute("data-event", event)
    walk.shot("progress-completed")
    found.get_by_label("Dissatisfied", exact=True).check()
    found.get_by_label("Took too long").check()
    found.get_by_label("Comment (optional)").fill("排队太久")
    walk.shot("rating-chosen")
    found.locator(".submit-rating").click()
    expect(found.locator(".progress-rated")).to_have_text("Your rating: Dissatisfied. Thank you!")
    expect(history.last).to_have_attribute("data-event", "rated")
    walk.shot("rated")
    record = terminal.request("GET", f"/v1/filings/{reference}", token=staff)
    assert record["rating"]["grade"] == "dissatisfied" and record["rating"]["reasons"] == ["slowProcessing"], record["rating"]
    assert record["followUp"] and not record["followUp"].get("closed"), record["followUp"]
    page.click("#finish-button")

    # The supervision post: the 差评件 with its follow-up, recorded and closed.
    sign_in_at_screen(walk, SUPERVISOR, "Supervision")
    page.select_option("#supervision-department", label=RESIDENCE_DEPARTMENT)
    bad = page.locator(f"#supervision-bad-ratings li[data-reference='{reference}']")
    expect(bad).to_contain_text("Dissatisfied")
    expect(bad).to_contain_text("Call-back: not yet")
    walk.shot("supervision-bad-rating")
    page.click("#language-button")
    walk.title("督查督办")
    expect(bad).to_contain_text("不满意")
    expect(bad.locator("button.record-callback")).to_have_text("记录回访")
    walk.shot("supervision-bad-rating-zh")
    page.click("#language-button")
    walk.title("Supervision")
    for action, note, shown in (("record-callback", "已电话回访申请人", "Call-back"), ("record-rectification", "窗口增加叫号提醒", "Rectification")):
        page.fill("#supervision-note", note)
        bad.locator(f"button.{action}").click()
        expect(page.locator("#desk-message")).to_have_text(f"Recorded: {shown}")
        expect(bad).not_to_contain_text(f"{shown}: not yet")
    walk.shot("supervision-followed-up")
    # Closed, the follow-up leaves the desk's list of open ones.
    page.fill("#supervision-note", "整改完成")
    bad.locator("button.close-follow-up").click()
    expect(page.locator("#desk-message")).to_have_text("Recorded: Closed")
    expect(bad).to_have_count(0)
    follow_up = terminal.request("GET", f"/v1/filings/{reference}", token=supervisor)["followUp"]
    assert [follow_up[k]["note"] for k in ("callback", "rectification", "closed")] == ["已电话回访申请人", "窗口增加叫号提醒", "整改完成"], follow_up
    assert follow_up["closed"]["by"] == {"kind": "supervisor", "id": SUPERVISOR[0]}, follow_up

    # The monthly report counts it, on the screen as in the API.
    page.click("#report-show")
    row = page.locator("#report-table tr[data-matter=residence-permit]")
    expect(row).to_be_visible()
    after = monthly_row(terminal, supervisor, month)
    for column, grown in (("received", 1), ("accepted", 1), ("completed", 1), ("followUps", 1), ("followUpsClosedInTime", 1)):
        assert after[column] == before[column] + grown, (column, before, after)
        expect(row.locator(f"[data-column={column}]")).to_have_text(str(after[column]))
    assert after["ratings"].get("dissatisfied", 0) == before["ratings"].get("dissatisfied", 0) + 1, (before, after)
    bad_count = after["ratings"].get("dissatisfied", 0) + after["ratings"].get("veryDissatisfied", 0)
    expect(row.locator("[data-column=badRatings]")).to_have_text(str(bad_count))
    page.click("#report-full")
    frame = page.frame_locator("#report-frame")
    expect(frame.locator("svg").first).to_be_visible()
    walk.shot("monthly-report")
    # A full-page capture leaves the sandboxed frame blank: the printable report gets a picture of its own.
    walk.shots += 1
    page.locator("#report-frame").screenshot(path=os.path.join(walk.artefacts, f"{walk.name}-{walk.shots:02d}-monthly-report-printable.png"))
    page.click("#sign-out-button")


@walk
def filing_returned_and_corrected(walk):
    """Returned with a reason and a note, the 不予受理通知书 printed and read back; the citizen finds why with the
    reference and ID number, corrects it and submits again: the same reference, version 2."""
    page, terminal = walk.page, walk.terminal
    terminal.printer_paper("ok", terminal.sign_in(TECHNICIAN))
    reference, _ = file_residence_permit(walk, "13800138002")
    page.click("#finish-button")
    sign_in_at_screen(walk, STAFF, "Staff console")
    open_at_desk(walk, reference)
    page.locator(".return-form").get_by_label("Information incorrect").check()
    page.fill("#desk-note", "手机号码有误")
    page.click("#return-filing")
    expect(page.locator("#desk-state")).to_have_text("Returned")
    expect(page.locator(".case .case-return")).to_have_text("Information incorrect · 手机号码有误")
    page.click("#print-decision-notice")
    expect(page.locator("#desk-message")).to_have_text("The notice is printed; hand it to the applicant.")
    walk.shot("desk-returned")
    notice = last_printed(terminal)
    for text in ("不予受理（退回补正）通知书", reference, "填报信息有误", "手机号码有误", MASKED):
        assert text in notice, (text, notice)
    page.click("#sign-out-button")

    page.click("#tile-progress")
    page.fill("#progress-reference", reference)
    page.fill("#id-number", "110101198506150019")
    page.click("#use-number")
    found = page.locator(f".progress-filing[data-reference='{reference}']")
    expect(found.locator(".progress-return")).to_have_text("Returned because: Information incorrect · 手机号码有误")
    walk.shot("progress-returned")
    found.locator(".correct-filing").click()
    # The correction resumes with the answers as submitted, at the first question left unanswered
    # (the optional children), then the review.
    walk.title("Accompanying children")
    page.click("#next-button")
    walk.title("Check your answers")
    expect(page.locator("[data-step=applicant]")).to_contain_text("13800138002")
    page.get_by_role("button", name="Change: Applicant").click()
    walk.title("Applicant")
    expect(page.locator("#field-mobile")).to_have_value("13800138002")
    page.fill("#field-mobile", "13800138003")
    title = page.locator("#screen-title")
    for _ in range(8):
        current = title.inner_text()
        if current == "Check your answers":
            break
        page.click("#next-button")
        expect(title).not_to_have_text(current)
    walk.title("Check your answers")
    expect(page.locator("[data-step=applicant]")).to_contain_text("13800138003")
    page.click("#confirm-review")
    hand_over_materials(walk)
    page.check("#accept-declaration")
    page.click("#submit-button")
    walk.title("Your application is submitted")
    expect(page.locator("#reference")).to_have_text(reference)
    walk.shot("corrected-submitted")
    record = terminal.request("GET", f"/v1/filings/{reference}", token=terminal.sign_in(STAFF))
    assert record["version"] == 2 and record["state"] == "submitted", (record["version"], record["state"])
    progress = terminal.request("POST", "/v1/progress/lookup", {"reference": reference, "idNumber": "110101198506150019"})
    events = [step["event"] for step in progress[0]["history"]]
    assert events[0] == "submitted" and events[-2:] == ["returned", "resubmitted"], events
    page.click("#finish-button")

@walk
def call_staff(walk):
    """A citizen calls for staff from a filing; nobody comes in time, so the hotline is shown and the
    call stays open; a member of staff takes it in the staff console (on another screen), the
    citizen's screen says who is coming, and the filing's receipt names them (首问责任人, staff number)."""
    page, terminal = walk.page, walk.terminal
    terminal.place_card()
    walk.open()
    page.click("[data-form=residence-permit]")
    page.click("#start-with-card")
    walk.title("Applicant")
    button = page.locator("#help-button")
    expect(button).to_be_visible()
    expect(button).to_have_text("Call staff")
    size = button.bounding_box()
    assert size["height"] >= 64 and size["width"] >= 64, size
    button.click()
    status = page.locator("#help-status")
    expect(status).to_contain_text("A member of staff has been called; please wait")
    expect(page.locator("#help-waited")).to_contain_text("Waiting 0:0")
    expect(page.locator("#announcer")).to_contain_text("A member of staff has been called")
    walk.shot("help-waiting")
    # Pressed again: still one call for staff.
    button.click()
    token = terminal.sign_in(STAFF)
    calls = terminal.request("GET", "/v1/help-requests", token=token)
    assert len(calls) == 1 and calls[0]["formId"] == "residence-permit" and calls[0]["stepId"] == "applicant", calls
    # Nobody takes it within session.help_timeout_seconds: the hotline, and the call stays open.
    expect(page.locator("#help-hotline")).to_have_text("Hotline: 0755-12345", timeout=30_000)
    expect(status).to_contain_text("your call stays open")
    walk.shot("help-hotline")

    # A member of staff, at the staff console on another screen, sees the call and takes it.
    console = page.context.new_page()
    console.goto(terminal.base + "/")
    expect(console.locator("body[data-ready=true]")).to_have_count(1)
    console.click("#language-button")
    console.click("#staff-button")
    console.fill("#staff-number", STAFF[0])
    console.fill("#staff-pin", STAFF[1])
    console.click("#sign-in-button")
    expect(console.locator("#screen-title")).to_have_text("Staff console")
    expect(console.locator("#help-button")).to_be_hidden()
    row = console.locator(f"[data-help='{calls[0]['id']}']")
    expect(row).to_contain_text("not taken in time")
    expect(row).to_contain_text("residence-permit")
    console.screenshot(path=os.path.join(walk.artefacts, f"{walk.name}-console-call.png"), full_page=True)
    row.locator("button.help-take").click()
    expect(console.locator(f"[data-help='{calls[0]['id']}'] .help-responsible")).to_contain_text(f"staff number {STAFF[0]}")
    console.screenshot(path=os.path.join(walk.artefacts, f"{walk.name}-console-taken.png"), full_page=True)
    console.close()

    # The citizen's screen says who is coming.
    expect(page.locator("#help-taken")).to_have_text(f"Staff member {STAFF[0]} has answered and is coming")
    expect(page.locator("#help-hotline")).to_have_count(0)
    walk.shot("help-taken")

    # The citizen files; the receipt names the 首问责任人 by staff number, never by name.
    page.fill("#field-mobile", "13800138000")
    page.click("#next-button")
    answer_residence_to_review(walk, "示例路4号", days=500)
    walk.title("Materials you need (told at once)")
    for material in ("idCard", "photo"):
        page.locator(f"[data-material={material}]").get_by_label("I have it").check()
    page.locator("[data-material=propertyCertificate]").get_by_label("I have it").check()
    expect(page.locator("#materials-ready")).to_contain_text("All materials are accounted for")
    page.click("#materials-continue")
    walk.title("Declaration")
    page.check("#accept-declaration")
    page.click("#submit-button")
    walk.title("Your application is submitted")
    expect(page.locator("#print-result")).to_contain_text("Your receipt is printed")
    technician = terminal.sign_in(TECHNICIAN)
    receipt = terminal.request("GET", "/v1/devices/printer-simulated/last-receipt", token=technician)
    text = "".join(receipt.split())
    assert f"首问责任人工号{STAFF[0]}" in text, receipt
    assert "UI test staff" not in receipt
    walk.shot("help-receipt")
    # Staff settle the call: the citizen's screen says so.
    terminal.request("POST", f"/v1/help-requests/{calls[0]['id']}/close", {}, token)
    expect(page.locator("#help-closed")).to_be_visible()
    page.click("#finish-button")
    walk.title("Welcome. What would you like to do?")
    # The session's end made the terminal forget the card: the screen no longer offers it.
    expect(page.locator("#card-state")).to_have_text("")


@walk(terminal=False)
def queue_display(walk):
    """The hall's call display (叫号屏) on the display listener of one terminal of a district
    (HTTPS, a throwaway certificate, the display token in the page's address): a ticket called
    at another terminal appears; after the display's terminal restarts, a call made meanwhile
    arrives through Last-Event-ID replay."""
    root = tempfile.mkdtemp(prefix="kiosk-display-")
    # Not inside `root` (0700): as root the cluster belongs to `nobody`, who must reach its directory.
    cluster = f"/tmp/kiosk-postgres-{os.path.basename(root)}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        pg_port = probe.getsockname()[1]
    subprocess.run(["sh", os.path.join(REPOSITORY, "scripts/private-postgres.sh"), "start", cluster, str(pg_port)],
                   check=True, capture_output=True, timeout=120, env={**os.environ, "PRIVATE_PG_OPTIONS": "-c fsync=off"})
    terminals = []
    try:
        database = f'database = "postgres://kiosk@127.0.0.1:{pg_port}/kiosk"\n'
        first_dir = os.path.join(root, "t01")
        os.makedirs(first_dir)
        first = Terminal(walk.binary, first_dir, top=database, tables='[terminal]\nid = "T01"\n',
                         before_serve=lambda t: t.kiosk("db", "migrate"))
        terminals.append(first)
        second_dir = os.path.join(root, "t02")
        os.makedirs(second_dir)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", os.path.join(second_dir, "key.pem"), "-out", os.path.join(second_dir, "cert.pem"),
                        "-days", "1", "-subj", "/CN=kiosk display", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            display_port = probe.getsockname()[1]
        display_config = (f'[terminal]\nid = "T02"\n[display]\nlisten = "127.0.0.1:{display_port}"\n'
                          f'certificate_file = "{second_dir}/cert.pem"\nkey_file = "{second_dir}/key.pem"\n')
        tokens = []

        def join_district(terminal):
            terminal.kiosk("secrets", "import", os.path.join(first_dir, "secrets", "district-id.key"))
            terminal.kiosk("db", "migrate")
            added = terminal.kiosk("displays", "add", "hall-a")
            tokens.append(next(line[len("token: "):] for line in added.splitlines() if line.startswith("token: ")))

        second = Terminal(walk.binary, second_dir, top=database, tables=display_config, before_serve=join_district)
        terminals.append(second)

        # Chromium trusts nothing made here: this page's own context lets the throwaway certificate through.
        context = walk.page.context.browser.new_context(viewport={"width": 1280, "height": 800}, ignore_https_errors=True)
        context.set_default_timeout(30_000)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        display = Walk(page, second, walk.artefacts, "queue_display")
        page.goto(f"https://127.0.0.1:{display_port}/ui/display.html#token={tokens[0]}")
        expect(page.locator("#display-state.live")).to_have_count(1)
        display.shot("waiting")

        staff = first.sign_in(STAFF)
        for _ in range(2):
            first.request("POST", "/v1/tickets", {"serviceId": "hukou"}, idempotent=True)
        called = first.request("POST", "/v1/counters/A1/call-next", {}, staff, idempotent=True)["ticket"]["number"]
        serving = page.locator("#now-serving li").first
        expect(serving).to_have_attribute("data-number", called)
        expect(serving).to_contain_text("窗口 A1")
        display.shot("called-at-another-terminal")

        # The display's terminal restarts: the stream ends, the page reconnects with the last id it saw.
        second.stop()
        expect(page.locator("#display-state.live")).to_have_count(0)
        meanwhile = first.request("POST", "/v1/counters/A2/call-next", {}, staff, idempotent=True)["ticket"]["number"]
        second.start()
        expect(page.locator("#recent-calls")).to_contain_text(f"{meanwhile} → A2")
        expect(page.locator("#now-serving li").first).to_have_attribute("data-number", meanwhile)
        expect(page.locator("#display-state.live")).to_have_count(1)
        display.shot("after-reconnect")

        # Without the token the page says so and shows nothing.
        page.goto(f"https://127.0.0.1:{display_port}/ui/display.html")
        expect(page.locator("#display-state")).to_contain_text("No display token")
        assert not errors, errors
        context.close()
    finally:
        for terminal in terminals:
            terminal.stop()
        subprocess.run(["sh", os.path.join(REPOSITORY, "scripts/private-postgres.sh"), "stop", cluster],
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


@walk(day_hours="closed")
def call_staff_off_duty(walk):
    """On a day the hall is closed (its hours on the official calendar, here a date override) the
    button answers at once: no member of staff is on duty, the hotline and the 24-hour appointment
    line; no call waits for staff who are not there."""
    page, closed = walk.page, walk.terminal
    walk.open()
    page.click("#help-button")
    expect(page.locator("#help-no-staff")).to_have_text("No member of staff is on duty at this hour")
    expect(page.locator("#help-hotline")).to_have_text("Hotline: 0755-12345")
    expect(page.locator("#help-status")).to_contain_text("24-hour appointment line: 0755-88886666")
    expect(page.locator("#help-waited")).to_have_count(0)
    walk.shot("help-no-staff")
    calls = closed.request("GET", "/v1/help-requests", token=closed.sign_in(STAFF))
    assert calls == [], calls
    page.click("#help-dismiss")
    expect(page.locator("#help-no-staff")).to_have_count(0)


# ---- scanning at the terminal (issue 21) -----------------------------------------------------------

def scan(terminal, text, token):
    """What the technician's simulated scanner scans: it reaches the screen as a scanner's code does."""
    return terminal.request("POST", "/v1/simulator/scanner", {"text": text}, token)


@walk
def scanning_a_slip_and_a_receipt(walk):
    """A booking slip scanned checks in only with the holder's own card; a filing receipt
    scanned opens its progress; a forged receipt code and a stranger's code are not of this hall."""
    page, terminal = walk.page, walk.terminal
    technician = terminal.sign_in(TECHNICIAN)
    reference, code = file_residence_permit(walk, "13800000021")
    page.click("#finish-button")
    terminal.remove_card()
    today = terminal.request("GET", "/v1/calendar")[0]["date"]
    tomorrow = (datetime.date.fromisoformat(today) + datetime.timedelta(days=1)).isoformat()
    slot = next(slot for slot in terminal.request("GET", f"/v1/services/hukou/slots?from={today}&to={tomorrow}")
                if slot["remaining"] > 0)
    holder = "110101198506150019"  # the resident card's number
    hold = terminal.request("POST", "/v1/holds", {"slotId": slot["id"], "idNumber": holder}, idempotent=True)
    booking = terminal.request("POST", "/v1/bookings", {"holdId": hold["holdId"], "idNumber": holder}, idempotent=True)
    slip = booking["code"]

    # The receipt's QR code opens the filing's progress, no ID number asked.
    walk.open()
    walk.title("Welcome. What would you like to do?")
    scan(terminal, code, technician)
    found = page.locator(f".progress-filing[data-reference='{reference}']")
    expect(found).to_be_visible()
    expect(page.locator(".progress-filing")).to_have_count(1)
    walk.shot("scanned-receipt-progress")
    page.click("#finish-button")
    # A forged receipt code (the right shape, a made-up token) and a web address are not ours.
    scan(terminal, f"P1:{reference}:abcdefghijkl", technician)
    expect(page.locator("#problem")).to_contain_text("This is not a code of this hall")
    expect(page.locator(".progress-filing")).to_have_count(0)
    walk.shot("scanned-forged-receipt")

    # The slip with no card: the check-in waits for the card, nobody is checked in.
    scan(terminal, slip, technician)
    walk.title("Check in")
    expect(page.locator("#scanned-slip")).to_contain_text("Place your own ID card on the reader")
    # The page holds a handle on the slip, never its code (the event stream does not carry it).
    expect(page.locator("#checkin-code")).to_have_value("")
    walk.shot("scanned-slip-waiting-for-card")
    assert terminal.request("POST", "/v1/bookings/lookup", {"code": slip, "idNumber": holder})["status"] == "confirmed"
    # Someone else's card with the slip: no booking matches, still nobody checked in.
    terminal.place_card("residence-permit")
    expect(page.locator("#problem")).to_contain_text("No booking matches this code and identity number")
    assert terminal.request("POST", "/v1/bookings/lookup", {"code": slip, "idNumber": holder})["status"] == "confirmed"
    walk.shot("scanned-slip-other-card")
    # The holder's own card completes the check-in.
    terminal.place_card()
    walk.title("You are checked in. Your number")
    expect(page.locator("#ticket-number")).to_have_text(re.compile(r"^[A-Z]\d{3}$"))
    walk.shot("scanned-slip-checked-in")
    page.click("#finish-button")
    terminal.remove_card()

    # The technician's control on the maintenance page: the scan is counted, the page stays.
    sign_in_at_screen(walk, TECHNICIAN, "Device maintenance")
    scanner = page.locator("section.device[data-device=scanner-simulated]")
    expect(scanner).to_be_visible()
    page.fill("#scan-text", "https://example.com/not-ours")
    page.click("#scan-button")
    walk.title("Device maintenance")
    scanner.locator("button.statistics-button").click()
    expect(scanner.locator("[data-statistic=goodScans] .value")).not_to_have_text("0")
    walk.shot("technician-scanner")
    page.click("#sign-out-button")




def selected(arguments):
    """The walks the command line names (all when it names none)."""
    chosen = [w for w in WALKS if (not arguments.k or any(k in w.__name__ for k in arguments.k))
              and (not arguments.only or w.__name__ == arguments.only)]
    if not chosen:
        sys.exit(f"no walk matches; the walks: {', '.join(w.__name__ for w in WALKS)}")
    return chosen


def run_walk(browser, walk_function, arguments, accounts):
    """One walk on a terminal of its own (its accounts copied from `accounts`); whether it passed.
    A failed walk's server log and database are kept (the directory is printed)."""
    options = walk_function.terminal_options
    directory = tempfile.mkdtemp(prefix=f"kiosk-ui-{walk_function.__name__}-")
    started = time.time()
    context = browser.new_context(viewport={"width": 1080, "height": 1400}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    terminal = None
    walk = Walk(page, None, arguments.artefacts, walk_function.__name__, binary=arguments.binary)
    passed = False
    try:
        if options is not None:
            terminal = walk.terminal = Terminal(arguments.binary, directory, **{"accounts_from": accounts, **options})
        walk_function(walk)
        errors = [line for line in console if line.startswith("pageerror")]
        assert not errors, errors
        passed = True
        print(f"ok   {walk_function.__name__} ({time.time() - started:.1f}s, {walk.shots} screenshots)", flush=True)
    except Exception:
        try:
            walk.shot("FAILED")
        except Exception:
            pass
        print(f"FAIL {walk_function.__name__}; server log and database in {directory}", flush=True)
        traceback.print_exc()
        print("\n".join(console[-20:]))
    finally:
        context.close()
        if terminal:
            terminal.stop()
    if passed:
        shutil.rmtree(directory, ignore_errors=True)
    return passed


def import_walk_modules():
    """Walks kept in their own files (Tests/browser/walk_*.py) register themselves on import."""
    import glob
    import importlib.util
    # `from test_ui import walk, expect, …` in a walk module finds this running module, not a second copy.
    sys.modules.setdefault("test_ui", sys.modules[__name__])
    for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "walk_*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(REPOSITORY, ".build", "debug", "kiosk"))
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--artefacts", required=True)
    parser.add_argument("-k", action="append", metavar="PART", help="run the walks whose names contain PART (repeatable)")
    parser.add_argument("--only", metavar="NAME", help="run the walk NAME alone")
    parser.add_argument("--list", action="store_true", help="name the walks and stop")
    arguments = parser.parse_args()
    import_walk_modules()
    if arguments.list:
        print("\n".join(w.__name__ for w in WALKS))
        return
    walks = selected(arguments)
    os.makedirs(arguments.artefacts, exist_ok=True)
    accounts = tempfile.mkdtemp(prefix="kiosk-ui-accounts-")
    try:
        Terminal(arguments.binary, accounts, serve=False)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=arguments.chromium, headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
            failures = [w.__name__ for w in walks if not run_walk(browser, w, arguments, accounts)]
            browser.close()
    finally:
        shutil.rmtree(accounts, ignore_errors=True)
    print(f"screenshots: {arguments.artefacts}")
    if failures:
        print("failed: " + ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
