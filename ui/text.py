"""Text that someone typed (a member, a clerk, a KV-Connect sender), made inert for Markdown.

Streamlit renders Markdown (CommonMark + GFM tables, strikethrough and autolinks, maths,
`:red[...]` colour and `:material/...:` icon directives) in st.markdown, st.caption,
st.info/error/success/warning, headings and the labels of buttons, expanders, tabs and radio
options. Stored text goes into those only through `plain`. Selectbox options, dataframe
cells and st.text are plain already and must not be escaped (the backslashes would show).
"""

import re

# Characters that open Markdown anywhere in a line: emphasis, code, links and images, HTML and
# entities, headings, tables, strikethrough, maths, e-mail autolinks, and Streamlit's
# directives (":red[", ":material/...:" need an unescaped ":"; "https\\:" is no autolink).
# CommonMark takes a backslash before any ASCII punctuation as "this character, literally".
_INLINE = re.compile(r"([\\`*_{}\[\]()<>#!|~:$&@^])")
# ... and the ones that only matter at the start of a line: lists, quotes, thematic breaks.
_BLOCK_START = re.compile(r"^(\s*\d*)([-+>.=)])")
# GFM links "www.example.org" on its own; an escaped dot ends that.
_WWW = re.compile(r"(?i)\b(www)\.")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")


def plain(text: object) -> str:
    """`text` as literal Markdown on one line: shows as typed, renders as nothing else."""
    one_line = _LINE_BREAKS.sub(" ", str(text if text is not None else "")).strip()
    # Leading spaces would open a code block; control characters have no business here.
    one_line = "".join(char for char in one_line if char.isprintable())
    escaped = _WWW.sub(r"\1\\.", _INLINE.sub(r"\\\1", one_line))
    return _BLOCK_START.sub(lambda match: f"{match.group(1)}\\{match.group(2)}", escaped)
