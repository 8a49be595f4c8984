"""The README stays true: every environment variable the settings read is named in it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"""\b(?:env(?:\.\w+)?|env_on_off)\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    names = {
        name
        for path in (ROOT / "clinic" / "settings").glob("*.py")
        for name in READ.findall(path.read_text())
    }
    assert {"DJANGO_SECRET_KEY", "DJANGO_TRUSTED_PROXY_COUNT", "SESSION_IDLE_MINUTES"} <= names
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
