#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drives the dashboard in headless Chromium (python3-selenium, chromedriver)
against a running pxecore; api/tests/api_ui.sh sets the daemon and the client up.

Each wait is bounded (WAIT seconds) and waits for a state, never for a time."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException,
                                        StaleElementReferenceException, TimeoutException)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 30


class Fail(Exception):
    pass


def api(args, path, method="GET", body=None):
    """A REST call with the token, as a script would make it (not through the page)."""
    req = urllib.request.Request(args.url + path, method=method,
                                 headers={"Authorization": "Bearer " + args.token})
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        data = r.read().decode()
        return json.loads(data) if r.headers.get_content_type() == "application/json" else data


def wait(d, what, cond):
    try:
        return WebDriverWait(d, WAIT, poll_frequency=0.2, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException)).until(lambda _: cond())
    except TimeoutException:
        raise Fail("not seen within %d s: %s" % (WAIT, what))


def browser(chromium):
    o = Options()
    o.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,2600", "--no-first-run", "--disable-extensions"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o)


def check_static(args):
    """No inline script or style in the page; the CSP header forbids them anyway."""
    html = open(os.path.join(args.ui_dir, "index.html")).read()
    if re.search(r"<script(?![^>]*\bsrc=)", html) or re.search(r"\son[a-z]+=", html) or \
            re.search(r"\sstyle=", html) or "<style" in html:
        raise Fail("index.html has inline script or style")
    with urllib.request.urlopen(args.url + "/ui", timeout=10) as r:
        csp = r.headers.get("Content-Security-Policy", "")
    for part in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"):
        if part not in csp:
            raise Fail("/ui: Content-Security-Policy %r lacks %s" % (csp, part))
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        raise Fail("/ui: the CSP allows inline code: %r" % csp)
    try:
        urllib.request.urlopen(args.url + "/api/v1/status", timeout=10)
        raise Fail("/api/v1/status answered without a token")
    except urllib.error.HTTPError as e:
        if e.code != 401:
            raise Fail("/api/v1/status without a token: HTTP %d" % e.code)


def log_in(d, args):
    d.get(args.url + "/ui")
    wait(d, "the login form", lambda: d.find_element(By.ID, "token").is_displayed())
    d.find_element(By.ID, "token").send_keys("wrong-token-0123456789")
    d.find_element(By.ID, "login-button").click()
    wait(d, "'Wrong token.'", lambda: "Wrong token" in d.find_element(By.ID, "login-error").text)
    d.find_element(By.ID, "token").clear()
    d.find_element(By.ID, "token").send_keys(args.token)
    d.find_element(By.ID, "login-button").click()
    wait(d, "the dashboard after logging in", lambda: d.find_element(By.ID, "app").is_displayed())
    if d.execute_script("return sessionStorage.getItem('pxecore.token')") != args.token:
        raise Fail("the token is not in sessionStorage")
    if d.execute_script("return localStorage.length") or args.token in d.current_url or \
            d.get_cookies():
        raise Fail("the token left sessionStorage (localStorage, URL or cookie)")
    print("ui: logged in (a wrong token was refused); token in sessionStorage only")


def switch_method(d, args):
    menu = lambda: api(args, "/api/v1/menus/pxelinux")  # noqa: E731
    if "archiso_http_srv=" not in menu():
        raise Fail("the pxelinux menu has no http entry at start")
    box = wait(d, "the http switch", lambda: d.find_element(By.ID, "method-http"))
    if not box.is_selected():
        raise Fail("the http switch is off at start")
    box.click()
    wait(d, "http switched off through the API",
         lambda: api(args, "/api/v1/methods/http")["enabled"] is False)
    if "archiso_http_srv=" in menu():
        raise Fail("the menu still has the http entry after the switch was turned off")
    wait(d, "the http row saying disabled", lambda: d.find_element(
        By.CSS_SELECTOR, 'tr[data-method="http"] .state').text == "disabled")
    d.find_element(By.ID, "method-http").click()
    wait(d, "http switched on again", lambda: api(args, "/api/v1/methods/http")["enabled"])
    if "archiso_http_srv=" not in menu():
        raise Fail("the http entry did not come back")
    print("ui: the http switch took the entry out of the generated menu and back")


