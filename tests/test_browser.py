"""End to end in a real browser: headless Chromium opens a preview from disk.

Clicking an outline entry must scroll the text to that heading, our script must run without
errors, and hostile input text must not run. Skipped where Chromium, chromedriver or selenium
is missing (CI installs the Debian packages chromium and chromium-driver).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from speech2tei.model import Section
from speech2tei.pipeline import Explained, convert_bytes, convert_path
from speech2tei.preview import render_preview

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "preview" / "hostile.txt"
NUMERALS = "一二三四五六七八九十"
TOPICS = ["稳定农业生产", "扩大有效投资", "促进消费回升", "推动工业转型", "发展现代服务业", "深化重点改革",
          "优化营商环境", "加强生态保护", "办好民生实事", "维护安全稳定", "加强自身建设", "狠抓工作落实"]
PROSE = ("围绕年度目标任务，各地各部门要细化工作举措，明确时间节点，压实工作责任，"
         "定期调度进展情况，及时研究解决工作中遇到的困难和问题，确保各项任务按期完成。")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")


def cjk(n: int) -> str:
    """一 … 十二 (enough for the fixture)."""
    return NUMERALS[n - 1] if n <= 10 else "十" + NUMERALS[n - 11]


def long_speech() -> str:
    """Twelve sections of three subsections each, several screens long."""
    parts = ["关于做好全年经济工作的讲话", "", "同志们：", "", "下面，我就做好全年工作讲几点意见。", ""]
    for i, topic in enumerate(TOPICS, 1):
        parts += [f"{cjk(i)}、{topic}", ""]
        for j in range(1, 4):
            parts += [f"（{cjk(j)}）抓好第{cjk(j)}项任务。{PROSE}", "", PROSE * 2, ""]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists() or shutil.which(str(path)) is None:
            pytest.skip(f"{path} is not installed (Debian packages chromium and chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


def write_page(tmp_path: Path, name: str, page: str) -> str:
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    return path.resolve().as_uri()


def severe_console_entries(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e.get("level") == "SEVERE"]


def test_clicking_an_outline_entry_scrolls_to_the_heading(driver, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    explained: list[Explained] = []
    conv = convert_bytes(long_speech().encode("utf-8"), "long.txt", None, explained)
    sections = [s for s in conv.documents[0].body if isinstance(s, Section)]
    assert len(sections) == 12
    target = sections[10]  # 十一、加强自身建设: far down the page
    driver.get(write_page(tmp_path, "long.html", render_preview(conv, explained)))
    assert driver.execute_script("return window.scrollY") == 0
    assert driver.execute_script("return document.documentElement.scrollHeight") > 5 * 900

    link = driver.find_element(By.CSS_SELECTOR, f'nav.outline a[href="#{target.id}"]')
    link.click()
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return window.scrollY") > 1000)
    top = driver.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top",
                                target.id)
    assert 0 <= top < 24
    heading = driver.find_element(By.ID, target.id)
    assert heading.text == "十一、"
    assert driver.execute_script("return location.hash") == f"#{target.id}"
    driver.save_screenshot(str(tmp_path / "preview.png"))
    assert (tmp_path / "preview.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # our script runs: "collapse all" closes the nested outline, hiding the subsections
    sub = driver.find_element(By.CSS_SELECTOR, f'nav.outline a[href="#{target.children[0].id}"]')
    assert sub.is_displayed()
    driver.find_element(By.ID, "outline-close").click()
    assert not sub.is_displayed()
    driver.find_element(By.ID, "outline-open").click()
    assert sub.is_displayed()
    assert severe_console_entries(driver) == []


def test_hostile_text_runs_no_script(driver, tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    explained: list[Explained] = []
    conv = convert_path(HOSTILE, None, explained)
    driver.get(write_page(tmp_path, "hostile.html", render_preview(conv, explained)))
    for link in driver.find_elements(By.CSS_SELECTOR, "nav.outline a"):
        ActionChains(driver).move_to_element(link).perform()
    driver.find_element(By.CSS_SELECTOR, "#removed > summary").click()  # the ledger holds the <img>
    driver.save_screenshot(str(tmp_path / "hostile.png"))
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is the check
    flags = driver.execute_script(
        "return ['__pwned', '__pwned_title', '__pwned_img', '__pwned_attr', '__pwned_close', '__pwned_frame']"
        ".filter(function (k) { return k in window; })")
    assert flags == []
    assert driver.execute_script("return document.scripts.length") == 1
    assert driver.execute_script("return document.images.length + document.querySelectorAll('iframe').length") == 0
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "<script>window.__pwned=1;alert(1)</script>" in body
    assert severe_console_entries(driver) == []
