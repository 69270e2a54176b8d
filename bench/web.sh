# Page budgets of the web app (bench/web.py): own bytes and first contentful paint per page.
/usr/bin/python3 "$(dirname "$0")/web.py"
