"""The web page (``GET /``): plain HTML, CSS and JavaScript modules under ``static/``, no build step."""
