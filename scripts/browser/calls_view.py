#!/usr/bin/env python3
"""Drives the capd calls web view in headless Chromium (Debian chromium + chromium-driver, pip selenium).

usage: calls_view.py BASE_URL CALL_ID EXPECTED_LABELS_JSON SCREENSHOT_DIR [TOKEN]

Opens BASE_URL, searches by Call-ID, opens the call, checks one SVG arrow per message with the expected
labels in order, clicks an arrow and checks the message text, and saves screenshots. Prints one JSON line
with what it saw; exit status 0 when every check held, 1 otherwise.
"""
import json
import os
import sys
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def main():
    base, call_id, labels_json, shots = sys.argv[1:5]
    token = sys.argv[5] if len(sys.argv) > 5 else None
    expected = json.loads(labels_json)
    os.makedirs(shots, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CAPD_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(arg)
    service = Service(executable_path=os.environ.get("CAPD_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    seen = {}
    failures = []
    try:
        wait = WebDriverWait(driver, 20)
        start = base + "/" + (("?token=" + urllib.parse.quote(token)) if token else "")
        driver.get(start)
        field = wait.until(ec.presence_of_element_located((By.ID, "call-id")))
        field.send_keys(call_id)
        driver.find_element(By.ID, "search-button").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tbody tr")) > 0
                   or "error" in d.find_element(By.ID, "search-status").text)
        rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
        seen["results"] = [r.text for r in rows]
        driver.save_screenshot(os.path.join(shots, "calls-search.png"))
        if len(rows) != 1 or call_id not in rows[0].text:
            failures.append("search by Call-ID: expected one row with the Call-ID, got %r" % seen["results"])
            raise StopIteration
        rows[0].find_element(By.CSS_SELECTOR, "td.callid a").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#ladder g.arrow")) > 0
                   or "error" in d.find_element(By.ID, "call-start").text)
        arrows = driver.find_elements(By.CSS_SELECTOR, "#ladder g.arrow")
        labels = [a.find_element(By.CSS_SELECTOR, "text.label").text for a in arrows]
        seen["labels"] = labels
        seen["url"] = driver.current_url
        if labels != expected:
            failures.append("arrows: expected %r, got %r" % (expected, labels))
        # Click the first reply arrow (or the last arrow) and read the message.
        index = next((i for i, label in enumerate(labels) if label[:1].isdigit()), len(arrows) - 1)
        arrows[index].click()
        wait.until(lambda d: d.find_element(By.ID, "message").text.strip() != "")
        message = driver.find_element(By.ID, "message").text
        seen["clicked"] = index
        seen["message_first_line"] = message.splitlines()[0] if message else ""
        if not message.startswith("SIP/2.0 " + labels[index]) and not message.startswith(labels[index]):
            failures.append("clicked arrow %d (%s): message starts %r" % (index, labels[index], message[:60]))
        if "Call-ID: " + call_id not in message and "i: " + call_id not in message:
            failures.append("clicked message lacks the Call-ID header")
        pcap = driver.find_element(By.ID, "pcap-link").get_attribute("href")
        seen["pcap_link"] = pcap
        if "/api/call.pcap?id=" not in pcap:
            failures.append("pcap link: %r" % pcap)
        # The live panel: a drawn line once two samples of the counters exist (the test sends traffic).
        try:
            WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-packets polyline"))
            seen["live_packets"] = driver.find_element(By.ID, "live-packets").text
        except Exception:  # noqa: BLE001
            failures.append("live panel: no packets/s line drawn within 15 s")
        driver.save_screenshot(os.path.join(shots, "calls-ladder.png"))
    except StopIteration:
        pass
    except Exception as error:  # noqa: BLE001 - every failure is reported as JSON
        failures.append("%s: %s" % (type(error).__name__, error))
        try:
            driver.save_screenshot(os.path.join(shots, "calls-failure.png"))
        except Exception:  # noqa: BLE001
            pass
    finally:
        driver.quit()
    seen["failures"] = failures
    print(json.dumps(seen))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
