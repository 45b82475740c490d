"""The WSGI application that gunicorn serves (the Dockerfile's `gunicorn csm.wsgi:application`): Django, behind
the load shedding of csm.overload (WEB_QUEUE_TIMEOUT)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from csm.overload import ShedWhenQueued

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csm.settings")
application = ShedWhenQueued(get_wsgi_application(), limit=settings.WEB_QUEUE_TIMEOUT)
