"""Text that someone typed (a member, a clerk, a KV-Connect sender), made inert for Markdown.

Streamlit renders Markdown (CommonMark + GFM tables, strikethrough and autolinks, maths,
`:red[...]` colour and `:material/...:` icon directives) in st.markdown, st.caption,
st.info/error/success/warning, headings and the labels of buttons, expanders, tabs and radio
options. Stored text goes into those only through `plain`. Selectbox options, dataframe
cells and st.text are plain already and must not be escaped (the backslashes would show).
"""

import re

# CommonMark lets a backslash escape every ASCII punctuation character, and an escaped one is
# always literal: no emphasis, link, image, heading, list, HTML, entity, maths, table cell,
# directive (":red[" needs an unescaped ":" and "["), nor a GFM autolink ("https\://").
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")


def plain(text: object) -> str:
    """`text` as literal Markdown on one line: every punctuation character escaped."""
    one_line = _LINE_BREAKS.sub(" ", str(text if text is not None else "")).strip()
    # Four leading spaces would open a code block; control characters have no business here.
    one_line = "".join(char for char in one_line if char.isprintable())
    return _PUNCTUATION.sub(r"\\\1", one_line)