def set_profile(d, args):
    wait(d, "the image archiso", lambda: "archiso" in d.find_element(By.ID, "images").text)
    kind = d.find_element(By.CSS_SELECTOR, "#images td.kind").text
    if not kind:
        raise Fail("no image kind shown")
    d.find_element(By.ID, "host-mac").send_keys(args.mac.upper().replace(":", "-"))
    wait(d, "archiso in the image list", lambda: d.find_elements(
        By.CSS_SELECTOR, '#host-image option[value="archiso"]'))
    d.find_element(By.CSS_SELECTOR, '#host-image option[value="archiso"]').click()
    d.find_element(By.ID, "host-boot-once").click()
    d.find_element(By.ID, "host-save").click()
    wait(d, "the profile in the hosts table",
         lambda: d.find_elements(By.CSS_SELECTOR, '#hosts tr[data-mac="%s"]' % args.mac))
    h = api(args, "/api/v1/hosts/" + args.mac)
    if h["image"] != "archiso" or not h["boot_once"] or h["local_boot"]:
        raise Fail("profile through the API: %s" % h)
    print("ui: boot-once profile of %s saved (image kind shown: %s)" % (args.mac, kind))


def watch_client(d, args):
    r = subprocess.run(args.client, shell=True, timeout=120, capture_output=True, text=True)
    if r.returncode != 0:
        raise Fail("the client failed: %s %s" % (r.stdout, r.stderr))
    print(r.stdout.strip())
    card = 'article.client[data-mac="%s"]' % args.mac

    def steps():
        done = [e.get_attribute("data-phase") for e in
                d.find_elements(By.CSS_SELECTOR, card + " .phases li.done")]
        kinds = [e.get_attribute("data-kind") for e in
                 d.find_elements(By.CSS_SELECTOR, card + " tr[data-kind]")]
        return "initrd" in done and {"dhcp.ack", "tftp.sent", "http.sent"} <= set(kinds)
    wait(d, "DHCP, TFTP and HTTP steps of %s in the timeline" % args.mac, steps)
    # One script reads the whole timeline: live updates re-render the rows, so elements found
    # first and read afterwards can be stale.
    kinds = d.execute_script("return Array.from(document.querySelectorAll(arguments[0]), "
                             "e => e.dataset.kind)", card + " tr[data-kind]")
    order = [k for k in kinds if k in ("dhcp.ack", "tftp.sent", "http.sent")]
    if order.index("dhcp.ack") > order.index("tftp.sent") or \
            order.index("tftp.sent") > order.index("http.sent"):
        raise Fail("timeline out of order: %s" % kinds)
    wait(d, "the lease in the leases table", lambda: d.find_elements(
        By.CSS_SELECTOR, '#leases tr[data-mac="%s"]' % args.mac))
    # boot_once: the kernel was sent, so the daemon switched the machine to local boot
    wait(d, "local boot after the boot-once", lambda: d.find_element(
        By.CSS_SELECTOR, '#hosts tr[data-mac="%s"] td:nth-child(6)' % args.mac).text == "yes")
    print("ui: timeline of %s shows %s" % (args.mac, " -> ".join(kinds)))


def check_console(d):
    bad = [e for e in d.get_log("browser") if e["level"] == "SEVERE" and
           "401" not in e["message"]]  # the wrong token's refusal is logged by Chromium
    if bad:
        raise Fail("browser console errors: %s" % [e["message"] for e in bad])


def log_out(d, args):
    d.find_element(By.ID, "logout").click()
    if d.execute_script("return sessionStorage.getItem('pxecore.token')") is not None:
        raise Fail("the token is still stored after logging out")
    d.get(args.url + "/ui")
    wait(d, "the login form after logging out", lambda: d.find_element(By.ID, "token").is_displayed())


def main():
    p = argparse.ArgumentParser()
    for a in ("url", "token", "mac", "client", "chromium", "ui_dir", "out"):
        p.add_argument("--" + a.replace("_", "-"), required=True)
    args = p.parse_args()
    check_static(args)
    d = browser(args.chromium)
    shot = os.path.join(args.out, "ui_dashboard.png")
    try:
        log_in(d, args)
        switch_method(d, args)
        set_profile(d, args)
        watch_client(d, args)
        check_console(d)
        d.save_screenshot(shot)
        print("ui: screenshot %s" % shot)
        log_out(d, args)
    except Fail as e:
        d.save_screenshot(shot)
        print("FAIL: %s (screenshot %s)" % (e, shot), file=sys.stderr)
        sys.exit(1)
    finally:
        d.quit()
    print("ui_browser: passed")


if __name__ == "__main__":
    main()
