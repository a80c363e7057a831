"""The site at a phone's width (390 px) and a desktop's (1280 px): no page scrolls sideways, the
header is a tidy brand-and-account row over one row of tabs, wide tables scroll inside their
own box (the card history one line a review), plots fit, the account menu opens and closes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .test_csp import VIOLATIONS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Where the page is wider than the window, and what sticks out (nothing inside a scroll box).
SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (!box.width || box.right <= width + 1) continue;
    let up = el.parentElement, inside = false;
    for (; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(up).overflowX)) { inside = true; break; }
    }
    if (!inside) out.push(el.tagName.toLowerCase() + '.' + el.className);
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5)};
}"""

HEADER = """() => {
  const box = (el) => el.getBoundingClientRect();
  const brand = box(document.querySelector('.brand'));
  const account = box(document.querySelector('.site-account'));
  const nav = document.querySelector('.site-nav');
  const links = [...nav.querySelectorAll('a')].map(box);
  const current = nav.querySelector('[aria-current="page"]');
  return {
    brandTop: brand.top, brandBottom: brand.bottom, accountTop: account.top, accountBottom: account.bottom,
    accountRight: account.right, navTop: box(nav).top, navScroll: nav.scrollWidth, navWidth: nav.clientWidth,
    linkTops: links.map((b) => Math.round(b.top)), linkRight: Math.max(...links.map((b) => b.right)),
    current: current && current.textContent.trim(),
    currentInView: !!current && box(current).left >= box(nav).left - 1 && box(current).right <= box(nav).right + 1,
    header: box(document.querySelector('.site-header')).height,
  };
}"""


def fits(page, path):
    info = page.evaluate(SIDEWAYS)
    assert info["scroll"] <= info["width"] and not info["out"], (path, info)


def plots_fit(page, path):
    """Every drawn plot is no wider than its box, or (a calendar) scrolls inside it."""
    areas = page.locator(".plot-area")
    for i in range(areas.count()):
        expect(areas.nth(i).locator(".main-svg").first).to_be_attached()
    check = """() => [...document.querySelectorAll('.plot-area')].filter((area) => {
        const svg = area.querySelector('.main-svg');
        const inside = area.classList.contains('is-scrolling') || svg.getBoundingClientRect().width <= area.parentElement.clientWidth + 1;
        return !inside || area.getBoundingClientRect().right > document.documentElement.clientWidth + 1;
      }).map((area) => area.id)"""
    for _ in range(20):  # a calendar is marked as scrolling once drawn
        wide = page.evaluate(check)
        if not wide:
            break
        page.wait_for_timeout(100)
    assert wide == [], (path, wide)


def give_history(learner, days=12):
    from studyapp.course.models import Flashcard
    from studyapp.review import scheduling

    start = timezone.now() - timedelta(days=days)
    cards = list(Flashcard.objects.live().filter(topic__slug="gru")[:4])
    for day in range(0, days, 2):
        for i, card in enumerate(cards):
            state = learner.card_states.filter(flashcard=card).first()
            scheduling.rate_card(learner=learner, flashcard=card, version=state.version if state else 0,
                                 rating=1 + (day + i) % 4, now=start + timedelta(days=day),
                                 shown_at=start + timedelta(days=day, seconds=-6))
    return cards


def test_no_page_scrolls_sideways_on_a_phone(page, live_server, course, console_errors):
    from studyapp.accounts.models import Learner

    page.add_init_script(VIOLATIONS)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/review/")
    page.keyboard.press("Space")
    expect(page.locator(".review-back")).to_be_visible()
    fits(page, "/review/ (answer shown)")
    page.keyboard.press("3")
    expect(page.locator('#review-area [data-count="new"] strong')).to_have_text("19")
    cards = give_history(Learner.objects.get())

    # (sequences, deep-rnns and applications hold inline formulas wider than a phone's line)
    paths = ["/", "/topics/gru/", "/topics/sequences/", "/topics/deep-rnns/", "/topics/applications/", "/review/", "/review/stats/", "/review/stats/topics/gru/",
             f"/review/cards/{cards[0].slug}/", "/review/settings/", "/review/data/", "/quiz/", "/quiz/history/",
             "/demos/", "/demos/hidden-state/", "/demos/forward-propagation/", "/demos/activation-functions/",
             "/demos/losses/", "/demos/vanishing-gradients/", "/demos/lstm-cell/", "/demos/gru-cell/",
             "/demos/feedforward-vs-recurrent/", "/lab/", "/accounts/login/", "/accounts/signup/"]
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        fits(page, path)
        plots_fit(page, path)
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []

    page.goto(live_server.url + "/no-such-page/")
    fits(page, "404")


