"""Jupyter Book 1 lists every ``_static/**/*.js`` in every page's ``<head>``
(``jupyter_book/config.py`` globs ``_static`` recursively). Chapter 8's
training panel loads TensorFlow.js (``vendor/``), the shipped digits
(``webmodel/``) and ``train-panel.js`` with its own ``<script>`` tags, and the
draw box loads ``webmodel/small.js`` itself: drop them from the head of every
page, so no other page downloads them."""

PAGE_ONLY = ("_static/vendor/", "_static/webmodel/", "_static/train-panel.js")


def _drop_page_only_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [
            js
            for js in scripts
            if not str(getattr(js, "filename", js) or "").startswith(PAGE_ONLY)
        ]


def setup(app):
    app.connect("html-page-context", _drop_page_only_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
