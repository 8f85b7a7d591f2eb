"""Flask extensions, created unbound and bound in ``create_app`` (``init_app``)."""

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf import CSRFProtect

htmx = HTMX()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
