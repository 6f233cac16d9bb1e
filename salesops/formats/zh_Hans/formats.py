"""The project's zh-hans formats, read before Django's own: money and counts are grouped by thousands
(¥1,234,567.89) as Chinese business documents write them; Django's zh-hans module sets no separator."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_FORMAT = "Y年n月j日"  # 2026年12月1日
SHORT_DATE_FORMAT = "Y年n月j日"
MONTH_DAY_FORMAT = "n月j日"  # 12月1日