def test_the_header_on_a_phone_and_on_a_desktop(page, live_server, course):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/review/stats/")
    head = page.evaluate(HEADER)
    # Brand and account share the first row; the six tabs are one row below it, all in view.
    assert head["accountTop"] < head["brandBottom"] and head["brandTop"] < head["accountBottom"], head
    assert head["accountRight"] <= PHONE["width"], head
    assert head["navTop"] >= head["brandBottom"], head
    assert len(set(head["linkTops"])) == 1, head
    assert head["navScroll"] <= head["navWidth"] and head["linkRight"] <= PHONE["width"], head
    assert head["current"] == "Statistics" and head["currentInView"], head
    assert head["header"] < 120, head

    # A focused tab shows its focus ring inside the row (which would cut one drawn outside it).
    page.locator(".site-nav a").first.focus()
    page.keyboard.press("Tab")
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [document.activeElement.textContent, s.outlineStyle, parseFloat(s.outlineOffset)]; }""")
    assert ring[0] == "Review" and ring[1] == "solid" and ring[2] < 0, ring

    page.set_viewport_size(DESKTOP)
    head = page.evaluate(HEADER)
    # One row: brand, tabs and account side by side.
    assert head["navTop"] < head["brandBottom"] and len(set(head["linkTops"])) == 1, head
    assert head["header"] < 70, head


def test_a_cards_history_scrolls_in_its_box_one_line_a_review(page, live_server, course):
    from studyapp.accounts.models import Learner

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/review/")
    page.keyboard.press("Space")
    expect(page.locator(".review-back")).to_be_visible()
    page.keyboard.press("3")
    expect(page.locator('#review-area [data-count="new"] strong')).to_have_text("19")
    cards = give_history(Learner.objects.get())
    page.goto(live_server.url + f"/review/cards/{cards[0].slug}/")
    table = page.locator('[data-table="history"]')
    wrapper = page.locator(".table-scroll", has=table)
    assert table.locator("tbody tr").count() == 6
    fits(page, "card history")
    sizes = wrapper.evaluate("(w) => [w.scrollWidth, w.clientWidth]")
    assert sizes[0] > sizes[1], sizes  # the table scrolls inside its box...
    # ...which the keyboard can reach and a screen reader names.
    expect(wrapper).to_have_attribute("tabindex", "0")
    expect(wrapper).to_have_attribute("role", "region")
    expect(wrapper).to_have_attribute("aria-label", "History (scrolls sideways)")
    # A date takes two short lines (day, then time) at most, and a row no more.
    heights = table.locator("tbody tr").evaluate_all("(rows) => rows.map((r) => r.getBoundingClientRect().height)")
    assert max(heights) < 60, heights
    # The date column stays in view while the rest scrolls.
    wrapper.evaluate("(w) => { w.scrollLeft = w.scrollWidth; }")
    date = table.locator("tbody th").first.bounding_box()
    box = wrapper.bounding_box()
    assert abs(date["x"] - box["x"]) < 2, (date, box)

    # On a desktop the same table fits: no scrolling, out of the tab order.
    page.set_viewport_size(DESKTOP)
    expect(wrapper).not_to_have_attribute("tabindex", "0")
    sizes = wrapper.evaluate("(w) => [w.scrollWidth, w.clientWidth]")
    assert sizes[0] <= sizes[1], sizes
    heights = table.locator("tbody tr").evaluate_all("(rows) => rows.map((r) => r.getBoundingClientRect().height)")
    assert max(heights) < 45, heights


def test_the_account_menu_opens_and_closes(page, live_server, course, django_user_model, console_errors):
    django_user_model.objects.create_user("ada_lovelace_the_first", password="a long study passphrase")
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill("ada_lovelace_the_first")
    page.locator("#id_password").fill("a long study passphrase")
    page.locator("#id_password").press("Enter")
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.goto(live_server.url + "/topics/gru/")
        fits(page, f"signed in at {size['width']}")
        menu = page.locator(".account-menu")
        settings = page.get_by_role("link", name="Settings", exact=True)
        expect(settings).to_be_hidden()
        page.locator(".account-menu summary").click()
        expect(settings).to_be_visible()
        panel = page.locator(".account-menu-panel").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= size["width"], panel
        page.keyboard.press("Escape")
        expect(settings).to_be_hidden()
        expect(page.locator(".account-menu summary")).to_be_focused()
        page.locator(".account-menu summary").click()
        page.locator(".site-footer").click()  # a click elsewhere closes it
        expect(menu).not_to_have_attribute("open", "")
    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="Your account").click()
    expect(page.locator("h1")).to_have_text("Your account")
    # A signed-in learner who has not reviewed yet is not told they study as a guest.
    page.goto(live_server.url + "/review/")
    assert page.locator("[data-guest-notice], .review-guest").count() == 0
    assert console_errors == []


def test_on_a_touch_screen_a_swipe_over_a_plot_scrolls_the_page(browser, live_server, course):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/demos/losses/")
    areas = page.locator(".plot-area")
    expect(areas.first.locator(".main-svg").first).to_be_attached()
    # plotly.js would take a touch on a plot for a zoom and keep the page from scrolling.
    assert set(page.evaluate("[...document.querySelectorAll('.plot-area')].map((a) => a.layout.dragmode)")) == {False}
    touch = page.evaluate("""() => { const el = document.querySelector('.plot-area .nsewdrag');
        const t = new Touch({identifier: 1, target: el, clientX: 100, clientY: 100});
        const start = new TouchEvent('touchstart', {cancelable: true, bubbles: true, touches: [t], changedTouches: [t]});
        el.dispatchEvent(start);
        el.dispatchEvent(new TouchEvent('touchend', {cancelable: true, bubbles: true, touches: [], changedTouches: [t]}));
        return start.defaultPrevented; }""")
    assert touch is False
    # No keyboard hints on the buttons of a touch screen.
    page.goto(live_server.url + "/review/")
    assert page.evaluate("[...document.querySelectorAll('button kbd, .button kbd')].every((k) => getComputedStyle(k).display === 'none')")
    context.close()
