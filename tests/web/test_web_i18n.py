"""The language switch: every page in 简体中文 (the default) or English, names in the active language."""

from __future__ import annotations


def test_default_is_chinese(world, login, page):
    c = login(world.js_inspector)
    html = c.get("/enterprises/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h1>企业</h1>" in html
    assert 'data-testid="nav-sites">生产场地</a>' in html
    assert 'data-testid="current-org">江苏省药品监督管理局</span>' in html
    assert "苏州创新生物" in html
    assert "江苏省" in html
    assert "持有人（MAH）" in html


def test_switching_to_english_and_back(world, login, page):
    c = login(world.js_inspector)
    response = c.post("/i18n/setlang/", {"language": "en", "next": "/enterprises/"})
    assert response.status_code == 302
    assert response["Location"] == "/enterprises/"
    html = c.get("/enterprises/").content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Enterprises</h1>" in html
    assert 'data-testid="nav-sites">Sites</a>' in html
    assert 'data-testid="current-org">Jiangsu MPA</span>' in html
    assert "Suzhou Innovator Biologics" in html
    assert ">Jiangsu<" in html
    assert "Holder (MAH)" in html
    assert "<h1>企业</h1>" not in html

    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/enterprises/"})
    html = c.get("/enterprises/").content.decode()
    assert "<h1>企业</h1>" in html
    assert '<html lang="zh-hans">' in html


def test_dashboard_headline_per_role_in_both_languages(world, login, page):
    c = login(world.js_inspector)
    assert "省局检查员：计划并记录江苏省的检查。" in page.text(c.get("/"))
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Provincial inspector: plan and record inspections in Jiangsu." in page.text(c.get("/"))


def test_dashboard_counts_follow_scope(world, login, page):
    html = login(world.cmo_qa).get("/").content.decode()
    assert 'data-testid="count-enterprises">\n    <span class="stat-count">2</span>' in html
    assert 'data-testid="count-products">\n    <span class="stat-count">1</span>' in html
    assert "受托生产企业质量保证：按持有人的质量协议记录受托生产的各生产段。" in page.text(login(world.cmo_qa).get("/"))
    html = login(world.nmpa).get("/").content.decode()
    assert 'data-testid="count-sites">\n    <span class="stat-count">3</span>' in html


def test_detail_labels_are_translated(world, login, page):
    c = login(world.nmpa)
    zh = page.text(c.get(f"/products/{world.antibody.pk}/"))
    assert "<dt>批准文号</dt>" in zh
    assert "<dd>抗体</dd>" in zh
    assert "<dd>原研</dd>" in zh
    assert "2–8 °C" in zh
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    en = page.text(c.get(f"/products/{world.antibody.pk}/"))
    assert "<dt>Approval number</dt>" in en
    assert "<dd>Antibody</dd>" in en
    assert "<dd>Originally developed</dd>" in en


def test_login_page_switches_language_for_anonymous_users(client, db):
    assert "<h1>登录</h1>" in client.get("/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    html = client.get("/login/").content.decode()
    assert "<h1>Sign in</h1>" in html
    assert 'data-testid="lang-zh"' in html
    assert 'data-testid="lang-en"' in html


def test_every_catalogue_message_is_translated_to_chinese():
    from pathlib import Path

    from babel.messages.pofile import read_po
    from django.conf import settings

    po = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == []
    assert len(catalog) > 200


def test_every_model_label_of_the_foundation_apps_has_a_chinese_translation():
    """Field names and choice labels are shown on pages; each must have a Chinese catalogue entry."""
    from django.apps import apps
    from django.utils import translation

    missing = []
    for app in ("accounts", "audit", "registry", "quality"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if field.primary_key:
                    continue
                labels = [field.verbose_name] if field.verbose_name != field.name.replace("_", " ") else []
                labels += [label for _value, label in field.choices or []]
                for label in labels:
                    with translation.override("en"):
                        english = str(label)
                    with translation.override("zh-hans"):
                        chinese = str(label)
                    if chinese == english:
                        missing.append(f"{model.__name__}.{field.name}: {english}")
    assert missing == [], "\n".join(missing)
