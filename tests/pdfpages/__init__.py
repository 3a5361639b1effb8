"""A generator of broadsheet page PDFs with their truth, the test bed of the PDF route.

`generate(seed, layout)` lays out one page (reportlab, CJK TrueType fonts from Debian packages,
deterministic: the same seed gives the same bytes) and returns it with the parse it must give,
in the shape of ../shared/fixtures/*.expected.json. Layouts: see `LAYOUTS`. `generate_issue(seed,
pages)` makes an issue of several pages in one PDF.
"""

from tests.pdfpages.pages import LAYOUTS, GeneratedPage, generate, generate_issue

__all__ = ["LAYOUTS", "GeneratedPage", "generate", "generate_issue"]
