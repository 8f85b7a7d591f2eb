"""The risk diagnosis report (個人情報管理リスク評価報告書) as a PDF, made with fpdf2.

The Japanese font is embedded (subset): Noto Sans CJK from Debian's ``fonts-noto-cjk``
(``.ci/run`` installs it), found at run time; ``FontMissing`` says what to install when
there is none. ``report_pdf(report, lang)`` returns the bytes: the overall score, the
radar chart of the 11 areas (outer = safer; the previous diagnosis dashed), then each
area's score, band, comment and next steps — the same as the web page.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode

from casemgr.diagnosis import (
    AREA_BY_CODE, QUESTION_BY_ID, AreaReport, Report, band_label, comment, next_step, radar_point, radar_polygon, scale_label,
    text,
)
from events.values import JST

FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/opentype/noto-cjk", "/usr/share/fonts/noto-cjk",
             "/usr/share/fonts/truetype/noto", "/usr/local/share/fonts", "/Library/Fonts")
FONT_FILES = {"": ("NotoSansCJK-Regular.ttc", "NotoSansCJKjp-Regular.otf", "NotoSansJP-Regular.otf"),
              "B": ("NotoSansCJK-Bold.ttc", "NotoSansCJKjp-Bold.otf", "NotoSansJP-Bold.otf")}
BAND_COLOURS = {"high_risk": (179, 38, 30), "needs_work": (161, 92, 0), "good": (27, 122, 58)}
ACCENT, MUTED, LINE = (11, 92, 171), (91, 103, 118), (200, 207, 216)

WORDS = {  # the report's own words: (Japanese, English)
    "title": ("個人情報管理リスク評価報告書", "Personal information risk assessment report"),
    "business": ("事業者", "Business"),
    "diagnosis": ("診断", "Diagnosis"),
    "completed": ("実施日", "Completed"),
    "overall": ("総合評価", "Overall score"),
    "previous": ("前回", "Previous"),
    "points": ("点", " points"),
    "outer": ("外側にいくほど安心のレベルが高いことを示しています。", "The further out, the safer."),
    "outer_prev": ("外側にいくほど安心のレベルが高いことを示しています。破線は前回の診断です。",
                   "The further out, the safer. The dashed line is the previous diagnosis."),
    "this_time": ("今回", "This time"),
    "by_area": ("分野別の評価と次の一歩", "Each area: score, comment and next steps"),
    "next_steps": ("次の一歩", "Next steps"),
    "none": ("すべて「できていて、確認もしている」です。この状態を保ちましょう。",
             "Every answer is 'fully, and checked'. Keep it that way."),
    "answer": ("回答", "answer"),
    "scale": ("回答の目安: 0 できていない / 1 少しだけ / 2 半分ほど / 3 ほぼできている / 4 できていて、確認もしている",
              "Answers: 0 not at all / 1 a little / 2 about half / 3 mostly / 4 fully, and checked"),
    "bands": ("評価: 0〜39点 リスク高 / 40〜69点 要改善 / 70〜100点 良好",
              "Bands: 0-39 high risk / 40-69 needs work / 70-100 good"),
}


class FontMissing(RuntimeError):
    """No Japanese font to embed."""


def find_font(style: str = "") -> Path:
    """The Noto Sans CJK file for ``style`` ("" or "B"), from the usual folders or fontconfig."""
    for folder in FONT_DIRS:
        for name in FONT_FILES[style]:
            candidate = Path(folder) / name
            if candidate.is_file():
                return candidate
    if shutil.which("fc-match"):
        weight = ":weight=bold" if style == "B" else ""
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", f"Noto Sans CJK JP{weight}"], capture_output=True,
                                   text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and "CJK" in found and Path(found).is_file():
            return Path(found)
    if style:
        return find_font("")  # no bold: the regular face for headings too
    raise FontMissing("no Japanese font for the PDF: install Noto Sans CJK (Debian: apt-get install fonts-noto-cjk)")


class _Document(FPDF):
    def __init__(self, lang: str, footer_text: str):
        super().__init__(format="A4", unit="mm")
        self.lang, self.footer_text = lang, footer_text
        # Japanese has no spaces to break at: break anywhere; English between words.
        self.wrap = WrapMode.CHAR if str(lang).startswith("ja") else WrapMode.WORD
        self.set_auto_page_break(True, margin=16)
        self.set_margins(16, 16, 16)
        regular, bold = find_font(""), find_font("B")
        self.add_font("jp", "", str(regular), collection_font_number=0)  # index 0: the JP face
        self.add_font("jp", "B", str(bold), collection_font_number=0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("jp", "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text}   {self.page_no()}/{{nb}}", align="C")


def report_pdf(report: Report, lang: str = "ja") -> bytes:
    """The report as PDF bytes, in ``lang`` ("ja" or "en")."""
    w = lambda key: text(WORDS[key], lang)  # noqa: E731
    pdf = _Document(lang, f"{w('title')} — {report.business} #{report.number}")
    pdf.alias_nb_pages()
    pdf.set_title(w("title"))
    pdf.set_author("casemgr")
    pdf.set_creator("casemgr")
    pdf.add_page()

    pdf.set_font("jp", "B", 18)
    pdf.set_text_color(29, 39, 51)
    pdf.cell(0, 10, w("title"), new_x="LMARGIN", new_y="NEXT")
    if not str(lang).startswith("ja"):
        pdf.set_font("jp", "", 10)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 5, WORDS["title"][0], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("jp", "", 10.5)
    pdf.set_text_color(29, 39, 51)
    completed = report.completed_at.astimezone(JST).strftime("%Y-%m-%d")
    for label, value in ((w("business"), f"{report.business_name} ({report.business})"),
                         (w("diagnosis"), f"#{report.number}"), (w("completed"), completed)):
        pdf.set_text_color(*MUTED)
        pdf.cell(28, 6, label)
        pdf.set_text_color(29, 39, 51)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")

    # The overall score.
    pdf.ln(3)
    top = pdf.get_y()
    pdf.set_draw_color(*LINE)
    pdf.rect(16, top, 178, 22)
    pdf.set_xy(20, top + 3)
    pdf.set_font("jp", "", 10.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(40, 6, w("overall"))
    pdf.set_xy(20, top + 9)
    pdf.set_font("jp", "B", 22)
    pdf.set_text_color(*BAND_COLOURS[report.band])
    pdf.cell(36, 11, f"{report.overall}")
    pdf.set_font("jp", "B", 12)
    pdf.set_xy(44, top + 12)
    pdf.cell(40, 7, band_label(report.band, lang))
    if report.previous_overall is not None:
        pdf.set_font("jp", "", 10.5)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(110, top + 12)
        pdf.cell(80, 7, f"{w('previous')} (#{report.previous_number}): {report.previous_overall}", align="R")
    pdf.set_y(top + 26)
    pdf.set_font("jp", "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, w("bands"), new_x="LMARGIN", new_y="NEXT")

    _radar(pdf, report, lang, top=pdf.get_y() + 2)

    # Each area.
    pdf.add_page()
    pdf.set_font("jp", "B", 14)
    pdf.set_text_color(29, 39, 51)
    pdf.cell(0, 9, w("by_area"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("jp", "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, w("scale"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for n, area in enumerate(report.areas, 1):
        _area(pdf, n, area, report, lang)
    return bytes(pdf.output())


def _area(pdf: _Document, n: int, area: AreaReport, report: Report, lang: str) -> None:
    w = lambda key: text(WORDS[key], lang)  # noqa: E731
    steps = area.next_steps
    if pdf.get_y() > 250:  # keep a heading with its first lines
        pdf.add_page()
    pdf.set_draw_color(*LINE)
    pdf.line(16, pdf.get_y(), 194, pdf.get_y())
    pdf.ln(1.5)
    pdf.set_font("jp", "B", 11.5)
    pdf.set_text_color(29, 39, 51)
    pdf.cell(120, 7, f"{n}. {text(AREA_BY_CODE[area.area], lang) if area.area in AREA_BY_CODE else area.area}")
    pdf.set_text_color(*BAND_COLOURS[area.band])
    score = f"{area.score}{w('points')}  {band_label(area.band, lang)}"
    pdf.cell(0, 7, score, align="R", new_x="LMARGIN", new_y="NEXT")
    if area.previous is not None:
        pdf.set_font("jp", "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 4.5, f"{w('previous')}: {area.previous}{w('points')}", align="R", new_x="LMARGIN",
                 new_y="NEXT")
    pdf.set_font("jp", "", 10)
    pdf.set_text_color(29, 39, 51)
    if area.area in AREA_BY_CODE:
        pdf.multi_cell(0, 5.4, comment(area.area, area.band, lang), new_x="LMARGIN", new_y="NEXT",
                       wrapmode=pdf.wrap)
    pdf.ln(1)
    pdf.set_font("jp", "B", 10)
    pdf.cell(0, 5.5, w("next_steps"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("jp", "", 10)
    if not steps:
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 5.4, w("none"), new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
    for question in steps:
        value = report.answers.get(question)
        pdf.set_x(20)
        pdf.set_text_color(*MUTED)
        pdf.set_font("jp", "", 8.5)
        asked = text(QUESTION_BY_ID[question], lang)
        pdf.multi_cell(0, 4.6, f"{asked}  [{w('answer')}: {value} {scale_label(value, lang)}]",
                       new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
        pdf.set_x(20)
        pdf.set_text_color(29, 39, 51)
        pdf.set_font("jp", "", 10)
        pdf.multi_cell(0, 5.4, f"→ {next_step(question, lang)}", new_x="LMARGIN", new_y="NEXT",
                       wrapmode=pdf.wrap)
        pdf.ln(0.8)
    pdf.ln(2.5)


def _radar(pdf: _Document, report: Report, lang: str, top: float) -> None:
    """The radar chart: rings at 20…100, one axis per area (clockwise from the top), the
    previous diagnosis dashed grey, this one filled blue."""
    cx, cy, radius = 105.0, top + 76, 54.0
    count = len(report.areas)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*LINE)
    for ring in (20, 40, 60, 80, 100):
        pdf.polygon([radar_point(i, count, ring, cx, cy, radius) for i in range(count)], style="D")
    pdf.set_font("jp", "", 6.5)
    pdf.set_text_color(*MUTED)
    for ring in (20, 40, 60, 80, 100):
        x, y = radar_point(0, count, ring, cx, cy, radius)
        pdf.set_xy(x + 0.8, y - 1.6)
        pdf.cell(8, 3.2, str(ring))
    for i in range(count):
        pdf.line(cx, cy, *radar_point(i, count, 100, cx, cy, radius))
    if report.previous_number is not None and all(a.previous is not None for a in report.areas):
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.5)
        pdf.set_dash_pattern(dash=1.4, gap=1.2)
        pdf.polygon(radar_polygon([a.previous for a in report.areas], cx, cy, radius), style="D")
        pdf.set_dash_pattern()
    with pdf.local_context(fill_opacity=0.22):
        pdf.set_fill_color(*ACCENT)
        pdf.polygon(radar_polygon([a.score for a in report.areas], cx, cy, radius), style="F")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.7)
    pdf.polygon(radar_polygon([a.score for a in report.areas], cx, cy, radius), style="D")
    pdf.set_fill_color(*ACCENT)
    for x, y in radar_polygon([a.score for a in report.areas], cx, cy, radius):
        pdf.ellipse(x - 0.9, y - 0.9, 1.8, 1.8, style="F")
    # The labels around the rim: the area's name and its score.
    pdf.set_font("jp", "", 8.5)
    for i, area in enumerate(report.areas):
        x, y = radar_point(i, count, 114, cx, cy, radius)
        name = text(AREA_BY_CODE[area.area], lang) if area.area in AREA_BY_CODE else area.area
        label_w = 44
        align = "C" if abs(x - cx) < 8 else ("L" if x > cx else "R")
        left = x - label_w / 2 if align == "C" else (x - 1 if align == "L" else x - label_w + 1)
        left = min(max(left, 8), 202 - label_w)
        pdf.set_text_color(29, 39, 51)
        pdf.set_xy(left, y - 4 if y < cy else y - 1)
        pdf.multi_cell(label_w, 3.8, f"{i + 1}. {name}", align=align, new_x="LMARGIN", new_y="NEXT",
                       wrapmode=pdf.wrap)
        pdf.set_xy(left, pdf.get_y())
        pdf.set_text_color(*BAND_COLOURS[area.band])
        pdf.cell(label_w, 3.8, f"{area.score}", align=align)
    # The legend.
    pdf.set_xy(16, cy + radius + 22)
    pdf.set_font("jp", "", 8.5)
    pdf.set_text_color(*MUTED)
    has_previous = report.previous_number is not None
    pdf.multi_cell(0, 4.5, text(WORDS["outer_prev" if has_previous else "outer"], lang), align="C",
                   new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
