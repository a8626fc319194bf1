"""The words of a city's list that choose an activity's kind: one table, Chinese and English.

Read in order, first match wins: the kind column (or 活动形式), then the title (``cells.kind_of``).
A more specific word comes before a general one (巨幕 before 放映, 报告会 before 报告), and a
word that means a hands-on activity (体验, 互动) comes before 展 words so that 科普体验展 is
``other``, as no kind names it. Only the import reads this table; the kinds themselves are
``web/schemas.KINDS``.
"""

from __future__ import annotations

KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("imax", ("巨幕", "imax", "giant screen")),
    ("dome", ("球幕", "天象", "dome", "planetarium")),
    ("screening", ("观影", "放映", "电影", "影片", "影视", "展映", "4d影院", "screening", "film", "movie")),
    (
        "lecture",
        ("讲座", "报告", "讲堂", "讲坛", "宣讲", "论坛", "公开课", "lecture", "talk", "seminar", "forum"),
    ),
    ("other", ("体验", "互动", "实验", "研学", "hands-on", "workshop")),
    (
        "exhibition",
        ("展览", "展示", "展出", "巡展", "成果展", "主题展", "博览", "exhibition", "expo", "display"),
    ),
)
