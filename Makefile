# Translation catalogs: extract English source strings, merge them into every language, check.
PY ?= python
LANGS = fi sv en ru et ar

.PHONY: messages check-messages test

messages:
	$(PY) -m babel.messages.frontend extract -F babel.cfg -k t -k N_ -k ngettext:1,2 \
		--no-location --sort-output --omit-header -o locales/silta.pot .
	for l in $(LANGS); do \
		if [ -f locales/$$l/LC_MESSAGES/silta.po ]; then \
			$(PY) -m babel.messages.frontend update -i locales/silta.pot -d locales -D silta -l $$l --no-fuzzy-matching --ignore-obsolete; \
		else \
			$(PY) -m babel.messages.frontend init -i locales/silta.pot -d locales -D silta -l $$l; \
		fi; \
	done

check-messages:
	$(PY) -m pytest tests/test_catalogs.py -q

test:
	bash .ci/run
