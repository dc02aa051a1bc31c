"""Every page of the demo in Chinese, as each role (issue 10, "a test walks every page of the demo as each role"):
starting from the dashboard, every link a user can follow is visited (two of each URL shape, files and the API
aside), and no visible sentence may hold an English word (codes, units, names and the language switch aside)."""

from __future__ import annotations

import re
from collections import Counter, deque

from django.test import Client

from bioseg.accounts.models import User
from bioseg.pilots.models import Evidence
from bioseg.registry.models import Enterprise, Person, Product, Site
from tests.quality.test_chinese_pages import demo, english_words  # noqa: F401  (demo: the fixture)

ROLES = (
    "suzhou-ra",
    "suzhou-qa",
    "suzhou-qp",
    "shcdmo-qa",
    "js-reviewer",
    "js-inspector",
    "sh-inspector",
    "nmpa",
)
SKIP = re.compile(r"^/(api|static|i18n|logout|admin)/|\.(xlsx|pdf|json|csv|svg|png)$|/(download|file|files)/|format=")
LINK = re.compile(r'href="(/[^"#]*)"')
PER_SHAPE = 2
PER_ROLE = 120


def shape(url: str) -> str:
    return re.sub(r"\d+", "N", url.split("?")[0])


def crawl(username: str) -> tuple[dict[str, list[str]], int]:
    c = Client()
    c.force_login(User.objects.get(username=username))
    c.cookies["django_language"] = "zh-hans"
    seen, shapes, found = set(), Counter(), {}
    queue = deque(["/"])
    while queue and len(seen) < PER_ROLE:
        url = queue.popleft()
        if url in seen or SKIP.search(url) or "?" in url or shapes[shape(url)] >= PER_SHAPE:
            continue
        seen.add(url)
        shapes[shape(url)] += 1
        r = c.get(url)
        if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
            continue
        html = r.content.decode()
        words = english_words(html)
        if words:
            found[url] = words
        queue.extend(u.replace("&amp;", "&") for u in LINK.findall(html))
    return found, len(seen)


def test_every_page_of_the_demo_in_chinese_as_each_role(demo, db):  # noqa: F811
    # names are not sentences: people's, and the registry's English names where a page shows both (a detail
    # page's "name (English)" field, a foreign contract manufacturer); the linker-payload vc-MMAE; a source
    # publication's title (Mondaq); e-mail addresses
    texts = [*User.objects.values_list("printed_name", flat=True), *Person.objects.values_list("name_en", flat=True)]
    texts += [n for m in (Enterprise, Site, Product) for n in m.objects.values_list("name_en", flat=True)]
    texts += [e for e in Person.objects.values_list("email", flat=True) if e]
    texts += ["vc Mondaq Swissmedic FvP"]
    # evidence named in the timeline's sentences by its rule code and file name (pilot2024.cmo.unified_qms, ….pdf)
    texts += [t for e in Evidence.objects.all() for t in (e.requirement, e.file_name)]
    # ruleset ids quoted in the rules' notes (pilot2024, reg2026)
    texts += ["pilot reg"]
    names = {w for t in texts for w in re.findall(r"[A-Za-z]+", t)}
    bad, visited = {}, {}
    for username in ROLES:
        found, visited[username] = crawl(username)
        for url, words in found.items():
            words = [w for w in words if w not in names]
            if words:
                bad[f"{username} {url}"] = words
    print(visited, sum(visited.values()))
    assert min(visited.values()) >= 10
    by_shape: dict[str, set] = {}
    for k, v in bad.items():
        by_shape.setdefault(shape(k.split(" ", 1)[1]), set()).update(v)
    assert by_shape == {}, "\n".join(f"{k}: {sorted(v)}" for k, v in sorted(by_shape.items()))
