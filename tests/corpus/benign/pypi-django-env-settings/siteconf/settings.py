import os

import requests

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///db.sqlite3")
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
SENTRY_DSN = os.environ.get("SENTRY_DSN")


def healthcheck(url):
    return requests.get(url, timeout=5).status_code == 200
