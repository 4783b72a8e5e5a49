"""The portal's own HTTP layer, mounted by app.py on Streamlit's ASGI app (st.App).

Plain Starlette; never imports streamlit. cookies: names and attributes; middleware: the
browser binding and the security headers on every response; file_offers: member files
behind the session cookie; routes: sign-in hand-off, sign-out, files, health.
"""
