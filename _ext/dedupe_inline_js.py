"""Sphinx 7 writes every inline ``<script>`` that an extension adds after the
builder starts (sphinx-thebe's ``const THEBE_JS_URL = ...``, togglebutton's
selector) twice, so each page throws "Identifier 'THEBE_JS_URL' has already
been declared" (fixed upstream in Sphinx 8.2, sphinx-doc/sphinx#13402, which
Jupyter Book 1 cannot use). Drop the second copy of each script."""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        attrs = getattr(js, "attributes", {}) or {}
        key = (
            getattr(js, "filename", str(js)) or "",
            tuple(sorted((k, str(v)) for k, v in attrs.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
