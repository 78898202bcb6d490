"""``enhancerlm serve``: a local web page that scores and explains pasted or uploaded sequences.

Built on Starlette (ASGI) and uvicorn, with pages rendered on the server from Jinja2 templates and one
small hand-written JavaScript file. Not Gradio: Gradio is heavy (dozens of dependencies, a bundled
front end), and its front end reaches out to the internet (fonts, analytics) unless told not to; a
page for sequences that may be unpublished must not. Every asset here (JS, CSS, the SVG plots drawn
by matplotlib on the server) comes from this package, so the page works on a machine with no network.

Layout: :mod:`~enhancerlm.serve.limits` (what one request may ask), :mod:`~enhancerlm.serve.inputs`
(request body -> validated table, with the CLI's readers), :mod:`~enhancerlm.serve.served`
(the model and what its run folder says about it), :mod:`~enhancerlm.serve.work` (scoring and
explaining, run by :mod:`~enhancerlm.serve.jobs` off the request thread), :mod:`~enhancerlm.serve.app`
(routes).
"""
