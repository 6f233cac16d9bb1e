"""The project's English formats, read before Django's own: the same grouping as in Chinese, so a figure
reads the same in both languages."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_FORMAT = "M j, Y"  # Dec 1, 2026
SHORT_DATE_FORMAT = "Y-m-d"
